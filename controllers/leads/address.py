"""Addresses, phones and names put in one form once, so that comparing them is cheap.

An address such as ``河北省灵寿县灵寿镇东关村委会３组十二号`` becomes township ``灵寿镇``,
village ``东关``, group ``3`` and house number 12: widths are folded, spaces dropped, the
county prefix cut at the township (found with the unit's township list), ``村委会``/``村民委员会``
/``村``/``社区`` reduced to the village's stem and Chinese numerals read.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from typing import NamedTuple

_VILLAGE = re.compile(r"(.+?)(?:村民委员会|村委会|村委|社区居委会|社区|居委会|村)")
_GROUP = re.compile(r"([0-9零〇一二两三四五六七八九十]+)(?:组|队)")
_NUMBER = re.compile(r"([0-9零〇一二两三四五六七八九十百]+)号")
_TOWN_SUFFIX = re.compile(r"(?:镇|乡|街道办事处|街道|办事处)$")
_VILLAGE_SUFFIX = re.compile(r"(?:村民委员会|村委会|村委|社区居委会|社区|居委会|村)$")
_DIRECTIONS = re.compile(r"^(?:村东|村西|村南|村北|东|西|南|北)")
_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"〇": 0, "两": 2}


_IS_NORMALIZED = unicodedata.is_normalized
_NORMALIZE = unicodedata.normalize


def fold(text: str | None) -> str:
    """Full-width to half-width, every space removed."""
    if not text:
        return ""
    text = str(text)
    if not _IS_NORMALIZED("NFKC", text):
        text = _NORMALIZE("NFKC", text)
    return text if text.isalnum() else "".join(text.split())


def chinese_number(text: str) -> int | None:
    """``12``, ``十二``, ``一百零三``, ``二〇三`` → int (None when not a number)."""
    if text.isdigit():
        return int(text)
    if all(c in _DIGITS for c in text):  # digit by digit: 二〇三
        return int("".join(str(_DIGITS[c]) for c in text))
    total, current = 0, 0
    for c in text:
        if c in _DIGITS:
            current = _DIGITS[c]
        elif c == "十":
            total += (current or 1) * 10
            current = 0
        elif c == "百":
            total += (current or 1) * 100
            current = 0
        else:
            return None
    return total + current


def phone_key(phone: str | None) -> str:
    """Digits of a phone; a mobile number (also with +86 or a second number) by its 11 digits."""
    if not phone:
        return ""
    if len(phone) == 11 and phone.isascii() and phone.isdigit() and phone[0] == "1":
        return phone  # the usual case, without the regular expressions
    digits = re.sub(r"\D", "", fold(phone))
    mobile = re.search(r"1[3-9]\d{9}", digits)
    if mobile:
        return mobile.group(0)
    return digits if len(digits) >= 7 else ""


def name_key(name: str | None) -> str:
    """A person's or business's name for comparison (widths folded, spaces and dots dropped)."""
    if not name:
        return ""
    if not _IS_NORMALIZED("NFKC", name):
        name = _NORMALIZE("NFKC", name)
    if not name.isalnum():  # letters and digits only (Chinese included): nothing to drop
        name = "".join(name.split()).replace("·", "").replace(".", "")
    return name.lower()


@lru_cache(maxsize=65536)
def town_stem(name: str) -> str:
    return _TOWN_SUFFIX.sub("", fold(name)) or fold(name)


@lru_cache(maxsize=65536)
def village_stem(name: str | None) -> str:
    """``东关村委会`` / ``东关村`` / ``东关`` → ``东关``."""
    text = fold(name)
    return _VILLAGE_SUFFIX.sub("", text) or text


class Address(NamedTuple):
    township: str  # the township's stem ("" when unknown)
    village: str  # the village's stem ("" when unknown)
    group: int | None
    number: int | None

    def near(self, other: Address, window: int) -> bool:
        """Same village and house numbers at most ``window`` apart."""
        return (
            bool(self.village)
            and self.village == other.village
            and self.township == other.township
            and self.number is not None
            and other.number is not None
            and abs(self.number - other.number) <= window
        )


class AddressParser:
    """Parses addresses with the units' township lists (built once per scan)."""

    def __init__(self, townships: Iterable[tuple[int, str]]) -> None:
        self._by_unit: dict[int, list[tuple[str, str]]] = {}
        for unit_id, name in townships:
            full = fold(name)
            self._by_unit.setdefault(unit_id, []).append((full, town_stem(full)))
        for names in self._by_unit.values():
            names.sort(key=lambda n: -len(n[0]))
        self._town_units: dict[str, set[int]] = {}
        for unit_id, names in self._by_unit.items():
            for _full, stem in names:
                self._town_units.setdefault(stem, set()).add(unit_id)

    def unit_of(self, text: str, unit_names: Iterable[tuple[int, str, str]]) -> int | None:
        """The unit an address lies in: its name or short name, else a township only it has."""
        folded = fold(text)
        for unit_id, name, short in unit_names:
            if fold(name) in folded or (short and len(short) >= 2 and fold(short) in folded):
                return unit_id
        found = {
            u
            for stem, units in self._town_units.items()
            if len(stem) >= 2 and stem in folded
            for u in units
        }
        return found.pop() if len(found) == 1 else None

    def parse(
        self,
        address: str | None,
        unit_id: int | None = None,
        township: str | None = None,
        village: str | None = None,
    ) -> Address:
        """The parts of an address; the case's own township and village columns win."""
        text = fold(address)
        if township and village:  # the case's own columns: only the house number is looked for
            vill = village_stem(village)
            return Address(town_stem(township), vill, None, house_number(address, vill))
        town = town_stem(township) if township else ""
        rest = text
        for full, stem in self._by_unit.get(unit_id, ()) if unit_id is not None else ():
            for variant in (full, stem):
                pos = text.find(variant) if len(variant) >= 2 else -1
                if pos >= 0:
                    town = town or stem
                    rest = text[pos + len(variant) :]
                    break
            else:
                continue
            break
        else:
            cut = re.search(r"(?:镇|乡|街道)", text)
            if cut:
                town = town or town_stem(text[: cut.end()].split("县")[-1].split("区")[-1])
                rest = text[cut.end() :]
        vill = village_stem(village) if village else ""
        match = _VILLAGE.search(rest)
        if match:
            vill = vill or match.group(1)
            rest = rest[match.end() :]
        rest = _DIRECTIONS.sub("", rest)
        group = None
        g = _GROUP.search(rest)
        if g:
            group = chinese_number(g.group(1))
        return Address(town, vill, group, _number(rest))


def _number(rest: str) -> int | None:
    """The house number: the last ``…号`` of the text."""
    numbers = _NUMBER.findall(rest)
    return chinese_number(numbers[-1]) if numbers else None


def house_number(address: str | None, village_stem_: str) -> int | None:
    """The house number of a case's address after its village (as :meth:`AddressParser.parse`
    reads it when the case's own township and village columns are filled)."""
    text = fold(address)
    pos = text.find(village_stem_) if village_stem_ else -1
    return _number(text[pos + len(village_stem_) :] if pos >= 0 else text)
