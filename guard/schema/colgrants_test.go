package schema_test

import (
	"crypto/rand"
	"encoding/hex"
	"testing"

	"github.com/alecthomas/assert/v2"
	"github.com/jackc/pgx/v5"

	"github.com/schemaguard/guard/guard/schema"
	"github.com/schemaguard/guard/internal/pgtest"
)

// Column privileges come with the columns (tables.sql), grantees written as
// quote_ident writes them: a role whose name needs quotes (a comma, a quote,
// capitals) reads back as one grantee.
func TestInspectColumnGrants(t *testing.T) {
	url := pgtest.DB(t)
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	role := `Guard, "col" ` + hex.EncodeToString(b)
	quoted := pgx.Identifier{role}.Sanitize()
	pgtest.Exec(t, url, `CREATE ROLE `+quoted+` NOLOGIN`)
	t.Cleanup(func() {
		pgtest.Exec(t, url, `REVOKE ALL ON t FROM `+quoted+`; DROP ROLE `+quoted)
	})
	pgtest.Exec(t, url, `CREATE TABLE t (id int, "Name" text, secret text);
		GRANT SELECT (id, "Name"), UPDATE ("Name") ON t TO `+quoted+`;
		GRANT SELECT (id) ON t TO PUBLIC;
		GRANT SELECT ON t TO PUBLIC`)
	s, err := schema.Inspect(t.Context(), pgtest.Connect(t, url))
	assert.NoError(t, err)
	tbl := s.Table("public", "t")
	assert.Equal(t, []schema.ColumnGrant{
		{Column: "Name", Grantee: schema.QuoteIdent(role), Privilege: "SELECT"},
		{Column: "Name", Grantee: schema.QuoteIdent(role), Privilege: "UPDATE"},
		{Column: "id", Grantee: schema.QuoteIdent(role), Privilege: "SELECT"},
		{Column: "id", Grantee: "PUBLIC", Privilege: "SELECT"},
	}, tbl.ColumnGrants)
	assert.Equal(t, []schema.Grant{{Grantee: "PUBLIC", Privilege: "SELECT"}}, tbl.Grants)
}
