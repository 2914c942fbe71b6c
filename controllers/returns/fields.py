"""The register fields a return may fill, with their kind and storage limits."""

from __future__ import annotations

from dataclasses import dataclass

from controllers.cases.columns import COLUMNS_BY_KEY, REGISTER_COLUMNS, ColumnKind
from models import Case, Township
from models.codes import CaseStatus, Classification, CodedEnum, PollutionType, ProblemType, Source


@dataclass(frozen=True)
class ReturnField:
    """A column a return can carry: the register key, its published header and how to read it."""

    key: str
    header: str
    kind: ColumnKind
    enum: type[CodedEnum] | None = None
    max_length: int | None = None  # characters the database column holds


_ENUMS: dict[str, type[CodedEnum]] = {
    "Classification": Classification,
    "Source": Source,
    "CaseStatus": CaseStatus,
    "ProblemType": ProblemType,
    "PollutionType": PollutionType,
}

#: register columns of the return besides the published ones (the application's extras)
_EXTRA_KEYS = ("status", "batch", "completed_on", "township_checked_on", "approved_by")


def _max_length(key: str, kind: ColumnKind) -> int | None:
    if kind == ColumnKind.TOWNSHIP:
        return Township.__table__.c.name.type.length
    if kind == ColumnKind.BATCH:
        return 40
    column = Case.__table__.c.get(key)
    return getattr(column.type, "length", None) if column is not None else None


def _field(key: str) -> ReturnField:
    col = COLUMNS_BY_KEY[key]
    return ReturnField(
        col.key, col.header, col.kind, _ENUMS.get(col.enum or ""), _max_length(col.key, col.kind)
    )


#: every field of a return, in the published order, then the extras
RETURN_FIELDS: tuple[ReturnField, ...] = tuple(_field(c.key) for c in REGISTER_COLUMNS) + tuple(
    _field(k) for k in _EXTRA_KEYS
)
FIELDS_BY_KEY: dict[str, ReturnField] = {f.key: f for f in RETURN_FIELDS}
#: position of each field in a row's value tuple
FIELD_INDEX: dict[str, int] = {f.key: i for i, f in enumerate(RETURN_FIELDS)}
FIELD_KEYS: tuple[str, ...] = tuple(f.key for f in RETURN_FIELDS)

#: fields that identify an enterprise (a row needs a name, or an address and an owner)
IDENTITY_FIELDS = ("name", "address", "owner")
#: fields that are checked but never written to the case (the unit comes from the return)
NOT_WRITTEN = frozenset({"unit"})


def field_label(key: str) -> str:
    """The published header of a field ('' for the ignore choice)."""
    f = FIELDS_BY_KEY.get(key)
    return f.header if f else ""
