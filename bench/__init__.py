"""Province-scale data set and load measurement of the ledger (see bench/README.md)."""
