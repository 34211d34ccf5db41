CREATE TABLE page_translations (
    page_id        bigint NOT NULL REFERENCES pages ON DELETE CASCADE,
    locale         text NOT NULL CHECK (locale ~ '^[a-z]{2}(_[A-Z]{2})?$'),
    title          text NOT NULL,
    body           text NOT NULL DEFAULT '',
    slug           text NOT NULL,
    updated_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (page_id, locale)
);

CREATE TRIGGER page_translations_touch_updated_at BEFORE UPDATE ON page_translations
    FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
