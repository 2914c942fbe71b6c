"""问责 dialogs."""
