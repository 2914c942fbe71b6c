"""Units (责任单位) and their townships, owned by the office: find, edit, import, list."""

from controllers.units.lookup import UnknownUnit, find_unit, unit_ids_by_names

__all__ = ["UnknownUnit", "find_unit", "unit_ids_by_names"]
