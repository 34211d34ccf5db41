UPDATE sites SET settings = jsonb_set(settings, '{moderation}', '"manual"', true)
 WHERE settings -> 'moderation' IS NULL;
