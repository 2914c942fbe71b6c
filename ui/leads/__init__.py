"""Widgets of the 线索 pane: the candidates' table, the comparison and the decision dialogs."""
