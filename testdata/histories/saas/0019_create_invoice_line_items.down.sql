DROP TABLE invoice_line_items;
