ALTER TABLE invoice_line_items RENAME TO invoice_lines;
