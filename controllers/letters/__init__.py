"""Commitment letters (承诺书) of the 25 units: what goes into each letter, its PDF, the batch,
its status workflow (起草 → 已印发 → 已签署 → 已归档) and the overview of all units.

- :mod:`.compose` — placeholder values of a unit and the letter's blocks
- :mod:`.render` — PDFs of letters (one, several in one file, template previews)
- :mod:`.batch` — the letters of all units (or a selection) written to a folder
- :mod:`.workflow` — issue, record the signature, archive the scanned copy, step back
- :mod:`.overview` — every unit at a glance: status, what is missing, late letters
"""
