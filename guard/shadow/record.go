package shadow

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"slices"
	"strings"
	"sync"

	"github.com/jackc/pgerrcode"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/schemaguard/guard/guard/schema"
)

// WithInspection sets what Shadow.Schema reads: the schemas in scope
// (default "public") and the tables left out, as schema.WithSchemas and
// schema.WithExcludeTables take them. With the template cache on, each
// cached template also keeps its schema, inspected this way when it was
// built, so that the schema of a shadow fresh from the template costs no
// inspection.
func WithInspection(schemas, excludeTables []string) Option {
	return func(o *options) error {
		if len(schemas) == 0 {
			schemas = []string{"public"}
		}
		o.inspectSchemas = slices.Compact(slices.Sorted(slices.Values(schemas)))
		o.inspectExclude = slices.Compact(slices.Sorted(slices.Values(excludeTables)))
		return nil
	}
}

func (o *options) inspectOptions() []schema.Option {
	if o.inspectSchemas == nil {
		return nil
	}
	return []schema.Option{schema.WithSchemas(o.inspectSchemas...), schema.WithExcludeTables(o.inspectExclude...)}
}

// Schema returns the shadow's schema, as WithInspection says to read it.
// A shadow still exactly as its cached template was made (no Step or
// Migrate since) returns the schema kept with the template, which the caller
// must not modify; any other is inspected.
//
// After a file replayed with StepObserved, only what the file may have
// changed is read again (schema.Reinspect: the tables its session holds
// locks on, and the kinds of object its statements make or alter; see
// scope.go); any other change reads the whole schema.
func (s *Shadow) Schema(ctx context.Context) (*schema.Schema, error) {
	if s.cached != nil {
		s.last, s.since = s.cached, &schema.Scope{}
		return s.cached, nil
	}
	if s.last != nil && s.since != nil && s.since.Empty() {
		s.partial++
		return s.last, nil // a file that wrote rows only
	}
	var sc *schema.Schema
	var err error
	if s.last != nil && s.since != nil {
		s.partial++
		sc, err = schema.Reinspect(ctx, s.querier(), s.last, *s.since, s.p.opts.inspectOptions()...)
	} else {
		sc, err = schema.Inspect(ctx, s.querier(), s.p.opts.inspectOptions()...)
	}
	if err != nil {
		s.last, s.since = nil, nil
		return nil, fmt.Errorf("shadow: inspect %s: %w", s.name, err)
	}
	s.last, s.since = sc, &schema.Scope{}
	return sc, nil
}

// recordTable is guard's record inside each cached template, one row:
// when a view last used the template (a view reads it with what it reads
// first anyway, where the database's comment would cost another catalog
// lookup), and the template's schema as inspected when it was built, under
// the key of what produced it (see schemaKey). It is a guard_ table, which
// inspection leaves out, in the session's current schema (as a version
// table is).
const recordTable = "guard_template"

// record is the schema part of the row of recordTable.
type record struct {
	schemaKey string
	schema    []byte // JSON; nil when none was kept
}

// writeRecord (re)writes the record of the database conn is connected to
// (outside a transaction): used now and, when key is not "", its schema,
// inspected now and returned.
func (p *Provider) writeRecord(ctx context.Context, conn *pgx.Conn, key string) (*schema.Schema, error) {
	var sc *schema.Schema
	var doc []byte
	if key != "" {
		var err error
		if sc, err = schema.Inspect(ctx, conn, p.opts.inspectOptions()...); err != nil {
			return nil, err
		}
		if doc, err = json.Marshal(sc); err != nil {
			return nil, err
		}
	}
	err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS `+recordTable+` (used_at timestamptz NOT NULL, schema_key text NOT NULL, schema_json text)`)
		if err == nil {
			_, err = tx.Exec(ctx, `DELETE FROM `+recordTable)
		}
		if err == nil {
			_, err = tx.Exec(ctx, `INSERT INTO `+recordTable+` VALUES (clock_timestamp(), $1, $2)`, key, nullable(doc))
		}
		return err
	})
	return sc, err
}

func nullable(doc []byte) *string {
	if doc == nil {
		return nil
	}
	s := string(doc)
	return &s
}

// decode returns the schema the record keeps under key, or nil.
func (r record) decode(key string) (*schema.Schema, error) {
	if key == "" || r.schemaKey != key || r.schema == nil {
		return nil, nil
	}
	var sc schema.Schema
	if err := json.Unmarshal(r.schema, &sc); err != nil {
		return nil, fmt.Errorf("decode the schema kept in %s: %w", recordTable, err)
	}
	return sc.Canonical(), nil
}

// readRecord reads the record of the database conn is connected to
// (outside a transaction); ok is false when there is none.
func readRecord(ctx context.Context, conn *pgx.Conn) (r record, ok bool, err error) {
	err = conn.QueryRow(ctx, `SELECT schema_key, schema_json FROM `+recordTable, pgx.QueryExecModeSimpleProtocol).
		Scan(&r.schemaKey, &r.schema)
	if errors.Is(err, pgx.ErrNoRows) || undefinedTable(err) {
		return r, false, nil
	}
	return r, err == nil, err
}

// undefinedTable reports whether err says that a table does not exist.
func undefinedTable(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == pgerrcode.UndefinedTable
}

// schemaKey names the inspection of a template over conn: how it was
// inspected, by which build of guard, on which server version. A kept
// schema is only read under the same key, so that a guard whose inspection
// differs never mistakes another's result for its own. It is "" when no
// schema is to be kept.
func (p *Provider) schemaKey(conn *pgx.Conn) string {
	build := buildIdentity()
	if p.opts.inspectSchemas == nil || build == "" {
		return ""
	}
	h := sha256.New()
	fmt.Fprintf(h, "guard template schema 1\x00%s\x00%s\x00", build, conn.PgConn().ParameterStatus("server_version"))
	fmt.Fprintf(h, "%q\x00%q", p.opts.inspectSchemas, p.opts.inspectExclude)
	return hex.EncodeToString(h.Sum(nil))
}

// guardModule is the module path of guard, as build information names it.
const guardModule = "github.com/schemaguard/guard"

// buildIdentity names the running build of guard: its module version when
// that names one exact source (a release, or a commit built clean), else the
// executable's path, size and modification time. It is "" when neither can
// be had.
var buildIdentity = sync.OnceValue(func() string {
	if info, ok := debug.ReadBuildInfo(); ok {
		exact := func(v string) bool { return v != "" && v != "(devel)" && !strings.HasSuffix(v, "+dirty") }
		if info.Main.Path == guardModule && exact(info.Main.Version) {
			return "module " + info.Main.Version
		}
		for _, d := range info.Deps {
			if d.Path == guardModule && d.Replace == nil && exact(d.Version) {
				return "module " + d.Version + " " + d.Sum
			}
		}
	}
	exe, err := os.Executable()
	if err != nil {
		return ""
	}
	st, err := os.Stat(exe)
	if err != nil {
		return ""
	}
	return fmt.Sprintf("executable %s %d %d", exe, st.Size(), st.ModTime().UnixNano())
})
