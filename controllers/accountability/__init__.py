"""问责: the quantified rules, the tally per unit, records and their amendments."""
