CREATE TABLE forms (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    site_id     bigint NOT NULL REFERENCES sites ON DELETE CASCADE,
    name        text NOT NULL,
    fields      jsonb NOT NULL DEFAULT '[]',
    notify      citext[] NOT NULL DEFAULT '{}',
    created_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT forms_fields_is_array CHECK (jsonb_typeof(fields) = 'array')
);

CREATE TABLE form_submissions (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    form_id     bigint NOT NULL REFERENCES forms ON DELETE CASCADE,
    data        jsonb NOT NULL,
    ip          inet,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX form_submissions_form_id_created_at_idx ON form_submissions (form_id, created_at);
