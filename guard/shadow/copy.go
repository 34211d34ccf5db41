package shadow

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgerrcode"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/schemaguard/guard/guard/source"
	"github.com/schemaguard/guard/internal/dburl"
	"github.com/schemaguard/guard/internal/pgcluster"
	"github.com/schemaguard/guard/internal/sqltext"
)

// Copy returns a new shadow database holding a schema-only copy of the
// database of target, as it is: every object `pg_dump --schema-only` dumps
// (tables, views, materialized views, sequences, functions, procedures,
// triggers, types, domains, extensions, policies, grants, comments), owned
// by the shadow's user (--no-owner), without the version table (the
// shadow's own is created as for any shadow). Roles the copy grants to, and
// roles named in texts (the pending files, which may grant to them), that
// exist on the target's server but not on the shadow's are created there
// as NOLOGIN stand-ins, and dropped with the shadow. The live database is
// at version v of src: the shadow is too (see Shadow.Version), so that the
// files after v step it up, and those up to v down.
//
// pg_dump, not guard's own catalog reading, makes the copy: it is the one
// program that writes every kind of object PostgreSQL has, in an order that
// restores, and it takes a fraction of a second on a usual schema. It must
// be of the target server's major release or newer; without one on the
// machine (or through a transaction pooler, where pg_dump's session
// settings would leak) Copy fails with a *CopyError that says why and
// what to do, and nothing is created.
func (p *Provider) Copy(ctx context.Context, target *pgx.ConnConfig, src *source.Source, v source.Version, texts ...string) (_ *Shadow, err error) {
	if target == nil {
		return nil, errors.New("shadow: copy: nil target config")
	}
	conn, err := connect(ctx, target)
	if err != nil {
		return nil, &CopyError{Reason: fmt.Sprintf("connect to %s: %v", dburl.Describe(target), err), Fix: "check the database URL"}
	}
	var server int
	var roles []string
	err = conn.QueryRow(ctx, `SELECT current_setting('server_version_num')::int,
		coalesce((SELECT array_agg(rolname::text ORDER BY rolname) FROM pg_roles WHERE rolname !~ '^pg_'), '{}')`).Scan(&server, &roles)
	_ = conn.Close(ctx)
	if err != nil {
		return nil, &CopyError{Reason: fmt.Sprintf("read the roles of %s: %v", dburl.Describe(target), err), Fix: "check the database URL"}
	}
	dump, err := p.dump(ctx, target, server/10000)
	if err != nil {
		return nil, err
	}
	sh, err := p.create(ctx, "", src.Upto(source.None, v))
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			err = errors.Join(err, sh.Drop(ctx))
		}
	}()
	if err := p.standIns(ctx, sh, roles, append(texts, dump)); err != nil {
		return nil, err
	}
	if err := p.restore(ctx, sh, dump); err != nil {
		return nil, err
	}
	if err := p.versionTable(ctx, sh); err != nil {
		return nil, err
	}
	p.log.Debug("shadow holds a copy of the live schema", "name", sh.name, "stand_ins", len(sh.standIns))
	return sh, nil
}

// pgDumpVersion reads the major release of pg_dump at path.
func pgDumpVersion(ctx context.Context, path string) (int, error) {
	out, err := exec.CommandContext(ctx, path, "--version").Output()
	if err != nil {
		return 0, err
	}
	m := regexp.MustCompile(`\(PostgreSQL\) (\d+)`).FindSubmatch(out)
	if m == nil {
		return 0, fmt.Errorf("unexpected version %q", bytes.TrimSpace(out))
	}
	return strconv.Atoi(string(m[1]))
}

// findPgDump returns a pg_dump of release major or newer: the one beside the
// server binaries guard would start (pgcluster.BinDir), on $PATH, or in
// /usr/lib/postgresql/*/bin, the newest first.
func findPgDump(ctx context.Context, major int) (string, error) {
	var candidates []string
	if d, err := pgcluster.BinDir(); err == nil {
		candidates = append(candidates, filepath.Join(d, "pg_dump"))
	}
	if p, err := exec.LookPath("pg_dump"); err == nil {
		candidates = append(candidates, p)
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pg_dump")
	slices.Reverse(dirs)
	candidates = append(candidates, dirs...)
	best, bestMajor := "", 0
	for _, c := range candidates {
		v, err := pgDumpVersion(ctx, c)
		if err == nil && v > bestMajor {
			best, bestMajor = c, v
		}
	}
	switch {
	case best == "":
		return "", &CopyError{Reason: "no pg_dump on this machine",
			Fix: fmt.Sprintf("install the PostgreSQL %d client (pg_dump), or bring the live schema back in line with its history", major)}
	case bestMajor < major:
		return "", &CopyError{Reason: fmt.Sprintf("the newest pg_dump on this machine is of PostgreSQL %d, older than the target's server (%d)", bestMajor, major),
			Fix: fmt.Sprintf("install the PostgreSQL %d client (pg_dump), or bring the live schema back in line with its history", major)}
	}
	return best, nil
}

// dump runs pg_dump --schema-only on the target, its password in the
// environment (never on a command line), and returns its output.
func (p *Provider) dump(ctx context.Context, target *pgx.ConnConfig, major int) (string, error) {
	bin, err := findPgDump(ctx, major)
	if err != nil {
		return "", err
	}
	args := []string{"--schema-only", "--no-owner", "--no-subscriptions", "--no-publications", "--no-security-labels",
		"--no-tablespaces", "--lock-wait-timeout=10000", "--quote-all-identifiers"}
	if t := p.opts.versionTable; t.Name != "" && t.Schema != "" {
		args = append(args, "--exclude-table="+t.String())
	}
	// guard's own enforcement (guard contract enforce) is not the app's
	// schema: its event triggers need a superuser to be made again, and
	// would judge the replay.
	args = append(args, "--exclude-schema="+EnforceSchema)
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = libpqEnv(target)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(errOut.String())
		if i := strings.LastIndex(msg, "\n"); i >= 0 {
			msg = msg[i+1:]
		}
		msg = dburl.Scrub(msg, target.Password)
		if msg == "" {
			msg = err.Error()
		}
		return "", &CopyError{Reason: fmt.Sprintf("pg_dump --schema-only of %s: %s", dburl.Describe(target), msg),
			Fix: "the target's user must be able to read every object of the database (pg_dump locks each table in ACCESS SHARE mode)"}
	}
	return out.String(), nil
}

// libpqEnv is the environment that points libpq (pg_dump) at cfg: the
// process's, without its PG* variables (which would point elsewhere), plus
// cfg's.
func libpqEnv(cfg *pgx.ConnConfig) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PG") {
			env = append(env, kv)
		}
	}
	env = append(env, "PGHOST="+cfg.Host, "PGPORT="+strconv.Itoa(int(cfg.Port)), "PGUSER="+cfg.User,
		"PGDATABASE="+cfg.Database, "PGAPPNAME=guard copy", "PGCONNECT_TIMEOUT=10")
	if cfg.Password != "" {
		env = append(env, "PGPASSWORD="+cfg.Password)
	}
	if cfg.TLSConfig == nil {
		env = append(env, "PGSSLMODE=disable")
	} else {
		env = append(env, "PGSSLMODE=require")
	}
	return env
}

// standIns creates, on the shadow's server, a NOLOGIN stand-in for each
// role of the target's server that a text names and the shadow's server
// lacks, marked as guard's by its comment; the shadow drops them.
func (p *Provider) standIns(ctx context.Context, sh *Shadow, roles []string, texts []string) error {
	named := map[string]bool{}
	for _, t := range texts {
		for _, w := range words(t) {
			named[w] = true
		}
	}
	var want []string
	for _, r := range roles {
		if named[r] {
			want = append(want, r)
		}
	}
	if len(want) == 0 {
		return nil
	}
	return p.withAdmin(ctx, func(conn *pgx.Conn) error {
		var have []string
		if err := conn.QueryRow(ctx, `SELECT coalesce(array_agg(rolname::text), '{}') FROM pg_roles WHERE rolname = ANY($1)`, want).Scan(&have); err != nil {
			return fmt.Errorf("shadow: read the roles of the shadow server: %w", err)
		}
		for _, r := range want {
			if slices.Contains(have, r) {
				continue
			}
			id := pgx.Identifier{r}.Sanitize()
			_, err := conn.Exec(ctx, `CREATE ROLE `+id+` NOLOGIN`)
			var pgErr *pgconn.PgError
			switch {
			case errors.As(err, &pgErr) && pgErr.Code == pgerrcode.DuplicateObject:
				continue // another run made it meanwhile
			case err != nil:
				return &CopyError{Reason: fmt.Sprintf("create a stand-in for role %q on the shadow server: %v", r, err),
					Fix: fmt.Sprintf("give the shadow server's user CREATEROLE, or create role %q there", r)}
			}
			sh.standIns = append(sh.standIns, r)
			if _, err := conn.Exec(ctx, `COMMENT ON ROLE `+id+` IS `+quoteLiteral(standInComment+sh.name)); err != nil {
				return fmt.Errorf("shadow: mark stand-in role %q: %w", r, err)
			}
		}
		return nil
	})
}

// standInComment begins the comment of a stand-in role.
const standInComment = "guard stand-in role for shadow "

// dropStandIns drops the stand-in roles a shadow made, once its database
// is gone; one another shadow still uses is left for it (it cannot be
// dropped while objects depend on it).
func (p *Provider) dropStandIns(ctx context.Context, sh *Shadow) error {
	if len(sh.standIns) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	return p.withAdmin(ctx, func(conn *pgx.Conn) error {
		for _, r := range sh.standIns {
			_, err := conn.Exec(ctx, `DROP ROLE IF EXISTS `+pgx.Identifier{r}.Sanitize())
			var pgErr *pgconn.PgError
			if errors.As(err, &pgErr) && pgErr.Code == pgerrcode.DependentObjectsStillExist {
				p.log.Debug("stand-in role still used by another shadow", "role", r)
				continue
			}
			if err != nil {
				return fmt.Errorf("shadow: drop stand-in role %q: %w", r, err)
			}
		}
		return nil
	})
}

// words returns the identifiers of a SQL text, as PostgreSQL folds them:
// unquoted ones in lower case, quoted ones as written.
func words(text string) []string {
	masked := sqltext.Mask(text)
	var out []string
	for i := 0; i < len(text); {
		c := text[i]
		switch {
		case c == '"' && masked[i] == '"':
			j := i + 1
			var b strings.Builder
			for j < len(text) {
				if text[j] == '"' {
					if j+1 < len(text) && text[j+1] == '"' {
						b.WriteByte('"')
						j += 2
						continue
					}
					break
				}
				b.WriteByte(text[j])
				j++
			}
			out = append(out, b.String())
			i = j + 1
		case sqltext.IsIdentByte(c) && masked[i] == c:
			j := i
			for j < len(text) && sqltext.IsIdentByte(text[j]) && masked[j] == text[j] {
				j++
			}
			out = append(out, strings.ToLower(text[i:j]))
			i = j
		default:
			i++
		}
	}
	return out
}

// EnforceSchema is the schema of guard's contract enforcement inside a
// database (guard/enforce), which a copy of the live schema leaves out,
// with the event triggers named after it.
const EnforceSchema = "guard_enforce"

// ownEventTrigger reports whether a line of pg_dump's output begins a
// statement on one of guard's enforcement event triggers.
func ownEventTrigger(line string) bool {
	for _, p := range []string{"CREATE EVENT TRIGGER ", "ALTER EVENT TRIGGER ", "COMMENT ON EVENT TRIGGER "} {
		if rest, ok := strings.CutPrefix(line, p); ok {
			return strings.HasPrefix(strings.TrimPrefix(rest, `"`), EnforceSchema+"_")
		}
	}
	return false
}

// restore runs the dump in the shadow database on a session of its own
// (the dump's settings, search_path among them, stay there). psql's
// meta-commands of the dump (\restrict, \unrestrict) are psql's, not the
// server's: they are left out; any other is refused.
func (p *Provider) restore(ctx context.Context, sh *Shadow, dump string) error {
	var sql strings.Builder
	sc := bufio.NewScanner(strings.NewReader(dump))
	sc.Buffer(make([]byte, 1<<20), 1<<30)
	skipping := false // a statement of guard's event triggers, to its end
	for sc.Scan() {
		line := sc.Text()
		if ownEventTrigger(line) {
			skipping = true
		}
		if skipping {
			skipping = !strings.HasSuffix(strings.TrimSpace(line), ";")
			continue
		}
		if strings.HasPrefix(line, `\`) {
			if strings.HasPrefix(line, `\restrict`) || strings.HasPrefix(line, `\unrestrict`) {
				continue
			}
			return &CopyError{Reason: fmt.Sprintf("pg_dump wrote a psql meta-command guard cannot run: %.40s", line), Fix: "report this with the output of pg_dump --schema-only"}
		}
		sql.WriteString(line)
		sql.WriteByte('\n')
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("shadow: read pg_dump's output: %w", err)
	}
	conn, err := connect(ctx, sh.cfg)
	if err != nil {
		return fmt.Errorf("shadow: connect to %s: %w", dburl.Describe(sh.cfg), err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.PgConn().Exec(ctx, sql.String()).ReadAll(); err != nil {
		reason := err.Error()
		hint := "see the server's message; the shadow server must have what the live database has (extensions, collations)"
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) {
			reason = pgErr.Message
			if pgErr.Code == pgerrcode.UndefinedFile || strings.Contains(pgErr.Message, "extension") {
				hint = "install the extension on the shadow server (or use --shadow-url with a server that has it)"
			}
		}
		return &CopyError{Reason: "restore the copy in shadow " + sh.name + ": " + reason, Fix: hint}
	}
	return nil
}
