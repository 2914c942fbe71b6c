"""The enterprise register (企业清单): table model and view, filter bar, case dialog."""
