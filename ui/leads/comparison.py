"""Both sides of a candidate, field by field, the evidence highlighted (HTML for a browser)."""

from __future__ import annotations

from html import escape

from controllers.leads.store import LeadRow

FIELD_LABELS = {
    "phone": "联系电话",
    "owner": "业主/法人",
    "address": "地址",
    "industry": "行业",
    "name": "企业名称",
    "products": "主要产品",
    "power": "用电量",
    "permit": "排污许可",
}
#: (snapshot key, label, evidence field highlighted on that row)
ROWS = [
    ("unit", "责任单位", None),
    ("name", "企业名称", "name"),
    ("owner", "业主/法人", "owner"),
    ("phone", "联系电话", "phone"),
    ("address", "地址", "address"),
    ("industry", "行业", "industry"),
    ("products", "主要产品", "products"),
    ("classification", "整治类型", None),
    ("status", "状态", None),
    ("seen_on", "发现日期", None),
    ("credit_code", "统一社会信用代码", None),
    ("closed_on", "销号日期", "power"),
    ("readings", "月用电量", "power"),
]
MATCH_BG = "#fff3b0"


def comparison_html(row: LeadRow) -> str:
    """A two-column table (newer case | old case) and the evidence list."""
    matched = {e["field"] for e in row.evidence}
    if row.power_record_id:
        this_title = "电力用户"
    elif row.permit_id:
        this_title = "排污许可单位"
    else:
        this_title = f"新发现企业 #{row.case_id}"
    head = (
        f"<tr><th></th><th>{escape(this_title)}</th>"
        f"<th>原企业 #{row.other_case_id}（已销号）</th></tr>"
    )
    body = []
    for key, label, field in ROWS:
        this, other = row.this_side.get(key, ""), row.other_side.get(key, "")
        if not this and not other:
            continue
        style = f' style="background:{MATCH_BG}"' if field in matched else ""
        body.append(
            f"<tr{style}><td><b>{escape(label)}</b></td><td>{escape(str(this))}</td>"
            f"<td>{escape(str(other))}</td></tr>"
        )
    evidence = "".join(
        f"<li><b>{escape(FIELD_LABELS.get(e['field'], e['field']))}</b>：{escape(e.get('how', ''))}"
        f"（{escape(e.get('this', ''))} ↔ {escape(e.get('other', ''))}）</li>"
        for e in row.evidence
    )
    decided = ""
    if row.decided_by:
        decided = f"<p>{escape(row.status.label)}：{escape(row.decided_by)}"
        decided += f"，理由：{escape(row.reason)}</p>" if row.reason else "</p>"
    return (
        f"<h3>{escape(row.kind.label)}线索 · 评分 {row.score * 100:.0f}</h3>"
        f'<table border="1" cellspacing="0" cellpadding="4" width="100%">{head}{"".join(body)}</table>'
        f"<p><b>相符之处</b>（黄色底纹）：</p><ul>{evidence}</ul>{decided}"
    )
