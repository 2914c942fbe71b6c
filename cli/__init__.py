"""The headless command line (for administrators and scripts). Never imports ui or Qt."""
