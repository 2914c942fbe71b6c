"""督导抽查: recording the city's enforcement groups, their findings, totals and documents."""
