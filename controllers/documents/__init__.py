"""Official documents (公文) as PDF in the layout of GB/T 9704-2012, reusable by any report.

- :mod:`controllers.documents.fonts` — which font serves each role (title 小标宋, body 仿宋,
  heading 一、 黑体, heading （一） 楷体, page number 宋体): the Windows fonts when installed,
  else the TrueType font bundled in ``resources/fonts``; registration with reportlab; a report
  of the choice for the settings pane.
- :mod:`controllers.documents.official` — the page (A4, margins, 156 × 225 mm type area,
  22 lines × 28 characters, page numbers "— 1 —"), the blocks of a document (title,
  paragraphs, headings, signature and date blocks) and :class:`OfficialDocument`, which lays
  them out and writes the PDF (several parts, each numbered from 1, in one file if asked).

Typical use::

    from controllers.documents.official import OfficialDocument, Title, paragraphs, Signatures
    doc = OfficialDocument(title="工作报告")
    doc.build([[Title("工作报告"), *paragraphs(texts), Signatures([...])]], "out.pdf")

Neither module imports Qt; reportlab is imported only when a document is made.
"""
