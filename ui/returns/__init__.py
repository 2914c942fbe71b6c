"""县区上报 windows: the import dialog, the column mapping dialog, the difference view, the
return dialog (details, signature, publication, review) and the stage overview."""
