package diff_test

import (
	"context"
	"testing"
	"time"

	"github.com/alecthomas/assert/v2"

	"github.com/schemaguard/guard/guard/diff"
	"github.com/schemaguard/guard/internal/pgtest"
)

// Messages quote the names of columns (and indexes, constraints) the way
// they quote tables: SQL-style, as the name would be written in a
// migration, never Go-style (no backslash escapes).
func TestMessagesQuoteNamesSQLStyle(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	conn := pgtest.Connect(t, pgtest.DB(t))
	before := inspectAfter(ctx, t, conn, `CREATE TABLE "My ""T""" (id int); CREATE TABLE plain (id int); CREATE VIEW w AS SELECT id FROM plain`)
	after := inspectAfter(ctx, t, conn, `
		ALTER TABLE "My ""T""" ADD COLUMN "say ""hi""" text;
		ALTER TABLE plain ADD COLUMN email text;
		ALTER TABLE plain ADD COLUMN "back\slash" int NOT NULL;
		CREATE INDEX "ix ""q""" ON plain (email);
		CREATE OR REPLACE VIEW w AS SELECT id, 1 AS "c ""d""" FROM plain`)
	messages := map[string]string{}
	for _, ch := range diff.Schemas(before, after) {
		messages[ch.Object] = ch.Message
	}
	for object, want := range map[string]string{
		`public."My ""T"""."say ""hi"""`: `column "say ""hi""" was added`,
		`public.plain.email`:             `column "email" was added`,
		`public.plain."back\slash"`:      `column "back\slash" was added NOT NULL without a default`,
		`public.plain."ix ""q"""`:        `index "ix ""q""" was added`,
		`public.w."c ""d"""`:             `view column "c ""d""" was added`,
	} {
		assert.Equal(t, want, messages[object], "%s in %v", object, messages)
	}
}
