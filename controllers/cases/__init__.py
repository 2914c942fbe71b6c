"""Use cases of the enterprise register (企业清单): loading it into column arrays, editing a
case, its workflow and look-backs, bulk work and the Excel export."""
