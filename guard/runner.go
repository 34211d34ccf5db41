package guard

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"

	"github.com/schemaguard/guard/guard/contract"
	"github.com/schemaguard/guard/guard/schema"
	"github.com/schemaguard/guard/internal/dburl"
	"github.com/schemaguard/guard/internal/migrator"
)

// Runner applies the migrations of one source to one database, safely: it
// plans in a shadow database, gates on the contract, holds guard's own lock
// and records what it applies. A Runner holds no connection between calls
// and is safe for concurrent use; concurrent calls (in this process or any
// other) take turns on guard's lock.
type Runner struct {
	cfg *pgx.ConnConfig
	src *migrator.Source
	c   config
	log *slog.Logger
}

// New returns a Runner for the database described by cfg and the migration
// files at the root of migrations (os.DirFS("migrations"), or fs.Sub of an
// embed.FS), named {version}_{title}.up.sql and .down.sql as golang-migrate
// names them. It reads the files and the contract (WithContract) but does
// not connect. It fails on a nil argument, a bad option, a migrations folder
// with no migration, a .sql file golang-migrate would silently skip,
// duplicate versions, and a corrupt contract file.
func New(cfg *pgx.ConnConfig, migrations fs.FS, opts ...Option) (*Runner, error) {
	if cfg == nil {
		return nil, errors.New("guard: nil connection config")
	}
	if migrations == nil {
		return nil, errors.New("guard: nil migrations fs.FS")
	}
	c := config{
		schemas:         []string{"public"},
		migrationsTable: DefaultMigrationsTable,
		lockWait:        DefaultLockWait,
		lockTimeout:     DefaultLockTimeout,
		lockRetries:     DefaultLockRetries,
		retryBackoff:    time.Second,
		clock:           time.Now,
		sourceName:      "migrations",
	}
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(&c); err != nil {
			return nil, fmt.Errorf("guard: %w", err)
		}
	}
	if c.logger == nil {
		c.logger = slog.New(slog.DiscardHandler)
	}
	src, err := migrator.Load(migrations, ".", c.sourceName)
	if err != nil {
		return nil, err
	}
	if c.contractPath != "" {
		if _, err := contract.Load(c.contractPath); err != nil {
			return nil, err
		}
	}
	return &Runner{cfg: cfg.Copy(), src: src, c: c, log: c.logger}, nil
}

// Migrations returns the migrations of the source, in version order.
func (r *Runner) Migrations() []Migration {
	out := make([]Migration, len(r.src.Migrations))
	for i, m := range r.src.Migrations {
		out[i] = publicMigration(m)
	}
	return out
}

// Head returns the source's last version.
func (r *Runner) Head() uint64 { return r.src.Head() }

func publicMigration(m migrator.Migration) Migration {
	return Migration{Version: m.Version, Name: m.Name, Up: m.Up, Down: m.Down}
}

func (r *Runner) emit(e Event) {
	if r.c.progress != nil {
		r.c.progress(e)
	}
}

func (r *Runner) contract() (*contract.Contract, error) {
	if r.c.contractPath == "" {
		return contract.New(), nil
	}
	return contract.Load(r.c.contractPath)
}

func (r *Runner) inspectOptions() []schema.Option {
	return []schema.Option{schema.WithSchemas(r.c.schemas...), schema.WithExcludeTables(r.c.migrationsTable)}
}

// describe names the target without password.
func (r *Runner) describe() string { return dburl.Describe(r.cfg) }

// once runs a query in one round trip (the simple protocol) rather than
// preparing it first: the session's queries run once per connection.
const once = pgx.QueryExecModeSimpleProtocol

// session is guard's dedicated connection to the target: it holds guard's
// advisory lock, reads the version and the history, and inspects the live
// schema.
type session struct {
	r      *Runner
	conn   *pgx.Conn
	dbName string
	schema string // of the version table
	server int    // server_version_num
	key    int64  // guard's lock key
	locked bool
}

// appName is the application_name of guard's lock session, which a waiting
// guard shows when it times out.
func appName() string {
	host, _ := os.Hostname()
	name := fmt.Sprintf("guard migrate pid=%d host=%s", os.Getpid(), host)
	if len(name) > 63 {
		name = name[:63]
	}
	return name
}

// open connects guard's session and, when lock is true, takes guard's lock.
func (r *Runner) open(ctx context.Context, lock bool) (*session, error) {
	cfg := r.cfg.Copy()
	if cfg.RuntimeParams == nil {
		cfg.RuntimeParams = map[string]string{}
	}
	cfg.RuntimeParams["application_name"] = appName()
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = 10 * time.Second
	}
	cfg.BuildContextWatcherHandler = func(pc *pgconn.PgConn) ctxwatch.Handler {
		return &pgconn.CancelRequestContextWatcherHandler{Conn: pc, DeadlineDelay: 2 * time.Second}
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, &ConnectError{Database: r.describe(), Err: r.scrub(err)}
	}
	s := &session{r: r, conn: conn}
	var schemaName *string
	err = conn.QueryRow(ctx, `SELECT current_database(), current_schema(), current_setting('server_version_num')::int`, once).Scan(&s.dbName, &schemaName, &s.server)
	if err != nil {
		return nil, errors.Join(fmt.Errorf("read settings of %s: %w", r.describe(), r.scrub(err)), s.close(ctx))
	}
	if schemaName == nil {
		return nil, errors.Join(fmt.Errorf("open %s: no current schema (check search_path) to hold the %s table", r.describe(), r.c.migrationsTable), s.close(ctx))
	}
	s.schema = *schemaName
	s.key = lockKey(s.dbName, s.schema, r.c.migrationsTable)
	r.log.Debug("connected", "database", r.describe())
	if lock {
		if err := s.lock(ctx); err != nil {
			return nil, errors.Join(err, s.close(ctx))
		}
	}
	return s, nil
}

// begin opens guard's session, locked, and meanwhile reads the source's up
// files. It returns the runner for the rest of the call, whose source serves
// those files from memory: a shadow hashes every applied file to find its
// cached template, which then needs no file system access, and the call
// plans and applies the files as they were when it began.
func (r *Runner) begin(ctx context.Context) (*Runner, *session, error) {
	read := make(chan map[string][]byte, 1)
	go func() { read <- r.readUpFiles() }()
	rr := *r
	s, err := rr.open(ctx, true) // s.r is &rr
	files := <-read
	if err != nil {
		return nil, nil, err
	}
	rr.src = &migrator.Source{FS: readAhead{FS: r.src.FS, files: files}, Name: r.src.Name, Migrations: r.src.Migrations}
	return &rr, s, nil
}

// readUpFiles reads the up file of every migration. A file it cannot read
// is left out: reading it again says why, where it is needed.
func (r *Runner) readUpFiles() map[string][]byte {
	files := make(map[string][]byte, len(r.src.Migrations))
	for _, m := range r.src.Migrations {
		if b, err := r.src.Read(m.Up); err == nil {
			files[m.Up] = b
		}
	}
	return files
}

// readAhead serves the files read ahead from memory (to guard's reads and
// to golang-migrate's alike), and any other from FS.
type readAhead struct {
	fs.FS
	files map[string][]byte
}

// ReadFile implements fs.ReadFileFS. The caller must not modify the result.
func (f readAhead) ReadFile(name string) ([]byte, error) {
	if b, ok := f.files[name]; ok {
		return b, nil
	}
	return fs.ReadFile(f.FS, name)
}

// Open implements fs.FS.
func (f readAhead) Open(name string) (fs.File, error) {
	if b, ok := f.files[name]; ok {
		return &memFile{Reader: bytes.NewReader(b), name: path.Base(name)}, nil
	}
	return f.FS.Open(name)
}

// memFile is a file read ahead, opened.
type memFile struct {
	*bytes.Reader
	name string
}

func (f *memFile) Stat() (fs.FileInfo, error) { return f, nil }
func (f *memFile) Close() error               { return nil }

// memFile is its own fs.FileInfo.
func (f *memFile) Name() string       { return f.name }
func (f *memFile) Mode() fs.FileMode  { return 0o444 }
func (f *memFile) ModTime() time.Time { return time.Time{} }
func (f *memFile) IsDir() bool        { return false }
func (f *memFile) Sys() any           { return nil }

// close releases guard's lock and closes the session, even after ctx ended.
func (s *session) close(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	var errs []error
	if s.locked && !s.conn.IsClosed() {
		if _, err := s.conn.Exec(ctx, `SELECT pg_advisory_unlock($1)`, once, s.key); err != nil {
			errs = append(errs, fmt.Errorf("release guard's lock: %w", err))
		}
		s.locked = false
	}
	errs = append(errs, s.conn.Close(ctx))
	return errors.Join(errs...)
}

// state is the version table's content.
type state struct {
	version int64 // -1: none
	dirty   bool
	table   bool // the version table exists
}

func (st state) ptr() *uint64 { return versionPtr(st.version) }

func (s *session) versionTable() string {
	return pgx.Identifier{s.schema, s.r.c.migrationsTable}.Sanitize()
}

// state reads the version table, never creating it.
func (s *session) state(ctx context.Context) (state, error) {
	st := state{version: -1}
	err := s.conn.QueryRow(ctx, `SELECT to_regclass($1) IS NOT NULL`, once, s.versionTable()).Scan(&st.table)
	if err != nil {
		return st, fmt.Errorf("read migration version: %w", err)
	}
	if !st.table {
		return st, nil
	}
	err = s.conn.QueryRow(ctx, `SELECT version, dirty FROM `+s.versionTable()+` LIMIT 1`, once).Scan(&st.version, &st.dirty)
	if errors.Is(err, pgx.ErrNoRows) {
		return state{version: -1, table: true}, nil
	}
	if err != nil {
		return st, fmt.Errorf("read migration version from %s: %w", s.versionTable(), err)
	}
	if st.version < 0 {
		st.version = -1
	}
	return st, nil
}

// live inspects the target's schema.
func (s *session) live(ctx context.Context) (*schema.Schema, error) {
	sc, err := schema.Inspect(ctx, s.conn, s.r.inspectOptions()...)
	if err != nil {
		return nil, fmt.Errorf("inspect %s: %w", s.r.describe(), err)
	}
	return sc, nil
}

// scrub keeps the target's password out of an error.
func (r *Runner) scrub(err error) error {
	if err == nil || r.cfg.Password == "" {
		return err
	}
	if s := dburl.Scrub(err.Error(), r.cfg.Password); s != err.Error() {
		return errors.New(s)
	}
	return err
}

// known reports whether version v (-1: none) is in the source.
func (r *Runner) known(v int64) bool {
	if v < 0 {
		return true
	}
	_, ok := r.src.Find(uint64(v))
	return ok
}

// prev returns the version before v in the source (-1: none). v must be
// in the source.
func (r *Runner) prev(v int64) int64 {
	out := int64(-1)
	for _, m := range r.src.Migrations {
		if int64(m.Version) >= v {
			break
		}
		out = int64(m.Version)
	}
	return out
}

// next returns the version after v in the source, and whether there is one.
func (r *Runner) next(v int64) (int64, bool) {
	for _, m := range r.src.Migrations {
		if int64(m.Version) > v {
			return int64(m.Version), true
		}
	}
	return 0, false
}
