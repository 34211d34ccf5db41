package diff

import (
	"testing"

	"github.com/alecthomas/assert/v2"
)

func TestParseIndexDef(t *testing.T) {
	cases := []struct {
		def  string
		want indexDef
		ok   bool
	}{
		{"CREATE INDEX posts_author_id_idx ON public.posts USING btree (author_id)",
			indexDef{rest: "USING btree (author_id)"}, true},
		{`CREATE UNIQUE INDEX "Weird Name" ON "My Schema"."T t" USING btree ("A", b) WHERE (b > 0)`,
			indexDef{unique: true, rest: `USING btree ("A", b) WHERE (b > 0)`}, true},
		{"CREATE INDEX m_idx ON ONLY public.measurements USING btree (at)",
			indexDef{rest: "USING btree (at)"}, true},
		{`CREATE INDEX "a "" ON b" ON public.t USING gin (doc)`,
			indexDef{rest: "USING gin (doc)"}, true},
		{"garbage", indexDef{}, false},
	}
	for _, c := range cases {
		got, ok := parseIndexDef(c.def)
		assert.Equal(t, c.ok, ok, c.def)
		assert.Equal(t, c.want, got, c.def)
	}
}

func TestPlainColumns(t *testing.T) {
	cols, ok := plainColumns(`USING btree (a, "B c")`)
	assert.True(t, ok)
	assert.Equal(t, []string{"a", "B c"}, cols)
	for _, rest := range []string{
		"USING btree (lower(email))",
		"USING btree (a DESC)",
		"USING btree (a) WHERE (a > 0)",
		"USING btree (a) INCLUDE (b)",
		"USING btree (a) NULLS NOT DISTINCT",
		"USING hash (a)",
		"USING btree (a text_pattern_ops)",
	} {
		_, ok := plainColumns(rest)
		assert.False(t, ok, rest)
	}
}

func TestRenameIdents(t *testing.T) {
	r := map[string]string{"email": "email_address", "text": "body", "lower": "x", "Name": "full name"}
	cases := []struct{ in, want string }{
		{"USING btree (email)", "USING btree (email_address)"},
		{"USING btree (lower(email))", "USING btree (lower(email_address))"},
		{"CHECK ((email <> ''::text))", "CHECK ((email_address <> ''::text))"},
		{"CHECK ((text <> 'email'::text))", "CHECK ((body <> 'email'::text))"},
		{"CHECK ((email <> 'it''s email'::text))", "CHECK ((email_address <> 'it''s email'::text))"},
		{`CHECK (("Name" <> ''::text))`, `CHECK (("full name" <> ''::text))`},
		{"CHECK (((r).email > 0))", "CHECK (((r).email > 0))"},
		{"USING btree (emails, email_x)", "USING btree (emails, email_x)"},
		{"CHECK ((EMAIL IS NOT NULL))", "CHECK ((EMAIL IS NOT NULL))"},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, renameIdents(c.in, r), c.in)
	}
	assert.Equal(t, "USING btree (email)", renameIdents("USING btree (email)", nil))
}
