"""Units (责任单位) and their townships, owned by the office: edit, import, list."""
