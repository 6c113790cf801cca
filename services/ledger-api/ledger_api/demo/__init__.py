"""Demo data of a fictional county (海澄县) for `make run`: the member units of the seed notice,
invented people. Loaded once; each capability adds its part here."""
