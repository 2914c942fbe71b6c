"""Colours of the charts, shared by the screen (pyqtgraph) and the documents (report)."""

from __future__ import annotations

from models.codes import CaseStatus

#: monthly series key → colour
SERIES_COLORS = {
    "found": "#5470c6",
    "rectified": "#91cc75",
    "closed": "#3ba272",
    "relapses": "#ee6666",
}
RATE_COLOR = "#e67e22"
#: status code → colour (red for work not started … green for closed out)
STATUS_COLORS = {
    CaseStatus.PENDING.value: "#d9534f",
    CaseStatus.IN_PROGRESS.value: "#f0ad4e",
    CaseStatus.COMPLETED.value: "#f7dc6f",
    CaseStatus.ACCEPTED.value: "#5dade2",
    CaseStatus.CLOSED.value: "#3ba272",
}
GRID_COLOR = "#d0d0d0"
TEXT_COLOR = "#333333"
