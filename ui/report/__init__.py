"""The stage report dialog: date, editable sections 五 and 六, preview, PDF and Word."""
