"""Dialogs shared by several panes."""
