ALTER TABLE invoice_lines RENAME TO invoice_line_items;
