DROP VIEW account_balances;
