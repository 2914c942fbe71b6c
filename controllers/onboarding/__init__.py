"""A real office's first day: its existing registers loaded from its own master workbooks."""
