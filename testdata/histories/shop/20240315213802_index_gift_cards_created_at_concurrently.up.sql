CREATE INDEX CONCURRENTLY gift_cards_created_at_idx ON gift_cards (created_at);
