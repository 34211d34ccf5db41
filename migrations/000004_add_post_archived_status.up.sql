ALTER TYPE post_status ADD VALUE 'archived';
