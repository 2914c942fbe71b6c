"""Copied cells as Excel and WPS read them: tab-separated text, and an HTML table.

Pasting plain text, Excel and WPS interpret every cell: ``=1+1`` becomes a formula, a phone
number ``03118601234`` loses its leading zero, an 18-digit code turns into 9.1E+17. Both prefer
the HTML flavour when the clipboard holds one, and keep a cell styled
``mso-number-format:"\\@"`` as text — so text columns are copied as text cells, while dates
and counts stay plain and paste as dates and numbers.

Trap (PySide6 6.11 here): a ``QMimeData`` constructed in Python and given to the clipboard with
any format besides plain text makes the process crash (segfault) at exit, after Python has
finished. :func:`clipboard_mime` therefore has Qt construct the object.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from PySide6.QtCore import QMimeData, QStringListModel

#: larger selections are copied as text only (the HTML would cost seconds and much memory)
HTML_ROW_LIMIT = 20_000
_TEXT_CELL = "<td style=\"mso-number-format:'\\@'\">"
_LINE_BREAK = '<br style="mso-data-placement:same-cell">'


def tsv_cell(text: str) -> str:
    """One cell of tab-separated text as Excel/WPS read it back (quoted when needed)."""
    if "\t" in text or "\n" in text or "\r" in text or '"' in text:
        return '"' + text.replace('"', '""') + '"'
    return text


def tsv(header: Sequence[str] | None, rows: Sequence[Sequence[str]]) -> str:
    """Tab-separated lines, CRLF-terminated as Excel writes them."""
    lines = ["\t".join(tsv_cell(h) for h in header)] if header else []
    lines.extend("\t".join(tsv_cell(t) for t in row) for row in rows)
    return "\r\n".join(lines) + ("\r\n" if lines else "")


def _html_cell(text: str) -> str:
    return escape(text).replace("\r\n", "\n").replace("\n", _LINE_BREAK)


def html_table(
    header: Sequence[str] | None, rows: Sequence[Sequence[str]], is_text: Sequence[bool]
) -> str:
    """An HTML table whose text columns (``is_text``) paste as text cells."""
    opens = [_TEXT_CELL if t else "<td>" for t in is_text]
    parts = ['<html><head><meta charset="utf-8"></head><body><table>']
    if header:
        parts.append("<tr>" + "".join(f"{_TEXT_CELL}{_html_cell(h)}</td>" for h in header))
    for row in rows:
        cells = "".join(f"{o}{_html_cell(t)}</td>" for o, t in zip(opens, row, strict=True))
        parts.append(f"<tr>{cells}</tr>")
    parts.append("</table></body></html>")
    return "\n".join(parts)


def clipboard_mime(text: str, html: str | None = None) -> QMimeData:
    """Clipboard data with plain text and (optionally) HTML, constructed by Qt (see the trap
    in this module's docstring): a list model's drag data, emptied and refilled."""
    model = QStringListModel([""])
    mime = model.mimeData([model.index(0)])
    for fmt in mime.formats():
        mime.removeFormat(fmt)
    mime.setText(text)
    if html is not None:
        mime.setHtml(html)
    return mime
