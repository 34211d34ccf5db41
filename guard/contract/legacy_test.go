package contract_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/alecthomas/assert/v2"

	"github.com/schemaguard/guard/guard/contract"
	"github.com/schemaguard/guard/guard/diff"
	"github.com/schemaguard/guard/guard/schema"
	"github.com/schemaguard/guard/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// legacyBookings is a contract file as the previous guard wrote it, after
// locking the table of bookingsDDL: its exclusion constraint recorded among
// the checks.
const legacyBookings = `{
  "version": 1,
  "mode": "auto",
  "tables": [
    {
      "table": "public.bookings",
      "locked_at": "2026-11-01T12:00:00Z",
      "snapshot": {
        "schema": "public",
        "name": "bookings",
        "columns": [
          {"name": "id", "type": "integer", "not_null": true, "position": 1},
          {"name": "room", "type": "text", "not_null": false, "position": 2},
          {"name": "during", "type": "tstzrange", "not_null": false, "position": 3}
        ],
        "primary_key": {"name": "bookings_pkey", "columns": ["id"]},
        "checks": [
          {"name": "bookings_no_overlap", "expression": "EXCLUDE USING gist (during WITH &&)"},
          {"name": "bookings_room_check", "expression": "CHECK ((room <> ''::text))"}
        ]
      }
    }
  ]
}
`

const bookingsDDL = `CREATE TABLE bookings (
    id int PRIMARY KEY,
    room text CHECK (room <> ''),
    during tstzrange,
    CONSTRAINT bookings_no_overlap EXCLUDE USING gist (during WITH &&)
)`

// A snapshot of an earlier release does not record whether a foreign key
// is deferrable or a unique constraint NULLS NOT DISTINCT: the live table's
// are taken as they are.
func TestLegacySnapshotWithoutDeferrability(t *testing.T) {
	url := pgtest.DB(t)
	pgtest.Exec(t, url, `CREATE TABLE rooms (id int PRIMARY KEY);
		CREATE TABLE bookings (id int PRIMARY KEY, room int CONSTRAINT bookings_room_fkey REFERENCES rooms DEFERRABLE INITIALLY DEFERRED,
		    code text CONSTRAINT bookings_code_key UNIQUE NULLS NOT DISTINCT)`)
	live, err := schema.Inspect(t.Context(), pgtest.Connect(t, url))
	assert.NoError(t, err)
	legacy := `{"version": 1, "mode": "auto", "tables": [{"table": "public.bookings", "locked_at": "2026-11-01T12:00:00Z", "snapshot": {
		"schema": "public", "name": "bookings",
		"columns": [{"name": "id", "type": "integer", "not_null": true, "position": 1}, {"name": "room", "type": "integer", "not_null": false, "position": 2},
		            {"name": "code", "type": "text", "not_null": false, "position": 3}],
		"primary_key": {"name": "bookings_pkey", "columns": ["id"]},
		"uniques": [{"name": "bookings_code_key", "columns": ["code"]}],
		"foreign_keys": [{"name": "bookings_room_fkey", "columns": ["room"], "referenced_schema": "public", "referenced_table": "rooms",
		                  "referenced_columns": ["id"], "on_delete": "NO ACTION", "on_update": "NO ACTION"}]}}]}`
	c, err := contract.Parse("legacy.json", []byte(legacy))
	assert.NoError(t, err)
	assert.Equal(t, []diff.Change(nil), c.Drift(live))

	// Locked now, the snapshot holds them, and a change is seen.
	c = contract.New()
	_, err = c.Lock(live, nil, contract.ModeAuto, t0)
	assert.NoError(t, err)
	pgtest.Exec(t, url, `ALTER TABLE bookings ALTER CONSTRAINT bookings_room_fkey NOT DEFERRABLE`)
	live, err = schema.Inspect(t.Context(), pgtest.Connect(t, url))
	assert.NoError(t, err)
	var kinds []diff.Kind
	for _, ch := range c.Drift(live) {
		kinds = append(kinds, ch.Kind)
	}
	assert.Equal(t, []diff.Kind{diff.ForeignKeyChanged}, kinds)
}

// A contract written before exclusion constraints had a place of their own
// still loads, and compares equal to the table it was locked from: no
// check_removed + exclusion_added to block an auto-mode run.
func TestLegacyExclusionAmongChecksLoads(t *testing.T) {
	url := pgtest.DB(t)
	pgtest.Exec(t, url, bookingsDDL)
	live, err := schema.Inspect(t.Context(), pgtest.Connect(t, url))
	assert.NoError(t, err)

	path := filepath.Join(t.TempDir(), contract.DefaultPath)
	assert.NoError(t, os.WriteFile(path, []byte(legacyBookings), 0o644))
	c, err := contract.Load(path)
	assert.NoError(t, err)
	lt := c.Locked("public.bookings")
	assert.NotZero(t, lt)
	assert.Equal(t, []schema.Check{{Name: "bookings_room_check", Expression: "CHECK ((room <> ''::text))"}}, lt.Snapshot.Checks)
	assert.Equal(t, []schema.Exclusion{{
		Name: "bookings_no_overlap", Method: "gist",
		Elements: []schema.ExclusionElement{{Column: "during", Operator: "&&"}},
		Columns:  []string{"during"}, Definition: "EXCLUDE USING gist (during WITH &&)",
	}}, lt.Snapshot.Exclusions)
	assert.Equal(t, live.Table("public", "bookings").Exclusions, lt.Snapshot.Exclusions, "read as Inspect reads it")
	assert.Equal(t, []diff.Change(nil), diff.Tables(&lt.Snapshot, live.Table("public", "bookings")))

	// Saved again, it is written the new way, and reads back the same.
	assert.NoError(t, c.Save(path))
	b, err := os.ReadFile(path)
	assert.NoError(t, err)
	var doc struct {
		Tables []struct {
			Snapshot map[string]json.RawMessage `json:"snapshot"`
		} `json:"tables"`
	}
	assert.NoError(t, json.Unmarshal(b, &doc))
	assert.Contains(t, string(doc.Tables[0].Snapshot["exclusions"]), "bookings_no_overlap")
	assert.NotContains(t, string(doc.Tables[0].Snapshot["checks"]), "EXCLUDE")
	again, err := contract.Load(path)
	assert.NoError(t, err)
	assert.Equal(t, c, again)
}

// Judge adds what the files lose in locked tables to the drift, once: a
// table made again with its shape shows no drift, but is blocked.
func TestJudgeBlocksDataLossTheFinalSchemaHides(t *testing.T) {
	accounts := users(col("note", "text", false))
	c := contract.New()
	_, err := c.Lock(live(accounts), nil, contract.ModeAuto, t0)
	assert.NoError(t, err)
	recreated := diff.Change{Kind: diff.TableRecreated, Impact: diff.Breaking, Table: "public.users", Object: "public.users", Message: "m", DataLoss: true}
	other := diff.Change{Kind: diff.DataTruncated, Impact: diff.Breaking, Table: "public.other", Object: "public.other", Message: "m", DataLoss: true}
	renamed := diff.Change{Kind: diff.ColumnRenamed, Impact: diff.Breaking, Table: "public.users", Object: "public.users.a", Message: "m"}

	r := c.Judge(live(accounts), [][]diff.Change{{recreated, other, renamed}, {recreated}})
	assert.True(t, r.Blocked)
	assert.Equal(t, 1, len(r.Tables), "tables not locked, and changes that lose nothing, are left to the steps")
	assert.Equal(t, []diff.Kind{diff.TableRecreated}, []diff.Kind{r.Tables[0].Items[0].Kind})
	assert.Equal(t, 1, len(r.Tables[0].Items))
	assert.True(t, r.Tables[0].Items[0].DataLoss)

	assert.False(t, c.Judge(live(accounts), nil).Blocked, "no steps: the drift alone")
}

// A snapshot of an earlier release has no triggers, row-level security or
// policies: the live table's are taken as they are, not as added; once
// promoted, the snapshot holds them and a trigger dropped is seen.
func TestLegacySnapshotWithoutTriggers(t *testing.T) {
	url := pgtest.DB(t)
	pgtest.Exec(t, url, bookingsDDL+`;
		CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
		CREATE TRIGGER bookings_touch BEFORE UPDATE ON bookings FOR EACH ROW EXECUTE FUNCTION touch();
		CREATE POLICY bookings_all ON bookings USING (true);
		ALTER TABLE bookings ENABLE ROW LEVEL SECURITY;
		GRANT SELECT ON bookings TO PUBLIC`)
	conn := pgtest.Connect(t, url)
	live, err := schema.Inspect(t.Context(), conn)
	assert.NoError(t, err)
	assert.Equal(t, 1, len(live.Table("public", "bookings").Triggers))

	path := filepath.Join(t.TempDir(), contract.DefaultPath)
	assert.NoError(t, os.WriteFile(path, []byte(legacyBookings), 0o644))
	c, err := contract.Load(path)
	assert.NoError(t, err)
	assert.Equal(t, 0, c.Locked("public.bookings").Model)
	assert.Equal(t, []diff.Change(nil), c.Drift(live))

	_, err = c.Promote(live, nil, t0)
	assert.NoError(t, err)
	assert.NoError(t, c.Save(path))
	c, err = contract.Load(path)
	assert.NoError(t, err)
	assert.Equal(t, contract.SnapshotModel, c.Locked("public.bookings").Model)
	pgtest.Exec(t, url, `DROP TRIGGER bookings_touch ON bookings`)
	live, err = schema.Inspect(t.Context(), conn)
	assert.NoError(t, err)
	drift := c.Drift(live)
	assert.Equal(t, 1, len(drift))
	assert.Equal(t, diff.TriggerRemoved, drift[0].Kind)
	assert.True(t, c.Evaluate(drift).Blocked, "risky: blocked in auto mode")

	// Promoted, the snapshot holds the grant: revoking it from the app's
	// role (PUBLIC here) breaks the contract.
	_, err = c.Promote(live, nil, t0)
	assert.NoError(t, err)
	pgtest.Exec(t, url, `REVOKE SELECT ON bookings FROM PUBLIC`)
	live, err = schema.Inspect(t.Context(), conn)
	assert.NoError(t, err)
	drift = c.Drift(live)
	assert.Equal(t, 1, len(drift))
	assert.Equal(t, diff.PrivilegeRevoked, drift[0].Kind)
	assert.True(t, c.Evaluate(drift).Blocked, "breaking: blocked in auto mode")
}

// A snapshot of model 6 records neither partitioning, identity sequence
// options nor column privileges: the live table's are taken as they are;
// promoted, a partition dropped, a lower MAXVALUE and a column privilege
// revoked are seen.
func TestLegacySnapshotWithoutPartitions(t *testing.T) {
	url := pgtest.DB(t)
	pgtest.Exec(t, url, `CREATE TABLE events (id int GENERATED ALWAYS AS IDENTITY (MAXVALUE 100000), at date NOT NULL) PARTITION BY RANGE (at);
		CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
		GRANT SELECT (at) ON events TO PUBLIC`)
	conn := pgtest.Connect(t, url)
	live, err := schema.Inspect(t.Context(), conn)
	assert.NoError(t, err)
	legacy := `{"version": 1, "mode": "auto", "tables": [{"table": "public.events", "locked_at": "2026-11-01T12:00:00Z", "model": 6, "snapshot": {
		"schema": "public", "name": "events",
		"columns": [{"name": "id", "type": "integer", "not_null": true, "identity": "always", "position": 1},
		            {"name": "at", "type": "date", "not_null": true, "position": 2}]}}]}`
	c, err := contract.Parse("legacy.json", []byte(legacy))
	assert.NoError(t, err)
	assert.Equal(t, []diff.Change(nil), c.Drift(live))

	_, err = c.Promote(live, nil, t0)
	assert.NoError(t, err)
	pgtest.Exec(t, url, `DROP TABLE events_2026; ALTER TABLE events ALTER COLUMN id SET MAXVALUE 1000; REVOKE SELECT (at) ON events FROM PUBLIC`)
	live, err = schema.Inspect(t.Context(), conn)
	assert.NoError(t, err)
	drift := c.Drift(live)
	assert.Equal(t, []diff.Kind{diff.ColumnIdentityOptionsChanged, diff.ColumnPrivilegeRevoked, diff.PartitionRemoved}, kinds(drift))
	assert.True(t, c.Evaluate(drift).Blocked)
}
