"""Open a unit's file safely: recognise the format by content, refuse what is not a spreadsheet,
damaged, password protected, empty or too big (zip bombs included), and yield its sheets' rows.

Workbooks are read with python-calamine (formula cells give their cached values); CSV files
are decoded as UTF-8 (with or without BOM), UTF-16 (Excel's "Unicode text") or GB18030 (GBK).
"""

from __future__ import annotations

import csv
import io
import logging
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import python_calamine

from controllers.attachments import MAX_ATTACHMENT_BYTES
from controllers.errors import UserError
from controllers.returns.extent import (
    DEFAULT_EXTENT,
    ExtentLimits,
    SheetExtent,
    SheetTooLarge,
    check_extents,
    ods_extents,
    xlsx_extents,
)

logger = logging.getLogger(__name__)

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")
WORKBOOK_EXTENSIONS = (".xlsx", ".xlsm", ".xls", ".ods", ".xlsb")
TEXT_EXTENSIONS = (".csv", ".txt")
ACCEPTED_TEXT = "Excel 工作簿（.xlsx、.xlsm、.xls）、WPS/LibreOffice 表格（.ods）或 CSV 文件"


class UnreadableFile(UserError):
    """The file cannot be read as a return at all (one clear message; nothing else happens)."""


@dataclass(frozen=True)
class ReadLimits:
    """How big a return may be; the zip's declared sizes are checked before anything is read."""

    max_file_bytes: int = MAX_ATTACHMENT_BYTES  # the file is stored as an attachment
    max_uncompressed_bytes: int = 512 * 1024 * 1024
    max_ratio: int = 100  # uncompressed / compressed size of one zip entry
    ratio_floor_bytes: int = 1024 * 1024  # entries smaller than this may compress any amount
    max_entries: int = 5_000
    max_sheets: int = 200
    max_rows: int = 500_000  # rows of all sheets together
    extent: ExtentLimits = DEFAULT_EXTENT  # one sheet's rectangle (checked before reading)


DEFAULT_LIMITS = ReadLimits()


@dataclass
class SheetSource:
    """One sheet: its name, where its first row and column sit, and its rows (lazy)."""

    name: str
    first_row: int  # 0-based sheet row of the first yielded row
    first_col: int  # 0-based sheet column of each row's first value
    height: int
    rows: Iterator[list[Any]]


def _mb(n: int) -> str:
    return f"{n / 1048576:.1f} MB"


@dataclass
class WorkbookFile:
    """An opened return file; iterate :meth:`sheets` once."""

    filename: str
    kind: str  # "xlsx", "xls", "ods", "csv"
    _book: Any = None
    _csv_rows: list[list[str]] | None = None
    #: merged ranges by sheet name when calamine does not give them (.ods)
    _merges: dict[str, tuple[Any, ...]] | None = None

    def sheet_names(self) -> list[str]:
        if self._book is None:
            return [Path(self.filename).stem or "CSV"]
        return list(self._book.sheet_names)

    def sheets(self) -> Iterator[SheetSource]:
        """Each sheet in order (visible or not); damaged content raises :class:`UnreadableFile`."""
        if self._book is None:
            rows = self._csv_rows or []
            yield SheetSource(self.sheet_names()[0], 0, 0, len(rows), iter(rows))
            return
        for name in self._book.sheet_names:
            try:
                sheet = self._book.get_sheet_by_name(name)
                start = sheet.start or (0, 0)
                height = sheet.height
                if self._merges is not None:
                    merges = self._merges.get(name, ())
                else:
                    merges = sheet.merged_cell_ranges or ()
            except Exception as exc:  # noqa: BLE001 (calamine raises several kinds for damage)
                raise _damaged(self.filename, exc) from None
            rows = _guarded(self.filename, sheet, start[0])
            if merges:
                rows = carry_merged(rows, merges, start[0], start[1])
            yield SheetSource(name, start[0], start[1], height, rows)

    def close(self) -> None:
        if self._book is not None:
            self._book.close()
            self._book = None


def _guarded(filename: str, sheet: Any, start_row: int) -> Iterator[list[Any]]:
    """The sheet's rows from its first used row (python-calamine pads the rows above it with
    blank ones, but starts each row at the first used column)."""
    try:
        rows = sheet.iter_rows()
        first = next(rows, None)
        if first is None:
            return
        if start_row > 0 and all(v == "" or v is None for v in first):
            for _ in range(start_row - 1):
                next(rows, None)
        else:
            yield first
        yield from rows
    except Exception as exc:  # noqa: BLE001
        raise _damaged(filename, exc) from None


def carry_merged(
    rows: Iterator[list[Any]], merges: Any, first_row: int, first_col: int
) -> Iterator[list[Any]]:
    """Rows with the value of each cell merged down over several rows repeated in every row it
    covers (a 乡镇 merged over three rows is every one's 乡镇, as Excel shows it). Merges
    across columns only (titles) are left alone."""
    starts: dict[int, list[tuple[int, int]]] = {}
    for (r0, c0), (r1, _c1) in merges:
        if r1 > r0 and c0 >= first_col:
            starts.setdefault(r0, []).append((c0 - first_col, r1))
    if not starts:
        yield from rows
        return
    active: dict[int, tuple[Any, int]] = {}  # position → (value, last row it covers)
    for r, row in enumerate(rows, start=first_row):
        if active:
            for pos, (value, last) in list(active.items()):
                if r > last:
                    del active[pos]
                    continue
                if pos >= len(row):
                    row = list(row) + [""] * (pos + 1 - len(row))
                if row[pos] == "" or row[pos] is None:
                    row[pos] = value
        for pos, last in starts.get(r, ()):
            value = row[pos] if pos < len(row) else None
            if value != "" and value is not None:
                active[pos] = (value, last)
        yield row


def _damaged(filename: str, exc: BaseException) -> UnreadableFile:
    logger.info("cannot read %s: %s: %s", filename, type(exc).__name__, exc)
    text = str(exc).lower()
    if isinstance(exc, python_calamine.PasswordError) or "password" in text or "encrypt" in text:
        return UnreadableFile(_password_message(filename))
    return UnreadableFile(
        f"文件“{filename}”已损坏或不完整，无法读取（可能下载或拷贝时中断）。"
        "请让报送单位用 Excel 或 WPS 打开确认后重新另存、重新发送。"
    )


def _password_message(filename: str) -> str:
    return (
        f"文件“{filename}”设置了打开密码，无法读取。"
        "请让报送单位取消密码（文件 → 信息 → 保护工作簿 → 用密码进行加密，清空密码）后重新发送。"
    )


def open_return_file(
    path: str | Path, filename: str | None = None, limits: ReadLimits = DEFAULT_LIMITS
) -> WorkbookFile:
    """Open a return file after checking its format and size; raises :class:`UnreadableFile`."""
    p = Path(path)
    name = filename or p.name
    try:
        size = p.stat().st_size
    except OSError as exc:
        raise UnreadableFile(f"无法打开文件“{name}”：{exc.strerror or exc}。") from None
    if size == 0:
        raise UnreadableFile(f"文件“{name}”是空的（0 字节），没有可读取的内容。")
    if size > limits.max_file_bytes:
        raise UnreadableFile(
            f"文件“{name}”有 {_mb(size)}，超过上报文件上限 {_mb(limits.max_file_bytes)}。"
            "请删除多余的工作表、图片后再发送，或按乡镇拆分为几个文件。"
        )
    with p.open("rb") as fh:
        head = fh.read(8)
    ext = Path(name).suffix.lower()
    if head.startswith(ZIP_MAGICS):
        kind = _check_zip(p, name, limits)
        extents = _check_extent(p, name, kind, limits)
        book = _open_calamine(p, name, kind, ext)
        if kind == "ods":
            book._merges = {e.part: e.merges for e in extents}
        return book
    if head.startswith(OLE_MAGIC):
        _check_ole(p, name)
        return _open_calamine(p, name, "xls", ext)
    data = p.read_bytes()
    if _looks_like_text(data):
        lowered = data[:2048].lower()
        if b"<html" in lowered or b"<table" in lowered or b"<?xml" in lowered:
            raise UnreadableFile(
                f"文件“{name}”是网页或 XML 格式（常见于从网上系统导出的“假 .xls”），不是真正的 Excel 工作簿。"
                "请用 Excel 或 WPS 打开后“另存为”.xlsx 再导入。"
            )
        if ext in TEXT_EXTENSIONS or ext == "":
            return WorkbookFile(name, "csv", _csv_rows=_read_csv(data, name, limits))
    raise UnreadableFile(f"文件“{name}”不是电子表格（无法识别的文件格式）。请导入{ACCEPTED_TEXT}。")


def _looks_like_text(data: bytes) -> bool:
    sample = data[:4096]
    if sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    return b"\x00" not in sample


def _check_zip(path: Path, name: str, limits: ReadLimits) -> str:
    """Check a zip container by its central directory only (declared sizes), before reading."""
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            names = {i.filename for i in infos}
            if len(infos) > limits.max_entries:
                raise UnreadableFile(
                    f"文件“{name}”内部包含 {len(infos):,} 个部件，超过上限 {limits.max_entries:,}，"
                    "不像正常的工作簿，已拒绝读取。"
                )
            total = 0
            for info in infos:
                total += info.file_size
                if (
                    info.file_size > limits.ratio_floor_bytes
                    and info.file_size > limits.max_ratio * max(info.compress_size, 1)
                ):
                    raise UnreadableFile(
                        f"文件“{name}”解压后会膨胀到 {_mb(info.file_size)}（压缩比超过 "
                        f"{limits.max_ratio}:1），疑似“压缩炸弹”，已拒绝读取。"
                    )
            if total > limits.max_uncompressed_bytes:
                raise UnreadableFile(
                    f"文件“{name}”解压后有 {_mb(total)}，超过上限 {_mb(limits.max_uncompressed_bytes)}，"
                    "已拒绝读取。请按乡镇拆分后再发送。"
                )
            if "mimetype" in names or "content.xml" in names:
                if "META-INF/manifest.xml" in names:
                    manifest = zf.read("META-INF/manifest.xml")[:1_000_000]
                    if b"encryption-data" in manifest:
                        raise UnreadableFile(_password_message(name))
                if "content.xml" not in names:
                    raise _damaged(name, ValueError("no content.xml"))
                return "ods"
            if "xl/workbook.bin" in names or any(
                n.startswith("xl/worksheets/") and n.endswith(".bin") for n in names
            ):
                # binary sheets cannot be measured before calamine allocates their rectangle
                raise UnreadableFile(
                    f"文件“{name}”是 Excel 二进制工作簿（.xlsb），无法在读取前检查它的大小，"
                    "暂不读取。请在 Excel 或 WPS 中另存为 .xlsx 后再导入。"
                )
            if "xl/workbook.xml" in names:
                return "xlsx"
            if "word/document.xml" in names:
                raise UnreadableFile(
                    f"文件“{name}”是 Word 文档，不是电子表格。请导入{ACCEPTED_TEXT}。"
                )
            if "[Content_Types].xml" in names and any(n.startswith("xl/") for n in names):
                raise _damaged(name, ValueError("no xl/workbook.xml"))
            raise UnreadableFile(f"文件“{name}”是一个压缩包，不是电子表格。请导入{ACCEPTED_TEXT}。")
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, zlib.error,
            NotImplementedError, RuntimeError, OSError) as exc:  # fmt: skip
        raise _damaged(name, exc) from None


def _check_extent(path: Path, name: str, kind: str, limits: ReadLimits) -> list[SheetExtent]:
    """Every sheet's declared and actual extent, streamed from the zip before calamine reads."""
    try:
        with zipfile.ZipFile(path) as zf:
            extents = xlsx_extents(zf) if kind == "xlsx" else ods_extents(zf)
    except (zipfile.BadZipFile, EOFError, ValueError, zlib.error, OSError,
            SyntaxError) as exc:  # fmt: skip
        raise _damaged(name, exc) from None
    try:
        check_extents(extents, name, limits.extent)
    except SheetTooLarge as exc:
        raise UnreadableFile(str(exc)) from None
    return extents


def _check_ole(path: Path, name: str) -> None:
    """An OLE2 file is a legacy .xls, or an encrypted (password protected) .xlsx, or not Excel."""
    data = path.read_bytes()
    if "EncryptedPackage".encode("utf-16-le") in data:
        raise UnreadableFile(_password_message(name))
    if "Workbook".encode("utf-16-le") not in data and "Book".encode("utf-16-le") not in data:
        raise UnreadableFile(
            f"文件“{name}”是旧版 Office 文件但不是 Excel 工作簿（可能是 Word 文档）。请导入{ACCEPTED_TEXT}。"
        )


def _open_calamine(path: Path, name: str, kind: str, ext: str) -> WorkbookFile:
    natural = {"xlsx": (".xlsx", ".xlsm", ".xlsb"), "xls": (".xls",), "ods": (".ods",)}[kind]
    try:
        if ext in natural:
            book = python_calamine.CalamineWorkbook.from_path(str(path))
        else:  # misnamed file: let calamine recognise the content
            with path.open("rb") as fh:
                book = python_calamine.CalamineWorkbook.from_filelike(fh)
    except Exception as exc:  # noqa: BLE001
        raise _damaged(name, exc) from None
    return WorkbookFile(name, kind, _book=book)


def _decode(data: bytes, name: str) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnreadableFile(
        f"无法识别 CSV 文件“{name}”的文字编码。请用 Excel 另存为“CSV UTF-8”或 .xlsx 后再导入。"
    )


def _read_csv(data: bytes, name: str, limits: ReadLimits) -> list[list[str]]:
    text = _decode(data, name)
    lines = text[:20_000].splitlines()[:10]
    delimiter = max(("\t", ",", ";"), key=lambda d: sum(line.count(d) for line in lines))
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise _damaged(name, exc) from None
    if len(rows) > limits.max_rows:
        raise too_many_rows(name, len(rows), limits)
    if not any(any(cell.strip() for cell in row) for row in rows):
        raise UnreadableFile(f"文件“{name}”中没有任何内容。")
    return rows


def too_many_rows(name: str, rows: int, limits: ReadLimits) -> UnreadableFile:
    """The message for a file with more rows than a return may have."""
    return UnreadableFile(
        f"文件“{name}”有 {rows:,} 行，超过上报清单的上限 {limits.max_rows:,} 行，已拒绝读取。"
        "请检查是否误选了其他文件，或按乡镇拆分后再发送。"
    )
