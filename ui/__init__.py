"""Windows, panes, dialogs, Qt item models and delegates."""
