-- Cancelling a transfer between members finds its two sides by their shared transfer id.
CREATE INDEX ledger_transactions_transfer ON ledger_transactions (program_id, transfer_id) WHERE transfer_id IS NOT NULL;
