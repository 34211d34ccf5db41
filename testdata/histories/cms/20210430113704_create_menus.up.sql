CREATE TABLE menus (
    id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    site_id  bigint NOT NULL REFERENCES sites ON DELETE CASCADE,
    handle   text NOT NULL,
    title    text NOT NULL,
    UNIQUE (site_id, handle)
);

CREATE TABLE menu_items (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    menu_id   bigint NOT NULL REFERENCES menus ON DELETE CASCADE,
    parent_id bigint REFERENCES menu_items ON DELETE CASCADE,
    page_id   bigint REFERENCES pages ON DELETE CASCADE,
    url       text,
    label     text NOT NULL,
    position  integer NOT NULL DEFAULT 0,
    CONSTRAINT menu_items_target_check CHECK ((page_id IS NULL) <> (url IS NULL))
);
CREATE INDEX menu_items_menu_id_position_idx ON menu_items (menu_id, position);
