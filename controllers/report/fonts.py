"""The fonts of the report, taken from the official-document fonts (controllers.documents):
the chart is drawn in the 黑体 role's font, the Word document names each role's font."""

from __future__ import annotations

from controllers.documents.fonts import ROLE_CANDIDATES, FontRole, bundled_font_path, discover_fonts
from controllers.report.chart_image import FontSpec


def chart_font() -> FontSpec:
    """The font file of the 黑体 role (installed 黑体, else the bundled TrueType font)."""
    choice = discover_fonts().choice(FontRole.HEADING1)
    if choice.path is None:
        return FontSpec(bundled_font_path(), 0)
    return FontSpec(choice.path, choice.subfont_index)


def word_font_name(role: FontRole) -> str:
    """The font a .docx names for a role (Word and WPS substitute it if not installed)."""
    return ROLE_CANDIDATES[role][0].label
