"""How alike a case and a closed case are: the evidence field by field, a score and a kind.

Weights add up to the score (capped at 1). A phone or owner's name shared by many cases in the
register (a village committee's phone, a common name like 王伟) weighs less the more cases share
it, so that look-alikes stay below the threshold while a rare name with the same trade does not.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from models.codes import Classification

#: a candidate is raised from this score on
THRESHOLD = 0.5
#: house numbers at most this far apart in the same village count as "nearby"
NEAR_NUMBERS = 3
#: fuzzy name similarity (0-100) from which two owners' names count as close
CLOSE_NAME = 80
#: … and two businesses' names
CLOSE_BUSINESS_NAME = 85

W_PHONE = 0.45
W_OWNER = 0.35
W_OWNER_CLOSE = 0.2
W_SAME_ADDRESS = 0.45
W_NEAR_ADDRESS = 0.3
W_INDUSTRY = 0.15
W_NAME = 0.15
W_PRODUCTS = 0.1
#: how many cases may share a phone or a name before it weighs less
RARE = 2

#: the old side of a candidate: a closed case of these classifications
OLD_CLASSIFICATIONS = (Classification.SHUTDOWN.value, Classification.RELOCATE.value)


@dataclass(slots=True)
class Site:
    """What the comparison needs of one case (normalised once)."""

    case_id: int
    unit_id: int
    township: str
    village: str
    number: int | None
    owner: str
    phone: str
    name: str
    industry_id: int | None
    products: str
    classification: str
    status: str
    seen_on: dt.date | None  # discovered (or entered) on
    closed_on: dt.date | None
    # shown as evidence
    owner_text: str = ""
    phone_text: str = ""
    address_text: str = ""
    industry_text: str = ""
    name_text: str = ""
    products_text: str = ""

    @property
    def village_key(self) -> tuple[int, str, str] | None:
        return (self.unit_id, self.township, self.village) if self.village else None


@dataclass
class Candidate:
    kind: str
    case_id: int | None
    other_case_id: int
    score: float
    evidence: list[dict[str, str]]
    unit_id: int
    other_unit_id: int
    power_record_id: int | None = None
    extra: dict = field(default_factory=dict)
    #: a 类散乱污 candidate raised by a permit (``case_id`` is None)
    permit_id: int | None = None

    @property
    def pair_key(self) -> str:
        if self.power_record_id:  # the premises (户号), so that a newer list updates it
            return f"p{self.extra.get('premises') or self.power_record_id}:{self.other_case_id}"[
                :80
            ]
        if self.permit_id:  # the permit (its number), so that a newer list updates it
            return f"k{self.extra.get('permit') or self.permit_id}:{self.other_case_id}"[:80]
        return f"{self.case_id}:{self.other_case_id}"

    def as_json(self) -> dict:
        return {
            "kind": self.kind,
            "case_id": self.case_id,
            "other_case_id": self.other_case_id,
            "score": round(self.score, 3),
            "evidence": self.evidence,
            **({"power_record_id": self.power_record_id} if self.power_record_id else {}),
            **({"permit_id": self.permit_id} if self.permit_id else {}),
        }


def rarity(count: int) -> float:
    """1 for a value at most :data:`RARE` cases share, less the more share it."""
    return 1.0 if count <= RARE else RARE / count


def _ev(field_: str, this: str, other: str, how: str) -> dict[str, str]:
    return {"field": field_, "this": this, "other": other, "how": how}


def is_old(site: Site) -> bool:
    """A closed 关停取缔 / 整合搬迁 case: the old side of a candidate."""
    return site.status == "closed" and site.classification in OLD_CLASSIFICATIONS


def after_closure(this: Site, old: Site) -> bool:
    """The newer case was found after the old one was closed out."""
    return (
        this.case_id != old.case_id
        and old.closed_on is not None
        and this.seen_on is not None
        and this.seen_on > old.closed_on
    )


def address_evidence(this: Site, old: Site) -> tuple[float, dict[str, str] | None, bool]:
    """(weight, evidence, at or near the old address)."""
    if not this.village or this.village != old.village or this.unit_id != old.unit_id:
        return 0.0, None, False
    if this.township and old.township and this.township != old.township:
        return 0.0, None, False
    if this.number is not None and old.number is not None:
        gap = abs(this.number - old.number)
        if gap == 0:
            return (
                W_SAME_ADDRESS,
                _ev("address", this.address_text, old.address_text, "同一门牌"),
                True,
            )
        if gap <= NEAR_NUMBERS:
            how = f"同村相距 {gap} 个门牌号"
            return W_NEAR_ADDRESS, _ev("address", this.address_text, old.address_text, how), True
    return 0.0, None, False


def compare(this: Site, old: Site, phone_counts: dict[str, int],
            owner_counts: dict[str, int]) -> Candidate | None:  # fmt: skip
    """The candidate ``this`` (newer case) makes against the closed case ``old``, if any."""
    evidence: list[dict[str, str]] = []
    score = 0.0
    identity = False
    if this.phone and this.phone == old.phone:
        w = W_PHONE * rarity(phone_counts.get(this.phone, 1))
        score += w
        identity = True
        shared = phone_counts.get(this.phone, 1)
        how = "相同" if shared <= RARE else f"相同（{shared} 家共用此号码）"
        evidence.append(_ev("phone", this.phone_text, old.phone_text, how))
    if this.owner and old.owner:
        shared = owner_counts.get(this.owner, 1)
        if this.owner == old.owner:
            score += W_OWNER * rarity(shared)
            identity = True
            how = "相同" if shared <= RARE else f"相同（登记中有 {shared} 人同名）"
            evidence.append(_ev("owner", this.owner_text, old.owner_text, how))
        else:
            similarity = fuzz.ratio(this.owner, old.owner)
            if similarity >= CLOSE_NAME and this.village and this.village == old.village:
                score += W_OWNER_CLOSE * similarity / 100
                identity = True
                evidence.append(
                    _ev("owner", this.owner_text, old.owner_text, f"相似 {similarity:.0f}%")
                )
    weight, address, at_old_place = address_evidence(this, old)
    if address is not None:
        score += weight
        identity = True
        evidence.append(address)
    if not identity:
        return None
    same_trade = this.industry_id is not None and this.industry_id == old.industry_id
    if same_trade:
        score += W_INDUSTRY
        evidence.append(_ev("industry", this.industry_text, old.industry_text, "相同"))
    if this.name and old.name:
        similarity = fuzz.ratio(this.name, old.name)
        if similarity >= CLOSE_BUSINESS_NAME:
            score += W_NAME * similarity / 100
            evidence.append(_ev("name", this.name_text, old.name_text, f"相似 {similarity:.0f}%"))
    if this.products and this.products == old.products:
        score += W_PRODUCTS
        evidence.append(_ev("products", this.products_text, old.products_text, "相同"))
    score = min(score, 1.0)
    if score < THRESHOLD:
        return None
    if at_old_place:
        quasi = (
            old.classification == Classification.SHUTDOWN.value
            and this.classification == Classification.UPGRADE.value
            and same_trade
        )
        kind = "similar" if quasi else "relapse"
    else:
        kind = "relocation"
    return Candidate(kind, this.case_id, old.case_id, score, evidence, this.unit_id, old.unit_id)
