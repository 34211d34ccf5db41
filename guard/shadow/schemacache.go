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
func (s *Shadow) Schema(ctx context.Context) (*schema.Schema, error) {
	if s.cached != nil {
		return s.cached, nil
	}
	sc, err := schema.Inspect(ctx, s.Querier(), s.p.opts.inspectOptions()...)
	if err != nil {
		return nil, fmt.Errorf("shadow: inspect %s: %w", s.name, err)
	}
	return sc, nil
}

// schemaTable holds, inside a cached template, the template's schema as
// inspected when it was built: one row, keyed by what produced it (see
// schemaKey). It is a guard_ table, which inspection leaves out, in the
// schema where the target keeps its version table and guard_history.
const schemaTable = "guard_template_schema"

// schemaKey names the inspection of a template over conn: how it was
// inspected, by which build of guard, on which server version. A cached
// schema is only read under the same key, so that a guard whose inspection
// differs never mistakes another's result for its own. It is "" when the
// schema is not to be cached.
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

// storeSchema inspects the database of conn (not in a transaction) and
// keeps the result in it, replacing what was kept before. It returns the
// schema.
func (p *Provider) storeSchema(ctx context.Context, conn *pgx.Conn, key string) (*schema.Schema, error) {
	sc, err := schema.Inspect(ctx, conn, p.opts.inspectOptions()...)
	if err != nil {
		return nil, err
	}
	doc, err := json.Marshal(sc)
	if err != nil {
		return nil, err
	}
	err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS `+schemaTable+` (key text PRIMARY KEY, schema_json text NOT NULL)`); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM `+schemaTable); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO `+schemaTable+` (key, schema_json) VALUES ($1, $2)`, key, string(doc))
		return err
	})
	return sc, err
}

// loadSchema reads the schema kept under key in the database of conn (not
// in a transaction); nil when there is none.
func loadSchema(ctx context.Context, conn *pgx.Conn, key string) (*schema.Schema, error) {
	var doc []byte
	err := conn.QueryRow(ctx, `SELECT schema_json FROM `+schemaTable+` WHERE key = $1`, pgx.QueryExecModeSimpleProtocol, key).Scan(&doc)
	var pgErr *pgconn.PgError
	if errors.Is(err, pgx.ErrNoRows) || errors.As(err, &pgErr) && pgErr.Code == pgerrcode.UndefinedTable {
		return nil, nil // built by a guard that kept none
	}
	if err != nil {
		return nil, err
	}
	var sc schema.Schema
	if err := json.Unmarshal(doc, &sc); err != nil {
		return nil, fmt.Errorf("decode the schema kept in %s: %w", schemaTable, err)
	}
	return sc.Canonical(), nil
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
