-- Indexes and the one function the benchmark proposes for the ledger list (see bench/README.md,
-- "Proposed changes"). Idempotent; run as the ledger owner role (bench.measure --variant proposed
-- applies it to the bench database). In the product this is one Alembic migration of ledger-api.

-- Distinct lower-cased character bigrams of a text: '财政一体化' -> {一体,体化,政一,财政}.
-- pg_trgm cannot serve LIKE '%财政%' (it needs three characters); most Chinese search terms are two.
CREATE OR REPLACE FUNCTION ledger.qq_bigrams(t text) RETURNS text[]
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT coalesce(array_agg(DISTINCT substr(lower(t), i, 2)), '{}') FROM generate_series(1, length(t) - 1) AS i $$;

-- q: the contract name, the debtor's and the creditor's names (a bigram prefilter, LIKE rechecks).
CREATE INDEX IF NOT EXISTS ix_arrears_item_contract_bigrams ON ledger.arrears_item
    USING gin (ledger.qq_bigrams(contract_name));
CREATE INDEX IF NOT EXISTS ix_creditor_name_bigrams ON ledger.creditor USING gin (ledger.qq_bigrams(name));
CREATE INDEX IF NOT EXISTS ix_debtor_name_bigrams ON ledger.debtor USING gin (ledger.qq_bigrams(name));

-- sort=-outstanding / outstanding (the biggest debts first): a walk of this index instead of a
-- sort of every matching row.
CREATE INDEX IF NOT EXISTS ix_arrears_item_outstanding ON ledger.arrears_item (outstanding, id);

ANALYZE ledger.arrears_item;
ANALYZE ledger.creditor;
ANALYZE ledger.debtor;
