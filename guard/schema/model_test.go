package schema_test

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"github.com/alecthomas/assert/v2"

	"github.com/schemaguard/guard/guard/schema"
	"github.com/schemaguard/guard/internal/pgtest"
)

func sample() *schema.Schema {
	return &schema.Schema{
		Schemas: []string{"public", "app"},
		Tables: []schema.Table{
			{Schema: "public", Name: "t", Columns: []schema.Column{{Name: "b", Type: "text", Position: 2}, {Name: "a", Type: "integer", Position: 1}},
				Checks: []schema.Check{{Name: "c", Expression: "CHECK ((a > 0) AND (b <> '&'))"}}},
			{Schema: "app", Name: "u", Columns: []schema.Column{{Name: "id", Type: "bigint", Position: 1}}},
		},
		Enums: []schema.Enum{{Schema: "public", Name: "e", Values: []string{"x", "<y>"}}},
		Functions: []schema.Function{
			{Schema: "public", Name: "f", Signature: "public.f(text)", Kind: "function", Arguments: "s text", Result: "boolean", Language: "sql", Volatility: "immutable", BodyHash: "ab"},
			{Schema: "app", Name: "g", Signature: "app.g()", Kind: "procedure", Language: "plpgsql", Volatility: "volatile", BodyHash: "cd"},
		},
		Sequences:  []schema.Sequence{{Schema: "public", Name: "s", Type: "bigint", Start: 1, Min: 1, Max: 9, Increment: 1}},
		Extensions: []schema.Extension{{Name: "pg_trgm", Version: "1.6", Schema: "public"}, {Name: "citext", Version: "1.6", Schema: "public"}},
	}
}

func TestCanonicalJSONStreamsTheWholeDocument(t *testing.T) {
	got, err := sample().CanonicalJSON()
	assert.NoError(t, err)

	// The same document encoded in one piece.
	var want bytes.Buffer
	enc := json.NewEncoder(&want)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	assert.NoError(t, enc.Encode(sample().Canonical()))
	assert.Equal(t, want.String(), string(got))
	assert.Contains(t, string(got), `CHECK ((a > 0) AND (b <> '&'))`, "no HTML escaping")

	var back schema.Schema
	assert.NoError(t, json.Unmarshal(got, &back))
	assert.Equal(t, *sample().Canonical(), back)
	assert.Equal(t, sample().Hash(), back.Hash())
}

func TestCanonicalIsOrderIndependent(t *testing.T) {
	a := sample()
	b := sample()
	b.Tables[0], b.Tables[1] = b.Tables[1], b.Tables[0]
	b.Schemas[0], b.Schemas[1] = b.Schemas[1], b.Schemas[0]
	assert.Equal(t, a.Hash(), b.Hash())
	b.Enums[0].Values = []string{"<y>", "x"} // enum order is meaningful
	assert.NotEqual(t, a.Hash(), b.Hash())
}

func TestEmptySchemaJSON(t *testing.T) {
	b, err := (&schema.Schema{}).CanonicalJSON()
	assert.NoError(t, err)
	assert.Equal(t, "{\n  \"schemas\": [],\n  \"tables\": [],\n  \"enums\": [],\n  \"views\": []\n}\n", string(b))
}

func TestQuoteIdentMatchesQuoteIdentOnTheServer(t *testing.T) {
	conn := pgtest.Connect(t, pgtest.DB(t))
	names := []string{"users", "user", "order", "select", "Users", "mixed Case", `we"ird`, "a$b", "_x", "x1", "1x",
		"ünï", "email_address", "name", "type", "value", "all", "between", "int", "json", "", "table", "column"}
	for _, n := range names {
		var want string
		assert.NoError(t, conn.QueryRow(context.Background(), "SELECT quote_ident($1)", n).Scan(&want))
		assert.Equal(t, want, schema.QuoteIdent(n), "quote_ident(%q)", n)
	}
}

func TestParseTableName(t *testing.T) {
	for _, tc := range []struct {
		in, schema, name string
		ok               bool
	}{
		{"users", "public", "users", true},
		{"app.users", "app", "users", true},
		{`"My Schema"."Users"`, "My Schema", "Users", true},
		{`"a.b"`, "public", "a.b", true},
		{`"we""ird".t`, `we"ird`, "t", true},
		{`"open`, "", "", false},
		{"a.b.c", "", "", false},
		{"", "", "", false},
	} {
		s, n, ok := schema.ParseTableName(tc.in, "public")
		assert.Equal(t, tc.ok, ok, tc.in)
		if ok {
			assert.Equal(t, tc.schema, s, tc.in)
			assert.Equal(t, tc.name, n, tc.in)
		}
	}
}
