package cli_test

import (
	"testing"

	"github.com/alecthomas/assert/v2"

	"github.com/schemaguard/guard/internal/pgtest"
)

// guard schema inspect's text lists every kind of object the model holds,
// not only tables, views and enums.
func TestSchemaInspectTextListsEveryKind(t *testing.T) {
	clearEnv(t)
	url := pgtest.DB(t)
	pgtest.Exec(t, url, `
CREATE EXTENSION citext;
CREATE DOMAIN email AS citext CHECK (VALUE LIKE '%@%');
CREATE TYPE money_amount AS (amount numeric, currency text);
CREATE SEQUENCE invoice_numbers START 1000;
CREATE TABLE accounts (id bigint PRIMARY KEY, owner text NOT NULL, updated_at timestamptz);
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.updated_at := now(); RETURN NEW; END $$;
CREATE TRIGGER accounts_touch BEFORE UPDATE ON accounts FOR EACH ROW EXECUTE FUNCTION touch();
ALTER TABLE accounts ENABLE ROW LEVEL SECURITY;
CREATE POLICY own ON accounts FOR SELECT TO PUBLIC USING (owner = current_user);`)
	r := run(t, "--database-url", url, "schema", "inspect")
	assert.Equal(t, 0, r.code, r.stderr)
	for _, want := range []string{
		"1 tables, 0 views, 0 enums, 1 functions, 1 sequences, 1 extensions",
		"  trigger CREATE TRIGGER accounts_touch BEFORE UPDATE ON public.accounts FOR EACH ROW EXECUTE FUNCTION public.touch()",
		"  row level security\n",
		"  policy own permissive for SELECT to PUBLIC",
		"Domain public.email public.citext CHECK",
		"Type public.money_amount (amount numeric, currency text)",
		"Function public.touch() returns trigger (plpgsql, volatile)",
		"Sequence public.invoice_numbers bigint from 1000 by 1",
		"Extension citext",
	} {
		assert.Contains(t, r.stdout, want)
	}
}
