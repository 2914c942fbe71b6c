"""Fonts of an official document: which installed font serves each role, and reportlab set-up.

Roles follow GB/T 9704-2012: the title in 小标宋, the body in 仿宋(_GB2312), first-level
headings (一、) in 黑体, second-level headings (（一）) in 楷体(_GB2312), page numbers in 宋体.
Each role takes the first candidate found in the font folders (folders named in
``RECTIFY_FONT_DIRS`` first, then the system's and the per-user font folder); a role with no
installed candidate uses the TrueType font bundled in ``resources/fonts`` so the same PDF comes
out on a machine without Chinese fonts. Fonts are embedded as subsets by reportlab.

Only TrueType outlines (``.ttf``/``.ttc`` with a ``glyf`` table) are used: reportlab cannot
embed CFF fonts (``.otf``/``.otc``), and fonts whose licence forbids embedding are skipped.
"""

from __future__ import annotations

import functools
import logging
import os
import struct
import sys
import threading
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path

from resources import resource_path

logger = logging.getLogger(__name__)

#: extra font folders searched before the system's (os.pathsep-separated)
FONT_DIRS_ENV = "RECTIFY_FONT_DIRS"
#: "0" uses the bundled font for every role (ignores installed fonts)
SYSTEM_FONTS_ENV = "RECTIFY_SYSTEM_FONTS"

BUNDLED_FONT_FILE = "WenQuanYiMicroHei-subset.ttf"
BUNDLED_FAMILY = "文泉驿微米黑（内置子集）"
FONT_SUFFIXES = (".ttf", ".ttc")
#: files smaller than this are not CJK fonts; their names are not read when matching families
MIN_CJK_FONT_BYTES = 1_000_000


class FontRole(StrEnum):
    """What a font is used for in an official document."""

    TITLE = "title"
    BODY = "body"
    HEADING1 = "heading1"
    HEADING2 = "heading2"
    PAGE_NUMBER = "page_number"

    @property
    def label(self) -> str:
        """Chinese name of the role, as the settings pane shows it."""
        return ROLE_LABELS[self]


ROLE_LABELS = {
    FontRole.TITLE: "标题（2号小标宋）",
    FontRole.BODY: "正文（3号仿宋）",
    FontRole.HEADING1: "一级标题“一、”（3号黑体）",
    FontRole.HEADING2: "二级标题“（一）”（3号楷体）",
    FontRole.PAGE_NUMBER: "页码（4号宋体）",
}


class FontSource(StrEnum):
    """Where the font of a role was found."""

    EXTRA = "extra"
    SYSTEM = "system"
    USER = "user"
    BUNDLED = "bundled"
    BUILTIN = "builtin"  # a reader's built-in CID font, not embedded (benchmark baseline only)

    @property
    def label(self) -> str:
        return SOURCE_LABELS[self]


SOURCE_LABELS = {
    FontSource.EXTRA: "指定字体文件夹",
    FontSource.SYSTEM: "系统字体",
    FontSource.USER: "当前用户安装的字体",
    FontSource.BUNDLED: "程序内置后备字体",
    FontSource.BUILTIN: "阅读器内置字体（不嵌入）",
}


@dataclass(frozen=True)
class Candidate:
    """An acceptable font for a role: known file names and family names."""

    label: str
    files: tuple[str, ...]
    families: tuple[str, ...]
    fake_bold: bool = False  # a stand-in that needs emboldening to look like the wanted face


_SONG = Candidate("宋体", ("simsun.ttc", "simsun.ttf"), ("SimSun", "宋体"))
ROLE_CANDIDATES: dict[FontRole, tuple[Candidate, ...]] = {
    FontRole.TITLE: (
        Candidate(
            "方正小标宋简体",
            ("FZXBSJW.TTF", "方正小标宋简体.ttf", "FZXiaoBiaoSong-B05S.ttf"),
            ("方正小标宋简体", "FZXiaoBiaoSong-B05S", "FZXBSJW--GB1-0"),
        ),
        Candidate(
            "方正小标宋_GBK",
            ("FZXBSK.TTF", "方正小标宋_GBK.ttf", "FZXiaoBiaoSong-B05.ttf"),
            ("方正小标宋_GBK", "FZXiaoBiaoSong-B05", "FZXBSK--GBK1-0"),
        ),
        replace(_SONG, label="宋体（加粗代替小标宋）", fake_bold=True),
    ),
    FontRole.BODY: (
        Candidate(
            "仿宋_GB2312",
            ("仿宋_GB2312.ttf", "FS_GB2312.ttf", "FangSong_GB2312.ttf", "SIMFANG_GB2312.TTF"),
            ("仿宋_GB2312", "FangSong_GB2312"),
        ),
        Candidate("仿宋", ("simfang.ttf",), ("FangSong", "仿宋")),
    ),
    FontRole.HEADING1: (Candidate("黑体", ("simhei.ttf",), ("SimHei", "黑体")),),
    FontRole.HEADING2: (
        Candidate(
            "楷体_GB2312",
            ("楷体_GB2312.ttf", "KAI_GB2312.ttf", "KaiTi_GB2312.ttf", "SIMKAI_GB2312.TTF"),
            ("楷体_GB2312", "KaiTi_GB2312"),
        ),
        Candidate("楷体", ("simkai.ttf",), ("KaiTi", "楷体")),
    ),
    FontRole.PAGE_NUMBER: (_SONG,),
}


@dataclass(frozen=True)
class FontChoice:
    """The font serving one role."""

    role: FontRole
    family: str
    path: Path | None  # None for a reader's built-in CID font
    subfont_index: int = 0
    source: FontSource = FontSource.BUNDLED
    wanted: str = ""  # the candidate it stands for, e.g. "仿宋_GB2312"
    fake_bold: bool = False
    note: str = ""

    @property
    def embedded(self) -> bool:
        """True when the font goes into the PDF (every TrueType font does)."""
        return self.path is not None

    @functools.cached_property
    def reportlab_name(self) -> str:
        """The name the font is registered under with reportlab."""
        if self.path is None:
            return self.family
        stem = "".join(ch if ch.isascii() and ch.isalnum() else "_" for ch in self.path.stem)
        return f"RD_{stem}_{self.subfont_index}_{zlib.crc32(str(self.path).encode()):08x}"


@dataclass(frozen=True)
class FontRoleReport:
    """One row of the settings pane: what a role wants and which font serves it."""

    role: str
    wanted: str
    used: str
    source: str
    file: str
    note: str


@dataclass
class FontSet:
    """The fonts of every role; :meth:`register` makes them known to reportlab."""

    choices: Mapping[FontRole, FontChoice]
    fallback: FontChoice | None = None  # the bundled font: used per character a font lacks
    _registered: bool = field(default=False, repr=False)

    def choice(self, role: FontRole) -> FontChoice:
        return self.choices[role]

    def font_name(self, role: FontRole) -> str:
        """The reportlab font name of a role (call :meth:`register` first)."""
        return self.choices[role].reportlab_name

    def register(self) -> FontSet:
        """Register every font with reportlab (once per file); returns self.

        A font that fails to load is replaced by the bundled font and the reason noted.
        """
        if self._registered:
            return self
        updated = dict(self.choices)
        for role, choice in self.choices.items():
            try:
                register_font(choice)
            except Exception as exc:  # noqa: BLE001 - a broken font file must not stop the letter
                logger.warning("font %s unusable for %s: %s", choice.path, role, exc)
                updated[role] = replace(
                    bundled_choice(role, choice.wanted, fake_bold=role == FontRole.TITLE),
                    note=f"{choice.family}无法使用（{exc}），已改用内置字体",
                )
                register_font(updated[role])
        self.choices = updated
        if self.fallback is not None:
            register_font(self.fallback)
        self._registered = True
        return self

    def report(self) -> list[FontRoleReport]:
        """Which font serves each role, in role order (for the settings pane and logs)."""
        rows = []
        for role in FontRole:
            c = self.choices[role]
            used = c.family + ("（加粗）" if c.fake_bold else "")
            rows.append(
                FontRoleReport(
                    role=role.label,
                    wanted=" / ".join(x.label for x in ROLE_CANDIDATES[role]),
                    used=used,
                    source=c.source.label,
                    file="" if c.path is None else str(c.path),
                    note=c.note or ("已嵌入 PDF（子集）" if c.embedded else "不嵌入"),
                )
            )
        return rows

    @property
    def uses_fallback(self) -> bool:
        """True when some role is served by the bundled font."""
        return any(c.source == FontSource.BUNDLED for c in self.choices.values())


# -- where fonts are ------------------------------------------------------------------------
def default_font_dirs(
    environ: Mapping[str, str] | None = None, platform: str | None = None
) -> list[tuple[Path, FontSource]]:
    """Font folders in search order: ``RECTIFY_FONT_DIRS``, the system's, the user's."""
    env = os.environ if environ is None else environ
    plat = sys.platform if platform is None else platform
    dirs: list[tuple[Path, FontSource]] = [
        (Path(p), FontSource.EXTRA) for p in env.get(FONT_DIRS_ENV, "").split(os.pathsep) if p
    ]
    if env.get(SYSTEM_FONTS_ENV, "1") == "0":
        return dirs
    home = Path(env.get("USERPROFILE") or env.get("HOME") or Path.home())
    if plat.startswith(("win", "cygwin")):
        dirs.append((Path(env.get("WINDIR", r"C:\Windows")) / "Fonts", FontSource.SYSTEM))
        local = env.get("LOCALAPPDATA") or str(home / "AppData" / "Local")
        dirs.append((Path(local) / "Microsoft" / "Windows" / "Fonts", FontSource.USER))
    elif plat == "darwin":
        dirs += [(Path("/Library/Fonts"), FontSource.SYSTEM),
                 (home / "Library" / "Fonts", FontSource.USER)]  # fmt: skip
    else:
        dirs += [
            (Path("/usr/share/fonts"), FontSource.SYSTEM),
            (Path("/usr/local/share/fonts"), FontSource.SYSTEM),
            (home / ".local" / "share" / "fonts", FontSource.USER),
            (home / ".fonts", FontSource.USER),
        ]
    return dirs


def bundled_font_path() -> Path:
    """The TrueType font shipped with the application (``resources/fonts``)."""
    return resource_path("fonts", BUNDLED_FONT_FILE)


#: open-licensed serif and kai faces shipped for the roles no installed font serves (Arphic
#: Public License, GB2312 level-1 subsets): 宋 for the title, body and page numbers, 楷 for
#: （一） headings; 黑体 headings (and any character these lack) use WenQuanYi Micro Hei
SERIF_FONT_FILE = "ARPLSungtiLGB-subset.ttf"
KAI_FONT_FILE = "ARPLKaitiMGB-subset.ttf"
ROLE_BUNDLED: dict[FontRole, tuple[str, str]] = {
    FontRole.TITLE: (SERIF_FONT_FILE, "文鼎ＰＬ简报宋（内置子集）"),
    FontRole.BODY: (SERIF_FONT_FILE, "文鼎ＰＬ简报宋（内置子集）"),
    FontRole.PAGE_NUMBER: (SERIF_FONT_FILE, "文鼎ＰＬ简报宋（内置子集）"),
    FontRole.HEADING2: (KAI_FONT_FILE, "文鼎ＰＬ简中楷（内置子集）"),
}


def bundled_choice(
    role: FontRole, wanted: str = "", *, fake_bold: bool = False, by_role: bool = True
) -> FontChoice:
    """The bundled font serving ``role``: its serif or kai face when one is shipped (and
    ``by_role``), else WenQuanYi Micro Hei (the fallback of every character)."""
    path, family = bundled_font_path(), BUNDLED_FAMILY
    if by_role and role in ROLE_BUNDLED:
        file, name = ROLE_BUNDLED[role]
        if resource_path("fonts", file).is_file():
            path, family = resource_path("fonts", file), name
    return FontChoice(
        role=role,
        family=family,
        path=path,
        source=FontSource.BUNDLED,
        wanted=wanted,
        fake_bold=fake_bold,
        note="未安装所需字体，使用内置字体（已嵌入 PDF）",
    )


@dataclass(frozen=True)
class _FontFile:
    path: Path
    source: FontSource
    size: int


def _scan(dirs: Sequence[tuple[Path, FontSource]]) -> list[_FontFile]:
    """TrueType files in the folders (recursively), first folder first."""
    out: list[_FontFile] = []
    seen: set[Path] = set()
    for folder, source in dirs:
        if not folder.is_dir():
            continue
        stack = [folder]
        while stack:
            current = stack.pop()
            try:
                entries = sorted(os.scandir(current), key=lambda e: e.name)
            except OSError:
                continue
            for entry in entries:
                try:
                    if entry.is_dir():
                        stack.append(Path(entry.path))
                    elif entry.name.lower().endswith(FONT_SUFFIXES):
                        path = Path(entry.path)
                        if path not in seen:
                            seen.add(path)
                            out.append(_FontFile(path, source, entry.stat().st_size))
                except OSError:
                    continue
    return out


@functools.lru_cache(maxsize=512)
def _faces(path: Path, size: int) -> tuple[tuple[int, frozenset[str], bool, str], ...]:
    """(subfont index, family names, usable, reason) of each face of a font file."""
    from fontTools.ttLib import TTCollection, TTFont, TTLibError

    try:
        with path.open("rb") as fh:
            if path.suffix.lower() == ".ttc":
                fonts = list(TTCollection(fh, lazy=True).fonts)
            else:
                fonts = [TTFont(fh, lazy=True)]
            return tuple(_face_info(index, font) for index, font in enumerate(fonts))
    except (TTLibError, OSError, ValueError, AssertionError, KeyError, struct.error) as exc:
        return ((0, frozenset(), False, f"无法读取（{exc}）"),)


def _face_info(index: int, font) -> tuple[int, frozenset[str], bool, str]:
    names = frozenset(
        str(rec.toUnicode()).strip() for rec in font["name"].names if rec.nameID in (1, 4, 16)
    )
    if "glyf" not in font:
        return index, names, False, "不是 TrueType 轮廓（CFF），无法嵌入"
    if "OS/2" in font:
        fs_type = font["OS/2"].fsType
        if fs_type == 0x0002 or fs_type & 0x0300:
            return index, names, False, "字体许可不允许嵌入"
    return index, names, True, ""


def _find(
    candidate: Candidate, files: list[_FontFile], by_name: dict[str, _FontFile]
) -> tuple[_FontFile, int] | tuple[None, str]:
    """The file and face of a candidate, or (None, why not)."""
    reason = ""
    wanted = {f.casefold() for f in candidate.families}
    for name in candidate.files:
        hit = by_name.get(name.casefold())
        if hit is None:
            continue
        faces = _faces(hit.path, hit.size)
        for index, names, usable, why in faces:
            if usable and {n.casefold() for n in names} & wanted:
                return hit, index
            reason = why or reason
        if faces[0][2]:  # the file name is known even if the family is named otherwise
            return hit, 0
    for f in files:
        if f.size < MIN_CJK_FONT_BYTES:
            continue
        for index, names, usable, why in _faces(f.path, f.size):
            if {n.casefold() for n in names} & wanted:
                if usable:
                    return f, index
                reason = why
    return None, reason


def discover_fonts(font_dirs: Iterable[Path | tuple[Path, FontSource]] | None = None) -> FontSet:
    """The font of every role found in ``font_dirs`` (default: :func:`default_font_dirs`).

    Not yet registered with reportlab: call :meth:`FontSet.register` before drawing.
    """
    if font_dirs is None:
        dirs = default_font_dirs()
    else:
        dirs = [d if isinstance(d, tuple) else (Path(d), FontSource.EXTRA) for d in font_dirs]
    return _discover(tuple(dirs))


@functools.lru_cache(maxsize=16)
def _discover(dirs: tuple[tuple[Path, FontSource], ...]) -> FontSet:
    files = _scan(dirs)
    by_name: dict[str, _FontFile] = {}
    for f in files:
        by_name.setdefault(f.path.name.casefold(), f)
    choices: dict[FontRole, FontChoice] = {}
    for role, candidates in ROLE_CANDIDATES.items():
        notes = []
        for cand in candidates:
            found, detail = _find(cand, files, by_name)
            if found is not None:
                index = detail if isinstance(detail, int) else 0
                choices[role] = FontChoice(
                    role=role,
                    family=cand.label.split("（")[0],
                    path=found.path,
                    subfont_index=index,
                    source=found.source,
                    wanted=cand.label,
                    fake_bold=cand.fake_bold,
                    note="加粗代替小标宋（未安装方正小标宋）" if cand.fake_bold else "",
                )
                break
            if detail:
                notes.append(f"{cand.label}{detail}")
        else:
            choice = bundled_choice(role, candidates[0].label, fake_bold=role == FontRole.TITLE)
            if notes:
                choice = replace(choice, note="；".join(notes) + "，使用内置字体")
            choices[role] = choice
    fallback = bundled_choice(FontRole.BODY, by_role=False)
    logger.info(
        "official document fonts: %s",
        ", ".join(f"{r}={c.family}" for r, c in choices.items()),
    )
    return FontSet(choices=choices, fallback=fallback)


def bundled_font_set() -> FontSet:
    """Every role served by the bundled font (the same PDF on every machine)."""
    return discover_fonts([])


def cid_font_set(family: str = "STSong-Light") -> FontSet:
    """Every role in a reader's built-in CID font, not embedded (a speed baseline only)."""
    choices = {
        role: FontChoice(role=role, family=family, path=None, source=FontSource.BUILTIN)
        for role in FontRole
    }
    return FontSet(choices=choices, fallback=None)


def clear_caches() -> None:
    """Forget discovered fonts (after fonts were installed, or in tests)."""
    _discover.cache_clear()
    _faces.cache_clear()


# -- reportlab -------------------------------------------------------------------------------
_REGISTERED: set[str] = set()
_REGISTER_LOCK = threading.Lock()


def register_font(choice: FontChoice) -> str:
    """Register a font with reportlab (once); returns its reportlab name."""
    from reportlab.pdfbase import pdfmetrics

    name = choice.reportlab_name
    with _REGISTER_LOCK:
        if name in _REGISTERED:
            return name
        if choice.path is None:
            from reportlab.pdfbase.cidfonts import UnicodeCIDFont

            pdfmetrics.registerFont(UnicodeCIDFont(choice.family))
        else:
            from reportlab.pdfbase.ttfonts import TTFont

            font = TTFont(name, str(choice.path), subfontIndex=choice.subfont_index)
            pdfmetrics.registerFont(font)
        _REGISTERED.add(name)
    return name


def font_report(font_set: FontSet | None = None) -> list[FontRoleReport]:
    """Which font serves each role on this machine (discovering fonts if not given)."""
    return (font_set or discover_fonts()).report()


def font_roles_listing(font_set: FontSet | None = None):
    """The font of each role as a :class:`controllers.listings.Listing` (settings pane)."""
    from controllers.listings import Listing

    rows = [(r.role, r.used, r.source, r.file, r.note) for r in font_report(font_set)]
    return Listing(["用途", "使用字体", "来源", "字体文件", "说明"], rows)
