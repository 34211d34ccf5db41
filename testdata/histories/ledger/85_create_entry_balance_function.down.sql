DROP FUNCTION journal_entry_balance(bigint);
