DELETE FROM block_kinds WHERE kind IN ('gallery', 'code', 'table', 'form');
