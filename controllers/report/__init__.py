"""The stage report (阶段工作报告): figures as of a date, the clerk's texts, PDF and .docx."""
