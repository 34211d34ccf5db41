CREATE VIEW account_balances AS
SELECT a.entity_id,
       a.id    AS account_id,
       a.code,
       a.name,
       a.type,
       coalesce(sum(l.debit), 0)::numeric(19, 4)  AS total_debit,
       coalesce(sum(l.credit), 0)::numeric(19, 4) AS total_credit,
       CASE WHEN a.type IN ('asset', 'expense')
            THEN coalesce(sum(l.debit - l.credit), 0)
            ELSE coalesce(sum(l.credit - l.debit), 0)
       END::numeric(19, 4) AS balance
  FROM accounts a
  LEFT JOIN journal_lines l ON l.account_id = a.id
  LEFT JOIN journal_entries e ON e.id = l.entry_id
 WHERE e.id IS NULL OR e.posted_at IS NOT NULL
 GROUP BY a.entity_id, a.id, a.code, a.name, a.type;
