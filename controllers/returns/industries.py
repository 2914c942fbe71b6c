"""County industry words (所属行业) to the industry catalog.

An industry outside the catalog is not an error. In order:

1. the catalog's own name or code, or a word a clerk filed once (:class:`models.IndustryAlias`)
   — silent;
2. a catalog name inside the word ("蛭石加工" → 蛭石) — silent;
3. the synonyms of the commonest 散乱污 trades ("家具喷漆" → 家具制造, also 喷涂), then string
   similarity to the catalog names — a **warning** naming the industry chosen;
4. otherwise 其他, with a warning: the county's word is kept (in the case's 备注 when it
   becomes a new case) and the clerk files it under an industry, or adds it to the catalog,
   once — it is remembered for every later return.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from controllers.actor import Actor
from controllers.audit.trail import record
from controllers.errors import NotFoundError, ValidationError
from controllers.permissions import Permission, require
from models import Industry, IndustryAlias
from models.textnorm import clean_text, search_key

logger = logging.getLogger(__name__)

OTHER_CODE = "other"
#: similarity (0–100) above which a word is taken as a catalog name misspelt or reworded
SIMILARITY = 60
WORD_LENGTH = IndustryAlias.__table__.c.word.type.length
NAME_LENGTH = Industry.__table__.c.name.type.length

#: words inside a county's text → catalog code (the commonest trades first)
SYNONYMS: tuple[tuple[str, str], ...] = (
    ("家具", "furniture"), ("木器", "furniture"), ("沙发", "furniture"), ("橱柜", "furniture"),
    ("喷漆", "spraying"), ("喷涂", "spraying"), ("喷塑", "spraying"), ("烤漆", "spraying"),
    ("造粒", "plastic_pellet"), ("塑料颗粒", "plastic_pellet"), ("颗粒", "plastic_pellet"),
    ("废塑料", "waste_plastic"), ("再生塑料", "waste_plastic"), ("塑料再生", "waste_plastic"),
    ("塑料回收", "waste_plastic"), ("编织袋", "waste_plastic"), ("塑料", "waste_plastic"),
    ("铸件", "casting"), ("翻砂", "casting"), ("铸铁", "casting"), ("熔炼", "casting"),
    ("石料", "stone"), ("大理石", "stone"), ("花岗岩", "stone"), ("石子", "stone"),
    ("碎石", "stone"), ("石英砂", "stone"), ("板材", "small_board"), ("胶合板", "small_board"),
    ("密度板", "small_board"), ("锯木", "wood"), ("木料", "wood"), ("木制品", "wood"),
    ("木材", "wood"), ("胶粉", "rubber"), ("再生胶", "rubber"), ("橡胶", "rubber"),
    ("染色", "dyeing"), ("漂染", "dyeing"), ("化工", "chemical"), ("涂料", "chemical"),
    ("锅炉", "boiler"), ("砖厂", "brick_kiln"), ("砖瓦", "brick_kiln"), ("红砖", "brick_kiln"),
    ("石灰", "lime_kiln"), ("轮胎", "tire_pyrolysis"), ("炼油", "tire_pyrolysis"),
    ("镀锌", "electroplating"), ("制革", "leather"), ("皮毛", "leather"),
    ("搅拌站", "concrete"), ("商砼", "concrete"), ("沥青", "asphalt_mixing"),
    ("防水卷材", "asphalt_felt"), ("拉丝", "wire_drawing"), ("钢丝", "wire_drawing"),
    ("铁丝", "wire_drawing"), ("氧化钙", "calcium_magnesium"), ("氧化镁", "calcium_magnesium"),
    ("豆制品", "food"), ("粉条", "food"), ("酿酒", "food"), ("屠宰", "food"), ("饲料", "feed"),
)  # fmt: skip


@dataclass(frozen=True)
class IndustryGuess:
    """A word outside the catalog, the industry it is filed under and what else it may be."""

    word: str
    industry_id: int
    how: str  # "synonym", "similar" or "other"
    alternatives: tuple[int, ...] = ()

    def message(self, names: dict[int, str]) -> str:
        chosen = names.get(self.industry_id, "其他")
        also = "、".join(f"“{names[i]}”" for i in self.alternatives if i in names)
        if self.how == "other":
            return (f"行业“{self.word}”不在行业目录中，暂归入“其他”（保留原填写）；"
                    "请在“行业对应”中指定行业或加入目录，以后自动套用")  # fmt: skip
        return (f"行业“{self.word}”不在行业目录中，已按相近行业归入“{chosen}”"
                + (f"（也可能是{also}）" if also else "")
                + "；如不对，请在“行业对应”中改正，以后自动套用")  # fmt: skip


class IndustryMatcher:
    """Resolves industry words against one snapshot of the catalog and the filed words."""

    def __init__(self, known: dict[str, int], names: dict[int, str], codes: dict[str, int]) -> None:
        self.known = known  # search key of name, code or filed word → id
        self.names = names
        self.by_name = {search_key(n): i for i, n in names.items()}
        self.synonyms = [(w, codes[c]) for w, c in SYNONYMS if c in codes]
        self.other = codes.get(OTHER_CODE)

    def resolve(self, text: str) -> int | IndustryGuess:
        """The industry id of a known word, else a guess (with the id it is filed under)."""
        key = search_key(text)
        found = self.known.get(key)
        if found is not None:
            return found
        inside = {i for k, i in self.by_name.items() if len(k) >= 2 and k in key}
        if len(inside) == 1:
            return inside.pop()
        hits: list[tuple[int, int]] = []  # (position in the text, id)
        for word, industry_id in self.synonyms:
            at = key.find(word)
            if at >= 0:
                hits.append((at, industry_id))
        for k, industry_id in self.by_name.items():
            at = key.find(k)
            if len(k) >= 2 and at >= 0:
                hits.append((at, industry_id))
        if hits:
            ordered = list(dict.fromkeys(i for _at, i in sorted(hits)))
            return IndustryGuess(text, ordered[0], "synonym", tuple(ordered[1:3]))
        similar = self._similar(key)
        if similar is not None:
            return IndustryGuess(text, similar, "similar")
        if self.other is None:
            raise LookupError("the industry catalog has no 其他")
        return IndustryGuess(text, self.other, "other")

    def _similar(self, key: str) -> int | None:
        from rapidfuzz import fuzz, process  # imported on first need

        choices = {i: k for k, i in self.by_name.items() if i != self.other}
        best = process.extractOne(key, choices, scorer=fuzz.ratio, score_cutoff=SIMILARITY)
        return None if best is None else best[2]


def load_matcher(session: Session) -> IndustryMatcher:
    """The catalog and every filed word, keyed for reading a return."""
    known: dict[str, int] = {}
    names: dict[int, str] = {}
    codes: dict[str, int] = {}
    for ind in session.scalars(select(Industry)):
        known[search_key(ind.name)] = ind.id
        known.setdefault(search_key(ind.code), ind.id)
        names[ind.id] = ind.name
        codes[ind.code] = ind.id
    for alias in session.scalars(select(IndustryAlias)):
        known.setdefault(alias.word_key, alias.industry_id)
    return IndustryMatcher(known, names, codes)


def industry_choices(session: Session) -> list[tuple[int, str]]:
    """(id, name) of the catalog in its order, for the clerk to file a word under."""
    rows = session.execute(select(Industry.id, Industry.name).order_by(Industry.sort_order,
                                                                        Industry.id))  # fmt: skip
    return [(i, n) for i, n in rows]


def file_industry_word(
    session: Session,
    actor: Actor,
    word: str,
    industry_id: int | None = None,
    *,
    new_industry: str | None = None,
) -> int:
    """File a county's industry word under a catalog industry, or add ``new_industry`` to the
    catalog and file it there; remembered for every later return. Returns the industry id."""
    require(actor, Permission.REVIEW_RETURNS)
    text = clean_text(word)
    if not text:
        raise ValidationError("请填写县区上报中的行业名称。", field="word")
    text = text[:WORD_LENGTH]
    if new_industry is not None:
        name = clean_text(new_industry)
        if not name or len(name) > NAME_LENGTH:
            raise ValidationError(f"新行业名称应为 1—{NAME_LENGTH} 个字。", field="new_industry")
        existing = session.scalar(select(Industry).where(Industry.name == name))
        if existing is None:
            existing = _add_industry(session, actor, name)
        industry_id = existing.id
    if industry_id is None or session.get(Industry, industry_id) is None:
        raise NotFoundError("所选行业不存在（可能已被删除）。")
    key = search_key(text)[:WORD_LENGTH]
    alias = session.scalar(select(IndustryAlias).where(IndustryAlias.word_key == key))
    if alias is None:
        alias = IndustryAlias(word=text, word_key=key, industry_id=industry_id,
                              created_by_id=actor.user_id)  # fmt: skip
        session.add(alias)
    else:
        alias.industry_id = industry_id
    session.flush()
    record(session, actor, "update", "industry_alias", alias.id,
           detail={"word": text, "industry_id": industry_id})  # fmt: skip
    return industry_id


def _add_industry(session: Session, actor: Actor, name: str) -> Industry:
    order = session.scalar(select(func.coalesce(func.max(Industry.sort_order), 0))) or 0
    base = "custom_" + re.sub(r"[^0-9a-z]+", "", search_key(name).encode("unicode_escape")
                                .decode("ascii").replace("\\u", "u"))[:30]  # fmt: skip
    code, n = base, 1
    while session.scalar(select(Industry.id).where(Industry.code == code)) is not None:
        n += 1
        code = f"{base[:36]}_{n}"
    industry = Industry(code=code, name=name, is_focus=False, sort_order=int(order) + 1)
    session.add(industry)
    session.flush()
    record(session, actor, "create", "industry", industry.id, detail={"name": name, "code": code})
    return industry


def file_industry_words(
    session: Session, actor: Actor, choices: dict[str, int | None]
) -> dict[str, int]:
    """File several words at once: ``{word: industry id}``, or None to add the word itself to
    the catalog as a new industry. Returns the industry id of each word."""
    out = {}
    for word, industry_id in choices.items():
        if industry_id is None:
            out[word] = file_industry_word(session, actor, word, new_industry=word)
        else:
            out[word] = file_industry_word(session, actor, word, industry_id)
    return out
