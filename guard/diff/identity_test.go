package diff

import (
	"strings"
	"testing"

	"github.com/alecthomas/assert/v2"

	"github.com/schemaguard/guard/guard/schema"
)

// withIDs gives t the oid and its columns the attnums, in order.
func withIDs(t schema.Table, oid schema.ID, attnums ...schema.ID) schema.Table {
	t.OID = oid
	t.Columns = append([]schema.Column(nil), t.Columns...)
	for i := range t.Columns {
		t.Columns[i].Attnum = attnums[i]
	}
	return t
}

func one(t schema.Table) *schema.Schema { return &schema.Schema{Tables: []schema.Table{t}} }

func TestIdentityRenameIsCertain(t *testing.T) {
	b := schema.Table{Schema: "public", Name: "t", Columns: cols("a", "text", "b", "text")}
	a := schema.Table{Schema: "public", Name: "t", Columns: cols("a2", "text", "b", "text")}
	got := Schemas(one(withIDs(b, 10, 1, 2)), one(withIDs(a, 10, 1, 2)), WithIdentity())
	checkChanges(t, got, kindImpact{ColumnRenamed, Breaking, "public.t.a"})
	assert.Equal(t, `column "a" was renamed to "a2"`, got[0].Message)
	assert.False(t, got[0].DataLoss)

	// Without the option, the same schemas give the guess.
	got = Schemas(one(withIDs(b, 10, 1, 2)), one(withIDs(a, 10, 1, 2)))
	checkChanges(t, got, kindImpact{ColumnRenamed, Breaking, "public.t.a"})
	assert.True(t, strings.HasSuffix(got[0].Message, "(probable)"), got[0].Message)
}

func TestIdentityDropAndAddIsNoRename(t *testing.T) {
	b := schema.Table{Schema: "public", Name: "t", Columns: cols("a", "text", "b", "text")}
	a := schema.Table{Schema: "public", Name: "t", Columns: cols("a", "text", "c", "text")}
	got := Schemas(one(withIDs(b, 10, 1, 2)), one(withIDs(a, 10, 1, 3)), WithIdentity())
	checkChanges(t, got, kindImpact{ColumnRemoved, Breaking, "public.t.b"}, kindImpact{ColumnAdded, Safe, "public.t.c"})
	assert.True(t, got[0].DataLoss)
	assert.False(t, got[1].DataLoss)
}

func TestIdentityRecreated(t *testing.T) {
	b := schema.Table{Schema: "public", Name: "t", Columns: cols("a", "text", "b", "text")}
	// The same shape, another oid: the table was made again.
	got := Schemas(one(withIDs(b, 10, 1, 2)), one(withIDs(b, 11, 1, 2)), WithIdentity())
	checkChanges(t, got, kindImpact{TableRecreated, Breaking, "public.t"})
	assert.True(t, got[0].DataLoss)
	assert.Equal(t, 0, len(Schemas(one(withIDs(b, 10, 1, 2)), one(withIDs(b, 11, 1, 2)))), "no identity: no change")

	// The same table, a column of the same name under another attnum.
	got = Schemas(one(withIDs(b, 10, 1, 2)), one(withIDs(b, 10, 1, 3)), WithIdentity())
	checkChanges(t, got, kindImpact{ColumnRecreated, Breaking, "public.t.b"})
	assert.True(t, got[0].DataLoss)
}

// A snapshot without identities (a contract's) is compared by name, even
// with WithIdentity.
func TestIdentityUnknownFallsBack(t *testing.T) {
	b := schema.Table{Schema: "public", Name: "t", Columns: cols("a", "text", "b", "text")}
	got := Schemas(one(b), one(withIDs(b, 11, 1, 2)), WithIdentity())
	checkChanges(t, got)
}

func TestIdentityTableRenameCarriesForeignKeys(t *testing.T) {
	users := schema.Table{Schema: "public", Name: "users", Columns: cols("id", "bigint!"),
		PrimaryKey: &schema.PrimaryKey{Name: "users_pkey", Columns: []string{"id"}}}
	posts := schema.Table{Schema: "public", Name: "posts", Columns: cols("id", "bigint!", "user_id", "bigint"),
		ForeignKeys: []schema.ForeignKey{{Name: "posts_user_id_fkey", Columns: []string{"user_id"},
			ReferencedSchema: "public", ReferencedTable: "users", ReferencedColumns: []string{"id"}, OnDelete: "NO ACTION", OnUpdate: "NO ACTION"}}}
	accounts := users
	accounts.Name = "accounts"
	posts2 := posts
	posts2.ForeignKeys = []schema.ForeignKey{posts.ForeignKeys[0]}
	posts2.ForeignKeys[0].ReferencedTable = "accounts"
	before := &schema.Schema{Tables: []schema.Table{withIDs(posts, 2, 1, 2), withIDs(users, 1, 1)}}
	after := &schema.Schema{Tables: []schema.Table{withIDs(accounts, 1, 1), withIDs(posts2, 2, 1, 2)}}
	got := Schemas(before, after, WithIdentity())
	checkChanges(t, got, kindImpact{TableRenamed, Breaking, "public.accounts"})
	assert.Equal(t, `table "public.users" was renamed to "public.accounts"`, got[0].Message)
}

func TestDataChanges(t *testing.T) {
	s := &schema.Schema{Schemas: []string{"app", "public"}, Tables: []schema.Table{
		{Schema: "public", Name: "users", Columns: cols("id", "bigint", "name", "text")},
		{Schema: "app", Name: "My Table", Columns: cols("id", "bigint")},
		{Schema: "app", Name: "events", Columns: cols("id", "bigint")},
	}}
	for _, tc := range []struct {
		sql  string
		want []kindImpact
	}{
		{`truncate users`, []kindImpact{{DataTruncated, Breaking, "public.users"}}},
		{`TRUNCATE app."My Table", events *`, []kindImpact{{DataTruncated, Breaking, `app."My Table"`}, {DataTruncated, Breaking, "app.events"}}},
		{`TRUNCATE "app"."events" CASCADE; -- TRUNCATE users`, []kindImpact{{DataTruncated, Breaking, "app.events"}}},
		{`delete from USERS`, []kindImpact{{DataDeleted, Breaking, "public.users"}}},
		{`DELETE FROM users WHERE name = 'x; DELETE FROM users'`, nil},
		{`DELETE FROM missing`, nil},
		{`update users set name = 'where'`, []kindImpact{{DataUpdated, Risky, "public.users"}}},
		{`UPDATE users AS u SET (id, name) = (1, 'x')`, []kindImpact{{DataUpdated, Risky, "public.users"}}},
		{`UPDATE users SET nickname = name, "Score" = 0`, []kindImpact{{DataUpdated, Safe, "public.users"}}},
		{`UPDATE users SET name = lower(name) FROM app.events e WHERE e.id = users.id`, nil},
		{`SELECT 'TRUNCATE users'; INSERT INTO users SELECT * FROM users`, nil},
		{`CREATE FUNCTION f() RETURNS void AS $body$ TRUNCATE users $body$ LANGUAGE sql`, nil},
		{`WITH gone AS (DELETE FROM users RETURNING id) SELECT count(*) FROM gone`, nil},
	} {
		checkChanges(t, DataChanges(s, tc.sql), tc.want...)
	}
	assert.Equal(t, 0, len(DataChanges(nil, `TRUNCATE users`)))
}

func TestInList(t *testing.T) {
	for _, tc := range []struct {
		check string
		col   string
		vals  []string
	}{
		{`CHECK ((status = ANY (ARRAY['a'::text, 'b'::text])))`, "status", []string{"'a'", "'b'"}},
		{`CHECK (((status)::text = ANY ((ARRAY['a'::character varying, 'b, c'::character varying])::text[])))`, "status", []string{"'a'", "'b, c'"}},
		{`CHECK (("My Col" = ANY (ARRAY[1, 2])))`, "My Col", []string{"1", "2"}},
		{`CHECK ((price > 0))`, "", nil},
	} {
		col, vals, ok := inList(tc.check)
		assert.Equal(t, tc.col != "", ok, tc.check)
		assert.Equal(t, tc.col, col, tc.check)
		assert.Equal(t, tc.vals, vals, tc.check)
	}
}

func TestSameDefault(t *testing.T) {
	assert.True(t, sameDefault("now()", "CURRENT_TIMESTAMP"))
	assert.True(t, sameDefault("transaction_timestamp()", "now()"))
	assert.True(t, sameDefault("'x'::character varying", "'x'::text"))
	assert.True(t, sameDefault("'it''s'::character varying(20)", "'it''s'::text"))
	assert.False(t, sameDefault("now()", "statement_timestamp()"))
	assert.False(t, sameDefault("'x'::text", "'y'::text"))
	assert.False(t, sameDefault("", "now()"))
	assert.False(t, sameDefault("'1'::text", "1"))
}
