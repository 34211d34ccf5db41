package enforce

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgerrcode"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/schemaguard/guard/guard/contract"
	"github.com/schemaguard/guard/guard/schema"
)

// Schema is guard's own schema in the target that holds the enforced
// contract and the event triggers' functions. Like guard_serve, it is
// guard's alone: never in the schemas guard inspects.
const Schema = "guard_enforce"

// The event triggers Install creates (database objects, not in a schema).
const (
	TriggerDDLCommandEnd = "guard_enforce_ddl_command_end"
	TriggerSQLDrop       = "guard_enforce_sql_drop"
)

// PassSetting is the setting that carries guard migrate's pass (see Begin).
const PassSetting = "guard.enforce_pass"

// format is the version of the tables install.sql creates.
const format = 1

//go:embed sql/install.sql
var installSQL string

//go:embed sql/remove.sql
var removeSQL string

// lockKey serialises Install, Sync and Remove on one database.
const lockKey = int64(0x6775617264656e66) // "guardenf"

// Result says what Install or Sync put in the database.
type Result struct {
	Mode        contract.Mode `json:"mode"`
	Fingerprint string        `json:"fingerprint"`
	// Enforced are the locked tables and views found in the database, now
	// enforced.
	Enforced []string `json:"enforced"`
	// Missing are locked tables and views the database does not have (yet): they are
	// enforced from the first sync after the migration that creates them
	// (guard migrate up syncs).
	Missing []string `json:"missing"`
	// Unjudged are the columns ("public.users.email") the contract holds
	// otherwise than the database has them (a promoted change a migration is
	// about to make): left alone until synced again.
	Unjudged []string `json:"unjudged"`
}

// Option configures Install.
type Option func(*options) error

type options struct{ migrators []string }

// WithMigrators grants the roles that run guard migrate (when they are not
// superusers) what they need to pass their migrations through and to sync
// the contract after a promotion: the rows of guard_enforce. Such a role
// can then also change what is enforced, as it can change the tables.
func WithMigrators(roles ...string) Option {
	return func(o *options) error {
		for _, r := range roles {
			if strings.TrimSpace(r) == "" {
				return errors.New("empty migrator role name")
			}
		}
		o.migrators = append(o.migrators, roles...)
		return nil
	}
}

// Fingerprint is the sha256 (hex) of the contract's canonical JSON: what
// tells whether the database's copy is the contract file's.
func Fingerprint(c *contract.Contract) (string, error) {
	b, err := c.Marshal()
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

// Install creates, in one transaction, guard_enforce (the enforced contract
// and the functions) and the event triggers on ddl_command_end and sql_drop,
// and syncs c into it (see Sync). Installing again upgrades in place. It
// needs a superuser: for any other role it returns a *PrivilegeError and
// changes nothing. It is safe to run concurrently with itself (serialised on
// an advisory lock).
func Install(ctx context.Context, conn *pgx.Conn, c *contract.Contract, opts ...Option) (*Result, error) {
	var o options
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return nil, fmt.Errorf("install contract enforcement: %w", err)
		}
	}
	if err := requireSuperuser(ctx, conn, "install"); err != nil {
		return nil, err
	}
	var res *Result
	err := inTx(ctx, conn, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, installSQL, pgx.QueryExecModeSimpleProtocol); err != nil {
			return fmt.Errorf("create %s: %w", Schema, err)
		}
		for _, role := range o.migrators {
			r := pgx.Identifier{role}.Sanitize()
			grant := `GRANT USAGE ON SCHEMA guard_enforce TO ` + r + `;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA guard_enforce TO ` + r + `;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA guard_enforce TO ` + r
			if _, err := tx.Exec(ctx, grant, pgx.QueryExecModeSimpleProtocol); err != nil {
				return fmt.Errorf("grant %s to migrator role %s: %w", Schema, role, err)
			}
		}
		var err error
		res, err = sync(ctx, tx, c)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("install contract enforcement: %w", err)
	}
	return res, nil
}

// Sync replaces the contract enforced in the database with c: its mode and
// fingerprint, and for each locked table found in the database its OID and
// the shape of its columns. A locked table the database lacks is reported
// Missing; a column the contract holds otherwise than the database is
// reported Unjudged. It fails with a *NotInstalledError (ErrNotInstalled)
// when enforcement is not installed.
func Sync(ctx context.Context, conn *pgx.Conn, c *contract.Contract) (*Result, error) {
	var res *Result
	err := inTx(ctx, conn, func(tx pgx.Tx) error {
		ok, err := installed(ctx, tx)
		if err != nil {
			return err
		}
		if !ok {
			return &NotInstalledError{Action: "sync"}
		}
		res, err = sync(ctx, tx, c)
		return err
	})
	if err != nil {
		if errors.Is(err, ErrNotInstalled) {
			return nil, err
		}
		return nil, fmt.Errorf("sync contract enforcement: %w", err)
	}
	return res, nil
}

// SyncIfInstalled is Sync when enforcement is installed; otherwise it
// does nothing and returns nil, nil.
func SyncIfInstalled(ctx context.Context, conn *pgx.Conn, c *contract.Contract) (*Result, error) {
	res, err := Sync(ctx, conn, c)
	if errors.Is(err, ErrNotInstalled) {
		return nil, nil
	}
	return res, err
}

func sync(ctx context.Context, tx pgx.Tx, c *contract.Contract) (*Result, error) {
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, lockKey); err != nil {
		return nil, err
	}
	fp, err := Fingerprint(c)
	if err != nil {
		return nil, err
	}
	res := &Result{Mode: c.Mode, Fingerprint: fp, Enforced: []string{}, Missing: []string{}, Unjudged: []string{}}
	var schemas []string
	for _, lt := range c.Tables {
		if !slices.Contains(schemas, lt.Snapshot.Schema) {
			schemas = append(schemas, lt.Snapshot.Schema)
		}
	}
	for _, lv := range c.Views {
		if !slices.Contains(schemas, lv.Snapshot.Schema) {
			schemas = append(schemas, lv.Snapshot.Schema)
		}
	}
	live := &schema.Schema{}
	if len(schemas) > 0 {
		if live, err = schema.Inspect(ctx, tx, schema.WithSchemas(schemas...)); err != nil {
			return nil, err
		}
	}
	if _, err := tx.Exec(ctx, `DELETE FROM guard_enforce.columns; DELETE FROM guard_enforce.locked`, pgx.QueryExecModeSimpleProtocol); err != nil {
		return nil, err
	}
	for i := range c.Tables {
		lt := &c.Tables[i]
		t := live.Table(lt.Snapshot.Schema, lt.Snapshot.Name)
		var relid uint32
		err := tx.QueryRow(ctx, `SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
			WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p')`, lt.Snapshot.Schema, lt.Snapshot.Name).Scan(&relid)
		if errors.Is(err, pgx.ErrNoRows) || (err == nil && t == nil) {
			res.Missing = append(res.Missing, lt.Table)
			continue
		}
		if err != nil {
			return nil, err
		}
		var judged []string
		for _, lc := range t.Columns {
			i := slices.IndexFunc(lt.Snapshot.Columns, func(sc schema.Column) bool { return sc.Name == lc.Name })
			if i >= 0 && sameColumn(lt.Snapshot.Columns[i], lc) {
				judged = append(judged, lc.Name)
			} else {
				res.Unjudged = append(res.Unjudged, lt.Table+"."+schema.QuoteIdent(lc.Name))
			}
		}
		var aclJudged []string
		for _, lc := range t.Columns {
			if slices.Equal(columnGrants(lt.Snapshot.ColumnGrants, lc.Name), columnGrants(t.ColumnGrants, lc.Name)) {
				aclJudged = append(aclJudged, lc.Name)
			}
		}
		grantsJudged := slices.Equal(lt.Snapshot.Grants, t.Grants)
		if err := store(ctx, tx, relid, "table", lt.Snapshot.Schema, lt.Snapshot.Name, lt.Table, c.EffectiveMode(lt), false, judged); err != nil {
			return nil, err
		}
		if _, err := tx.Exec(ctx, `UPDATE guard_enforce.locked SET grants = guard_enforce.acl(relid, 0::smallint), grants_judged = $2 WHERE relid = $1`,
			relid, grantsJudged); err != nil {
			return nil, fmt.Errorf("store the privileges of locked table %s: %w", lt.Table, err)
		}
		if _, err := tx.Exec(ctx, `UPDATE guard_enforce.columns SET acl = guard_enforce.acl(relid, attnum), acl_judged = name = ANY($2::text[]) WHERE relid = $1`,
			relid, aclJudged); err != nil {
			return nil, fmt.Errorf("store the column privileges of locked table %s: %w", lt.Table, err)
		}
		res.Enforced = append(res.Enforced, lt.Table)
	}
	for i := range c.Views {
		lv := &c.Views[i]
		var v *schema.View
		for j := range live.Views {
			if live.Views[j].Schema == lv.Snapshot.Schema && live.Views[j].Name == lv.Snapshot.Name {
				v = &live.Views[j]
			}
		}
		var relid uint32
		err := tx.QueryRow(ctx, `SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
			WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('v', 'm')`, lv.Snapshot.Schema, lv.Snapshot.Name).Scan(&relid)
		if errors.Is(err, pgx.ErrNoRows) || (err == nil && v == nil) {
			res.Missing = append(res.Missing, lv.View)
			continue
		}
		if err != nil {
			return nil, err
		}
		var judged []string
		for _, lc := range v.Columns {
			if slices.Contains(lv.Snapshot.Columns, lc) {
				judged = append(judged, lc.Name)
			} else {
				res.Unjudged = append(res.Unjudged, lv.View+"."+schema.QuoteIdent(lc.Name))
			}
		}
		defJudged := lv.Snapshot.Definition == v.Definition && lv.Snapshot.Materialized == v.Materialized
		if err := store(ctx, tx, relid, "view", lv.Snapshot.Schema, lv.Snapshot.Name, lv.View, c.EffectiveViewMode(lv), defJudged, judged); err != nil {
			return nil, err
		}
		res.Enforced = append(res.Enforced, lv.View)
	}
	slices.Sort(res.Enforced)
	slices.Sort(res.Missing)
	if _, err := tx.Exec(ctx, `INSERT INTO guard_enforce.state (format, mode, fingerprint) VALUES ($1, $2, $3)
		ON CONFLICT (singleton) DO UPDATE SET format = excluded.format, mode = excluded.mode, fingerprint = excluded.fingerprint,
			synced_at = clock_timestamp(), synced_by = current_user`, format, string(c.Mode), fp); err != nil {
		return nil, fmt.Errorf("store the contract's mode: %w", err)
	}
	// What was just stored is the database as it is: nothing may be a
	// violation now.
	var bad []string
	rows, err := tx.Query(ctx, `SELECT l.qualified || ': ' || array_to_string(v, '; ')
		FROM guard_enforce.locked l, guard_enforce.violations(l) v WHERE cardinality(v) > 0`)
	if err != nil {
		return nil, err
	}
	if bad, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
		return nil, err
	}
	if len(bad) > 0 {
		return nil, fmt.Errorf("the stored shapes do not match the database (a bug in guard): %s", strings.Join(bad, ", "))
	}
	return res, nil
}

// store stores one locked table or view and its columns as the catalog
// has them now; judged are the columns the contract holds as they are.
func store(ctx context.Context, tx pgx.Tx, relid uint32, kind, schemaName, name, qualified string, mode contract.Mode, defJudged bool, judged []string) error {
	if _, err := tx.Exec(ctx, `INSERT INTO guard_enforce.locked (relid, kind, schema_name, table_name, qualified, mode, indexes, definition, definition_judged)
		VALUES ($1, $2, $3, $4, $5, $6,
			(SELECT coalesce(array_agg(i.indexrelid), '{}') FROM pg_index i WHERE i.indrelid = $1),
			CASE WHEN $2 = 'view' THEN guard_enforce.view_query($1, $6 = 'strict') ELSE '' END, $7)`,
		relid, kind, schemaName, name, qualified, string(mode), defJudged); err != nil {
		return fmt.Errorf("store locked %s %s: %w", kind, qualified, err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO guard_enforce.columns
		SELECT $1, s.attnum, s.name, s.type, s.not_null, s.collation_name, s.default_expr, s.identity, s.generated, s.name = ANY($2::text[])
		FROM guard_enforce.shape($1) s`, relid, judged); err != nil {
		return fmt.Errorf("store the columns of locked %s %s: %w", kind, qualified, err)
	}
	return nil
}

// columnGrants returns the grants of one column, as "grantee:PRIVILEGE".
func columnGrants(grants []schema.ColumnGrant, column string) []string {
	out := []string{}
	for _, g := range grants {
		if g.Column == column {
			out = append(out, g.Grantee+":"+g.Privilege)
		}
	}
	slices.Sort(out)
	return out
}

// sameColumn reports whether two columns have the same shape, whatever
// their identities and positions.
func sameColumn(a, b schema.Column) bool {
	a.Attnum, b.Attnum, a.Position, b.Position = 0, 0, 0, 0
	return a == b
}

// Trigger is one of the event triggers as the catalog has it.
type Trigger struct {
	Name    string `json:"name"`
	Event   string `json:"event"`
	Enabled bool   `json:"enabled"`
}

// TableStatus is one locked table as enforced in the database.
type TableStatus struct {
	Table   string        `json:"table"` // qualified name of the table or view
	Kind    string        `json:"kind"`  // "table" or "view"
	Mode    contract.Mode `json:"mode"`
	Columns int           `json:"columns"`
	// Unjudged are the columns the contract held otherwise than the
	// database at the last sync (see Result.Unjudged).
	Unjudged []string `json:"unjudged"`
}

// State is the enforcement in a database, compared with a contract file.
type State struct {
	Installed bool `json:"installed"`
	// Mode and Fingerprint are of the contract in the database.
	Mode        contract.Mode `json:"mode,omitempty"`
	Fingerprint string        `json:"fingerprint,omitempty"`
	SyncedAt    *time.Time    `json:"synced_at,omitempty"`
	// ContractFingerprint is the contract file's; InSync is true when the
	// database enforces exactly that contract.
	ContractFingerprint string        `json:"contract_fingerprint"`
	InSync              bool          `json:"in_sync"`
	EventTriggers       []Trigger     `json:"event_triggers"`
	Tables              []TableStatus `json:"tables"`
	// Missing are tables the contract file locks that the database does
	// not enforce (not in the database at the last sync, or locked since).
	Missing  []string `json:"missing"`
	Warnings []string `json:"warnings"`
}

// Status reads the enforcement installed in the database and compares it
// with c (the contract file). It changes nothing; enforcement not being
// installed is a State with Installed false, not an error.
func Status(ctx context.Context, conn *pgx.Conn, c *contract.Contract) (*State, error) {
	fp, err := Fingerprint(c)
	if err != nil {
		return nil, err
	}
	st := &State{ContractFingerprint: fp, EventTriggers: []Trigger{}, Tables: []TableStatus{}, Missing: []string{}, Warnings: []string{}}
	rows, err := conn.Query(ctx, `SELECT evtname::text, evtevent::text, evtenabled <> 'D' FROM pg_event_trigger
		WHERE evtname IN ($1, $2) ORDER BY evtname`, TriggerDDLCommandEnd, TriggerSQLDrop)
	if err != nil {
		return nil, fmt.Errorf("read contract enforcement: %w", err)
	}
	if st.EventTriggers, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Trigger, error) {
		var t Trigger
		err := r.Scan(&t.Name, &t.Event, &t.Enabled)
		return t, err
	}); err != nil {
		return nil, fmt.Errorf("read contract enforcement: %w", err)
	}
	ok, err := installed(ctx, conn)
	if err != nil {
		return nil, fmt.Errorf("read contract enforcement: %w", err)
	}
	if !ok {
		if len(st.EventTriggers) > 0 {
			st.Warnings = append(st.Warnings, "event triggers of guard are left without "+Schema+": run guard contract enforce remove")
		}
		return st, nil
	}
	st.Installed = true
	var mode string
	var at time.Time
	err = conn.QueryRow(ctx, `SELECT mode, fingerprint, synced_at FROM guard_enforce.state`).Scan(&mode, &st.Fingerprint, &at)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
	case err != nil:
		return nil, fmt.Errorf("read contract enforcement: %w", permission(err))
	default:
		st.Mode, st.SyncedAt = contract.Mode(mode), &at
	}
	st.InSync = st.Fingerprint == fp
	rows, err = conn.Query(ctx, `SELECT l.qualified, l.kind, l.mode, count(c.attnum)::int,
			coalesce(array_agg(l.qualified || '.' || quote_ident(c.name) ORDER BY c.attnum) FILTER (WHERE NOT c.judged), '{}')
		FROM guard_enforce.locked l LEFT JOIN guard_enforce.columns c ON c.relid = l.relid
		GROUP BY l.qualified, l.kind, l.mode ORDER BY l.qualified`)
	if err != nil {
		return nil, fmt.Errorf("read contract enforcement: %w", permission(err))
	}
	if st.Tables, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (TableStatus, error) {
		var t TableStatus
		var m string
		err := r.Scan(&t.Table, &t.Kind, &m, &t.Columns, &t.Unjudged)
		t.Mode = contract.Mode(m)
		return t, err
	}); err != nil {
		return nil, fmt.Errorf("read contract enforcement: %w", permission(err))
	}
	enforced := func(q string) bool {
		return slices.ContainsFunc(st.Tables, func(t TableStatus) bool { return t.Table == q })
	}
	for _, lt := range c.Tables {
		if !enforced(lt.Table) {
			st.Missing = append(st.Missing, lt.Table)
		}
	}
	for _, lv := range c.Views {
		if !enforced(lv.View) {
			st.Missing = append(st.Missing, lv.View)
		}
	}
	slices.Sort(st.Missing)
	if len(st.EventTriggers) < 2 {
		st.Warnings = append(st.Warnings, "an event trigger of guard is missing: run guard contract enforce install again")
	}
	for _, t := range st.EventTriggers {
		if !t.Enabled {
			st.Warnings = append(st.Warnings, "event trigger "+t.Name+" is disabled: nothing is enforced on "+t.Event)
		}
	}
	if !st.InSync {
		st.Warnings = append(st.Warnings, "the database enforces another contract than the contract file: run guard contract enforce sync")
	}
	return st, nil
}

// permission explains an insufficient_privilege error reading guard_enforce.
func permission(err error) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == pgerrcode.InsufficientPrivilege {
		return fmt.Errorf("%w (as a superuser, or a role given to guard contract enforce install --migrator)", err)
	}
	return err
}

// RemoveResult says what Remove did.
type RemoveResult struct {
	Removed bool `json:"removed"` // false: nothing was installed
}

// Remove drops the event triggers and guard_enforce with everything in it,
// in one transaction. Nothing installed is a result (Removed false), not an
// error. It needs a superuser (*PrivilegeError otherwise, nothing changed).
func Remove(ctx context.Context, conn *pgx.Conn) (*RemoveResult, error) {
	if err := requireSuperuser(ctx, conn, "remove"); err != nil {
		return nil, err
	}
	res := &RemoveResult{}
	err := inTx(ctx, conn, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, lockKey); err != nil {
			return err
		}
		err := tx.QueryRow(ctx, `SELECT to_regnamespace($1) IS NOT NULL OR EXISTS (SELECT FROM pg_event_trigger WHERE evtname IN ($2, $3))`,
			Schema, TriggerDDLCommandEnd, TriggerSQLDrop).Scan(&res.Removed)
		if err != nil || !res.Removed {
			return err
		}
		_, err = tx.Exec(ctx, removeSQL, pgx.QueryExecModeSimpleProtocol)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("remove contract enforcement: %w", err)
	}
	return res, nil
}

// Installed reports whether enforcement is installed in the database.
func Installed(ctx context.Context, conn *pgx.Conn) (bool, error) { return installed(ctx, conn) }

type querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

func installed(ctx context.Context, q querier) (bool, error) {
	var ok bool
	// The catalogs, not to_regclass: a role without USAGE on guard_enforce
	// may still ask.
	err := q.QueryRow(ctx, `SELECT EXISTS (SELECT FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = 'guard_enforce' AND c.relname = 'state')`).Scan(&ok)
	return ok, err
}

func requireSuperuser(ctx context.Context, conn *pgx.Conn, action string) error {
	var role string
	var super bool
	if err := conn.QueryRow(ctx, `SELECT current_user::text, rolsuper FROM pg_roles WHERE rolname = current_user`).Scan(&role, &super); err != nil {
		return fmt.Errorf("%s contract enforcement: check the role: %w", action, err)
	}
	if !super {
		return &PrivilegeError{Role: role, Action: action}
	}
	return nil
}

func inTx(ctx context.Context, conn *pgx.Conn, fn func(pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, conn, fn)
}

// Pass lets guard migrate's own, already judged, migrations through the
// event triggers. See Begin.
type Pass struct{ token string }

// Begin writes a pass for guard migrate's run into the database when
// enforcement is installed (nil, nil when it is not): the sha256 of a
// random token, in guard_enforce.passes. A command passes the triggers only
// in a transaction whose guard.enforce_pass setting is that token (Setting):
// guard migrate sets it with SET LOCAL at the start of each file's
// transaction, and on the session of the files that run outside a
// transaction. End deletes the pass. The token is never printed.
func Begin(ctx context.Context, conn *pgx.Conn) (*Pass, error) {
	ok, err := installed(ctx, conn)
	if err != nil || !ok {
		return nil, err
	}
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	p := &Pass{token: hex.EncodeToString(b)}
	// Passes a killed guard left are useless (nobody has their token):
	// collect the old ones.
	if _, err := conn.Exec(ctx, `DELETE FROM guard_enforce.passes WHERE created_at < clock_timestamp() - interval '1 day'`); err != nil {
		return nil, fmt.Errorf("write guard migrate's pass through contract enforcement: %w", permission(err))
	}
	if _, err := conn.Exec(ctx, `INSERT INTO guard_enforce.passes (digest, created_by) VALUES ($1, session_user)`, p.digest()); err != nil {
		return nil, fmt.Errorf("write guard migrate's pass through contract enforcement: %w", permission(err))
	}
	return p, nil
}

func (p *Pass) digest() string {
	sum := sha256.Sum256([]byte(p.token))
	return hex.EncodeToString(sum[:])
}

// Setting returns the setting's name and value that make a transaction
// pass.
func (p *Pass) Setting() (name, value string) { return PassSetting, p.token }

// ApplicationName returns the application_name that makes a session pass
// where no other setting reaches the server: the session of the files run
// outside a transaction behind a transaction pooler, which passes
// application_name on (and nothing else). It carries the token, which
// pg_stat_activity shows while that session is connected and the pass is
// there (guard migrate's run).
func (p *Pass) ApplicationName() string { return "guard-pass-" + p.token }

// End deletes the pass.
func (p *Pass) End(ctx context.Context, conn *pgx.Conn) error {
	if _, err := conn.Exec(ctx, `DELETE FROM guard_enforce.passes WHERE digest = $1`, p.digest()); err != nil {
		return fmt.Errorf("delete guard migrate's pass through contract enforcement: %w", err)
	}
	return nil
}
