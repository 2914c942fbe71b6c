"""督导抽查 dialogs."""
