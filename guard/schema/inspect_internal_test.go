package schema

import (
	"strings"
	"testing"

	"github.com/alecthomas/assert/v2"
)

// Assembled index definitions quote names with QuoteIdent, where it quotes
// as the server does.
func TestQuoteIdentLikePostgres(t *testing.T) {
	f := &facts{quotedKeywords: map[string]bool{"user": true, "order": true, "int": true, "left": true}}
	for in, want := range map[string]string{
		"users":       "users",
		"_x1":         "_x1",
		"action":      "action", // an unreserved keyword needs no quotes
		"user":        `"user"`,
		"int":         `"int"`,
		"left":        `"left"`,
		"Users":       `"Users"`,
		"1st":         `"1st"`,
		"a$b":         `"a$b"`,
		"with space":  `"with space"`,
		`say "hi"`:    `"say ""hi"""`,
		"é":           `"é"`,
		"":            `""`,
		"order_lines": "order_lines",
	} {
		assert.Equal(t, want, QuoteIdent(in), "QuoteIdent(%q)", in)
		assert.True(t, f.quotesAsServer(in), "quotesAsServer(%q)", in)
	}
	// A keyword the server quotes and QuoteIdent does not (one of
	// PostgreSQL 16), or the reverse, is left to pg_get_indexdef.
	f.quotedKeywords["system_user"] = true
	assert.False(t, f.quotesAsServer("system_user"))
	assert.False(t, f.quotesAsServer("select"))
	// So is every name under quote_all_identifiers.
	f.quoteAll = true
	assert.False(t, f.quotesAsServer("users"))
}

func TestDefaultOpclassFor(t *testing.T) {
	const (
		int4Ops, textOps, enumOps, arrayOps, extOps, nonDefault = 1, 2, 3, 4, 5, 6
		int4, myEnum, int4Array                                 = 23, 90001, 1007
	)
	f := &facts{
		defaultOpclasses: map[uint32]opclass{
			int4Ops:  {inputType: int4, builtin: true},
			textOps:  {inputType: oidText, builtin: true},
			enumOps:  {inputType: oidAnyEnum, builtin: true},
			arrayOps: {inputType: oidAnyArray, builtin: true},
			extOps:   {inputType: oidAnyEnum, builtin: false},
		},
		enumTypes: map[uint32]bool{myEnum: true},
	}
	for _, tc := range []struct {
		opclass, typ uint32
		want         bool
	}{
		{int4Ops, int4, true},
		{textOps, oidText, true},
		{textOps, oidVarchar, true},
		{textOps, int4, false},
		{enumOps, myEnum, true},
		{enumOps, int4, false},
		{extOps, myEnum, false},      // an extension's class: left to pg_get_indexdef
		{arrayOps, int4Array, false}, // left to pg_get_indexdef
		{nonDefault, int4, false},
	} {
		assert.Equal(t, tc.want, f.defaultFor(tc.opclass, tc.typ), "defaultFor(%d, %d)", tc.opclass, tc.typ)
	}
}

func TestAssembleIndexDef(t *testing.T) {
	f := &facts{
		defaultOpclasses: map[uint32]opclass{1: {inputType: 23, builtin: true}, 2: {inputType: oidText, builtin: true}},
		quotedKeywords:   map[string]bool{"order": true},
	}
	tab := &Table{Schema: "My App", Name: "orders"}
	e := tableEntry{
		attnums: []int16{1, 2, 4},
		names:   []string{"id", "order", "note"},
		types:   []uint32{23, 23, oidText},
		colls:   []uint32{0, 0, 100},
	}
	var b strings.Builder
	def, ok := assembleIndexDef(&b, f, tab, e, &indexRow{
		Name: "orders_idx", Method: "btree", IsUnique: true,
		Keys: []int16{4, 1, 2}, Opclasses: []uint32{2, 1, 1}, Collations: []uint32{100, 0, 0},
	})
	assert.True(t, ok)
	assert.Equal(t, `CREATE UNIQUE INDEX orders_idx ON "My App".orders USING btree (note, id, "order")`, def)

	for name, ir := range map[string]*indexRow{
		"other collation":      {Name: "i", Method: "btree", Keys: []int16{4}, Opclasses: []uint32{2}, Collations: []uint32{950}},
		"non-default opclass":  {Name: "i", Method: "btree", Keys: []int16{4}, Opclasses: []uint32{7}, Collations: []uint32{100}},
		"opclass of elsewhere": {Name: "i", Method: "btree", Keys: []int16{1}, Opclasses: []uint32{2}, Collations: []uint32{0}},
		"unknown column":       {Name: "i", Method: "btree", Keys: []int16{3}, Opclasses: []uint32{1}, Collations: []uint32{0}},
		"no key":               {Name: "i", Method: "btree"},
	} {
		_, ok := assembleIndexDef(&b, f, tab, e, ir)
		assert.False(t, ok, name)
	}
}

// A name the server would quote otherwise than QuoteIdent leaves the
// definition to pg_get_indexdef.
func TestAssembleIndexDefLeavesOtherQuotingToTheServer(t *testing.T) {
	f := &facts{
		defaultOpclasses: map[uint32]opclass{1: {inputType: 23, builtin: true}},
		quotedKeywords:   map[string]bool{"order": true, "system_user": true},
	}
	tab := &Table{Schema: "public", Name: "t"}
	e := tableEntry{attnums: []int16{1, 2}, names: []string{"id", "system_user"}, types: []uint32{23, 23}, colls: []uint32{0, 0}}
	ir := func(key int16) *indexRow {
		return &indexRow{Name: "i", Method: "btree", Keys: []int16{key}, Opclasses: []uint32{1}, Collations: []uint32{0}}
	}
	var b strings.Builder
	def, ok := assembleIndexDef(&b, f, tab, e, ir(1))
	assert.True(t, ok)
	assert.Equal(t, "CREATE INDEX i ON public.t USING btree (id)", def)

	_, ok = assembleIndexDef(&b, f, tab, e, ir(2))
	assert.False(t, ok, "a keyword of the server's only")
	f.quoteAll = true
	_, ok = assembleIndexDef(&b, f, tab, e, ir(1))
	assert.False(t, ok, "quote_all_identifiers")
}
