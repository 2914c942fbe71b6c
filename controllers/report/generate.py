"""Generate the stage report file (.pdf or .docx): figures, wording, chart, audit."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from pathlib import Path

from sqlalchemy.orm import Session

from controllers.actor import Actor
from controllers.audit.trail import record
from controllers.errors import ValidationError
from controllers.permissions import Permission, require
from controllers.report.chart_image import render_monthly_png
from controllers.report.content import StageReport, build_report
from controllers.report.figures import report_figures
from controllers.report.texts import ReportTexts, load_current_texts, validate_texts

logger = logging.getLogger(__name__)

Progress = Callable[[int, str], None]
FORMATS = {".pdf": "PDF", ".docx": "Word"}


def report_format(path: str | Path) -> str:
    """ ".pdf" or ".docx" from the file name; ValidationError for anything else."""
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise ValidationError(
            f"报告文件必须以 .pdf 或 .docx 结尾（收到“{Path(path).name}”）。", field="path"
        )
    return suffix


def prepare_report(
    session: Session,
    actor: Actor,
    as_of: dt.date | None = None,
    texts: ReportTexts | None = None,
) -> StageReport:
    """The report's content as of the date (texts: the stored ones unless given)."""
    require(actor, Permission.VIEW)
    as_of = as_of or dt.date.today()
    if texts is None:
        texts = load_current_texts(session, actor)
    validate_texts(texts)
    return build_report(report_figures(session, actor, as_of), texts)


def chart_png(report: StageReport) -> bytes:
    """The monthly chart of the report as a print-resolution PNG."""
    from controllers.report.fonts import chart_font

    return render_monthly_png(report.monthly, chart_font())


def generate_report(
    session: Session,
    actor: Actor,
    path: str | Path,
    as_of: dt.date | None = None,
    texts: ReportTexts | None = None,
    progress: Progress | None = None,
) -> Path:
    """Write the stage report to ``path`` (.pdf or .docx), audit it and commit."""
    require(actor, Permission.EXPORT)
    step = progress or (lambda _pct, _msg: None)
    suffix = report_format(path)
    path = Path(path)
    if not path.parent.is_dir():
        raise ValidationError(f"保存报告的文件夹不存在：{path.parent}", field="path")
    step(5, "统计报告数据")
    report = prepare_report(session, actor, as_of, texts)
    step(50, "绘制月度进展图")
    png = chart_png(report)
    step(70, f"生成 {FORMATS[suffix]} 文件")
    tmp = path.with_name(f".{path.name}.part")
    try:
        if suffix == ".docx":
            from controllers.report.docx_writer import write_docx

            write_docx(report, tmp, png, author=actor.label)
        else:
            from controllers.report.pdf_writer import write_pdf

            write_pdf(report, tmp, png, author=actor.label)
        tmp.replace(path)
    except PermissionError:
        tmp.unlink(missing_ok=True)
        raise ValidationError(
            f"无法写入报告文件：{path}（文件可能正在 WPS / Word 中打开，请关闭后重试）。",
            field="path",
        ) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    record(
        session,
        actor,
        "export_report",
        "report",
        None,
        detail={"path": str(path), "format": suffix[1:], "as_of": report.as_of.isoformat()},
    )
    step(100, "完成")
    logger.info("stage report written: %s", path)
    return path
