package shadow

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
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
)

// TemplatePrefix starts the name of every cached template database: the
// replay of a migration history, copied (CREATE DATABASE … TEMPLATE) to make
// a shadow at that version without replaying it again.
const TemplatePrefix = "guard_template_"

// Template cache limits: a template unused for templateMaxAge is dropped, and
// at most the budget (WithTemplateBudget) of templates of one history are
// kept on a server (the least recently used go first). Templates of other
// histories (other projects, other runs' test histories) never crowd each
// other out.
const (
	templateMaxAge = 7 * 24 * time.Hour
	// templateTouch: a template's last use is recorded at most this often.
	templateTouch = time.Hour
)

// DefaultTemplateBudget is how many cached templates of one history (one
// project's migrations, by their first file, the replaying user and the
// session settings) a provider keeps on its server by default.
const DefaultTemplateBudget = 8

// WithTemplateBudget sets how many cached templates of one history are
// kept on the server (default DefaultTemplateBudget, at least 1): when a
// provider caches one more, it drops the least recently used of that
// history beyond n. Templates of other histories are never counted nor
// dropped for it, however many there are: a shadow server is often shared.
// Any provider also drops templates of any history unused for a week.
func WithTemplateBudget(n int) Option {
	return func(o *options) error {
		if n < 1 {
			return fmt.Errorf("template budget must be at least 1, got %d", n)
		}
		o.templateBudget = n
		return nil
	}
}

// WithTemplateCache turns the template cache on or off. It is on by default
// on a shadow URL's server, off on the target's own server (opt in: the
// templates then live beside the target, as databases named
// guard_template_…) and always off on an ephemeral cluster, which dies with
// the process.
func WithTemplateCache(on bool) Option {
	return func(o *options) error {
		o.cache = &on
		return nil
	}
}

// TemplateCache reports whether NewAt uses the template cache.
func (p *Provider) TemplateCache() bool {
	switch p.placement {
	case PlacementEphemeral:
		return false
	case PlacementShadowURL:
		return p.opts.cache == nil || *p.opts.cache
	}
	return p.opts.cache != nil && *p.opts.cache
}

// NewAt creates a shadow database at version of src: every migration up to
// and including version applied, as Migrate does. With the template cache on
// (see WithTemplateCache), it copies the cached template of exactly that
// history when there is one (warm is then true); otherwise it builds the
// template from the longest cached prefix of the history (or from nothing),
// keeps it, and copies it. Templates are keyed by a hash chain over the
// version and SHA-256 of each up file, the replaying user and the session
// settings, so an edited file never reuses a stale template. Drop the shadow
// when done; templates stay until unused for a week or crowded out by more
// recently used ones of their history.
func (p *Provider) NewAt(ctx context.Context, src *source.Source, version source.Version) (s *Shadow, warm bool, err error) {
	applied, err := appliedAt(src, version)
	if err != nil {
		return nil, false, err
	}
	if !p.TemplateCache() || len(applied) == 0 {
		return p.replayed(ctx, src, version)
	}
	names, err := p.chain(src, applied)
	if err != nil {
		return nil, false, err
	}
	name, warm, err := p.template(ctx, src, applied, names)
	if err != nil {
		return nil, false, err
	}
	for wait := 100 * time.Millisecond; ; wait *= 2 {
		s, err = p.create(ctx, name, applied)
		if err == nil {
			p.readCached(ctx, s)
			return s, warm, nil
		}
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != pgerrcode.ObjectInUse || wait > 2*time.Second {
			return nil, warm, err
		}
		// A view holds the template (PostgreSQL already waited 5s): it ends
		// when its plan does.
		if err := sleep(ctx, wait); err != nil {
			return nil, false, err
		}
	}
}

// View returns a shadow at version of src that is a transaction on the
// cached template of that history (built first when missing, as NewAt
// does): no database is copied, and Drop rolls the transaction back, so the
// template never changes. It connects straight to the template by name, and
// needs no other connection when the template is there (when it is not,
// the server logs the failed connection). It is the cheapest shadow to step
// a few pending files in and introspect (through Querier, or Schema, which
// with WithInspection reads no catalog before the first step). Its limits:
// files that must
// run alone (sqltext.Solo: transaction control, CONCURRENTLY, …) are
// refused with ErrNeedsDatabase, and a failed file fails the whole view;
// as some files fail only when they share a transaction (an enum value
// added then used), replay in NewAt's copy for an authoritative answer.
// While a view is open, copying its template waits. Without the template
// cache, View is NewAt.
func (p *Provider) View(ctx context.Context, src *source.Source, version source.Version) (s *Shadow, warm bool, err error) {
	applied, err := appliedAt(src, version)
	if err != nil {
		return nil, false, err
	}
	if !p.TemplateCache() || len(applied) == 0 {
		return p.replayed(ctx, src, version)
	}
	names, err := p.chain(src, applied)
	if err != nil {
		return nil, false, err
	}
	s, err = p.openView(ctx, names[len(names)-1], historyOf(names), applied)
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != pgerrcode.InvalidCatalogName {
		return s, err == nil, err
	}
	// No such template yet.
	name, warm, err := p.template(ctx, src, applied, names)
	if err != nil {
		return nil, false, err
	}
	s, err = p.openView(ctx, name, historyOf(names), applied)
	return s, warm, err
}

// ErrNeedsDatabase is returned when a view is asked to replay a file that
// must run in a transaction of its own: use a shadow from NewAt.
var ErrNeedsDatabase = errors.New("file must run alone: a view of a template cannot replay it")

// appliedAt lists the migrations of src up to and including version.
func appliedAt(src *source.Source, version source.Version) ([]source.Migration, error) {
	if !src.Has(version) {
		return nil, fmt.Errorf("shadow: migrate to version %s: migrations %s have no such version", version, src.Name)
	}
	return src.Upto(source.None, version), nil
}

// replayed is a new shadow with the history replayed, no cache involved.
func (p *Provider) replayed(ctx context.Context, src *source.Source, version source.Version) (*Shadow, bool, error) {
	s, err := p.New(ctx)
	if err != nil {
		return nil, false, err
	}
	if err := s.Migrate(ctx, src, version); err != nil {
		return nil, false, errors.Join(err, s.Drop(ctx))
	}
	return s, false, nil
}

// template returns the name of the cached template of applied (names is
// its chain), building it when missing; warm is true when it was there.
func (p *Provider) template(ctx context.Context, src *source.Source, applied []source.Migration, names []string) (name string, warm bool, err error) {
	existing, err := p.templates(ctx)
	if err != nil {
		return "", false, err
	}
	top := names[len(names)-1]
	version := applied[len(applied)-1].Version
	if t, ok := existing[top]; ok {
		p.mu.Lock()
		err := p.withAdmin(ctx, func(conn *pgx.Conn) error {
			p.touch(ctx, conn, t, version, historyOf(names), false)
			return nil
		})
		p.mu.Unlock()
		if err != nil {
			return "", false, fmt.Errorf("shadow: %w", err)
		}
		return top, true, nil
	}
	// Build it from the longest cached prefix.
	from, k := "", 0
	for i := len(names) - 2; i >= 0; i-- {
		if _, ok := existing[names[i]]; ok {
			from, k = names[i], i+1
			break
		}
	}
	b, err := p.create(ctx, from, applied[:k])
	if err != nil {
		return "", false, err
	}
	if err := b.Migrate(ctx, src, source.V(version)); err != nil {
		return "", false, errors.Join(err, b.Drop(ctx))
	}
	if _, err := p.writeRecord(ctx, b.conn, p.schemaKey(b.conn)); err != nil {
		p.log.Warn("cannot write the record of a shadow template", "name", top, "err", err)
	}
	if err := p.publish(ctx, b, top, version, historyOf(names)); err != nil {
		return "", false, errors.Join(err, b.Drop(ctx))
	}
	p.collectTemplates(ctx, top, historyOf(names))
	return top, false, nil
}

// openView opens a transaction on the template name, of history.
func (p *Provider) openView(ctx context.Context, name, history string, applied []source.Migration) (_ *Shadow, err error) {
	s := &Shadow{p: p, name: name, key: name + "#" + randomHex(4), applied: applied, view: true}
	if s.cfg, s.url, err = p.shadowConfig(name); err != nil {
		return nil, err
	}
	s.cfg.RuntimeParams["application_name"] = "guard-shadow-view"
	// Another view stepping the same file holds its locks until it rolls
	// back: wait for it, but not forever.
	s.cfg.RuntimeParams["lock_timeout"] = "30s"
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil, errors.New("shadow: provider is closed")
	}
	p.shadows[s.key] = s
	p.mu.Unlock()
	defer func() {
		if err != nil {
			err = errors.Join(err, s.Drop(ctx))
		}
	}()
	if s.conn, err = p.connectShadow(ctx, s.cfg); err != nil {
		return nil, fmt.Errorf("shadow: connect to template %s: %w", dburl.Describe(s.cfg), err)
	}
	if err := p.greet(ctx, s, applied[len(applied)-1].Version, history); err != nil {
		return nil, err
	}
	if s.tx, err = s.conn.Begin(ctx); err != nil {
		return nil, fmt.Errorf("shadow: begin on template %s: %w", name, err)
	}
	p.log.Debug("shadow view of a template opened", "template", name)
	return s, nil
}

// closeView rolls a view back and closes its connection, even after ctx
// ended.
func (p *Provider) closeView(ctx context.Context, s *Shadow) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	var errs []error
	if s.tx != nil {
		if err := s.tx.Rollback(ctx); err != nil && !s.conn.IsClosed() {
			errs = append(errs, fmt.Errorf("shadow: roll back the view of %s: %w", s.name, err))
		}
	}
	if s.conn != nil {
		errs = append(errs, s.conn.Close(ctx))
	}
	p.mu.Lock()
	delete(p.shadows, s.key)
	p.mu.Unlock()
	return errors.Join(errs...)
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return context.Cause(ctx)
	case <-t.C:
		return nil
	}
}

// chain returns the template name of each prefix of applied: a hash chain
// seeded with what else shapes a replay (the user, the version table, the
// session settings).
func (p *Provider) chain(src *source.Source, applied []source.Migration) ([]string, error) {
	h := sha256.New()
	// 2: templates hold the version table (WithVersionTable).
	fmt.Fprintf(h, "guard template 2\x00%s\x00%s\x00", p.admin.User, p.opts.versionTable.Key())
	params := map[string]string{}
	maps.Copy(params, p.admin.RuntimeParams)
	if p.opts.target != nil {
		maps.Copy(params, p.opts.target.RuntimeParams)
	}
	delete(params, "application_name")
	keys := slices.Sorted(maps.Keys(params))
	for _, k := range keys {
		fmt.Fprintf(h, "%s=%s\x00", k, params[k])
	}
	link := h.Sum(nil)
	names := make([]string, len(applied))
	for i, m := range applied {
		body, err := src.Read(m.Up)
		if err != nil {
			return nil, fmt.Errorf("shadow: %w", err)
		}
		file := sha256.Sum256(body)
		h := sha256.New()
		h.Write(link)
		_ = binary.Write(h, binary.BigEndian, m.Version)
		h.Write(file[:])
		link = h.Sum(nil)
		names[i] = TemplatePrefix + hex.EncodeToString(link[:16])
	}
	return names, nil
}

// historyOf returns the history a chain of template names belongs to: the
// hash of its first link (the replaying user, the session settings and the
// first file). Templates of one history are the prefixes of one project's
// migrations, and its edited variants but for the first file.
func historyOf(names []string) string { return strings.TrimPrefix(names[0], TemplatePrefix) }

// template is a cached template found on the server.
type template struct {
	Name    string
	Comment string
	Now     time.Time // the server's clock
}

const templateCommentPrefix = "guard template"

// templateCommentRegex reads a template's comment; templates made before
// histories were recorded have none.
var templateCommentRegex = regexp.MustCompile(`^` + templateCommentPrefix + ` version=([0-9]+) used=(\S+)(?: history=([0-9a-f]+))?$`)

func templateComment(version uint64, used time.Time, history string) string {
	// Sub-second: templates of one history built in one second must still
	// be told apart by their last use. (RFC 3339 parsing reads it too.)
	return fmt.Sprintf("%s version=%d used=%s history=%s", templateCommentPrefix, version, used.UTC().Format(time.RFC3339Nano), history)
}

// lastUsed returns when a template was last used, from its comment.
func (t template) lastUsed() (time.Time, bool) {
	m := templateCommentRegex.FindStringSubmatch(t.Comment)
	if m == nil {
		return time.Time{}, false
	}
	at, err := time.Parse(time.RFC3339, m[2])
	return at, err == nil
}

// version returns the version of the history a template holds, from its
// comment: 0 when it does not say.
func (t template) version() uint64 {
	m := templateCommentRegex.FindStringSubmatch(t.Comment)
	if m == nil {
		return 0
	}
	v, _ := strconv.ParseUint(m[1], 10, 64)
	return v
}

// history returns the history a template belongs to, from its comment: ""
// when it does not say.
func (t template) history() string {
	if m := templateCommentRegex.FindStringSubmatch(t.Comment); m != nil {
		return m[3]
	}
	return ""
}

// templates lists the cached templates on the provider's server.
func (p *Provider) templates(ctx context.Context) (map[string]template, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var found []template
	err := p.withAdmin(ctx, func(conn *pgx.Conn) error {
		rows, err := conn.Query(ctx, `
			SELECT d.datname::text AS name, coalesce(shobj_description(d.oid, 'pg_database'), '') AS comment,
			       clock_timestamp() AS now
			FROM pg_database d WHERE d.datname ~ $1`, "^"+TemplatePrefix+"[0-9a-f]+$")
		if err != nil {
			return err
		}
		found, err = pgx.CollectRows(rows, pgx.RowToStructByName[template])
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("shadow: list cached templates on %s: %w", dburl.Describe(p.admin), err)
	}
	out := map[string]template{}
	for _, t := range found {
		out[t.Name] = t
	}
	return out, nil
}

// publish turns the freshly built shadow b into the template name. When
// another run published the same template meanwhile, b is dropped instead.
func (p *Provider) publish(ctx context.Context, b *Shadow, name string, version uint64, history string) error {
	p.mu.Lock()
	err := p.withAdmin(ctx, func(conn *pgx.Conn) error {
		// Without its connection, a shadow built for longer than the grace
		// period looks like a leftover to other runs: restart its clock
		// before letting go of it.
		if err := p.stamp(ctx, conn, b.name); err != nil {
			return err
		}
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		err := b.conn.Close(cctx) // a template must have no connection
		cancel()
		if err != nil {
			return fmt.Errorf("close %s: %w", b.name, err)
		}
		// One implicit transaction: a template never carries a shadow's
		// comment, which would keep it from ever being collected.
		_, err = conn.PgConn().Exec(ctx, `ALTER DATABASE `+pgx.Identifier{b.name}.Sanitize()+` RENAME TO `+pgx.Identifier{name}.Sanitize()+
			`; COMMENT ON DATABASE `+pgx.Identifier{name}.Sanitize()+` IS `+quoteLiteral(templateComment(version, time.Now(), history))).ReadAll()
		return err
	})
	if err == nil {
		delete(p.shadows, b.name)
		b.dropOnce.Do(func() {}) // it is the template now: never drop it as a shadow
	}
	p.mu.Unlock()
	if published(err) {
		p.log.Debug("shadow template published by another run meanwhile: using it", "name", name)
		return b.Drop(ctx)
	}
	if err != nil {
		return fmt.Errorf("shadow: keep %s as template %s: %w", b.name, name, err)
	}
	p.log.Debug("shadow template cached", "name", name, "version", version)
	return nil
}

// published reports whether err, from renaming a build to a template's
// name, says that another run published that template first: the name was
// taken when the rename checked (duplicate_database), or between that check
// and the catalog update, when both renames ran at once (a unique violation
// on pg_database's name index).
func published(err error) bool {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return false
	}
	return pgErr.Code == pgerrcode.DuplicateDatabase ||
		pgErr.Code == pgerrcode.UniqueViolation && pgErr.ConstraintName == "pg_database_datname_index"
}

// touch records that template t was used, through conn, outside a
// transaction, at most once per templateTouch: in its comment, which
// collectTemplates reads, and in its record too when inRecord is true
// (conn is then connected to the template). It never fails.
func (p *Provider) touch(ctx context.Context, conn *pgx.Conn, t template, version uint64, history string, inRecord bool) {
	if used, ok := t.lastUsed(); ok && t.Now.Sub(used) < templateTouch {
		return
	}
	sql := `COMMENT ON DATABASE ` + pgx.Identifier{t.Name}.Sanitize() + ` IS ` + quoteLiteral(templateComment(version, t.Now, history))
	if inRecord {
		sql = `UPDATE ` + recordTable + ` SET used_at = clock_timestamp(); ` + sql
	}
	// Several statements, one implicit transaction.
	if _, err := conn.PgConn().Exec(ctx, sql).ReadAll(); err != nil {
		p.log.Warn("cannot record the use of a shadow template", "name", t.Name, "err", err)
	}
}

// greet reads, in one query, which database the view s is connected to
// (refused if it is the target) and the template's record: s gets the
// schema kept there for it, and the use of the template is recorded at most
// once per templateTouch. A template whose record keeps no schema for s (or
// that has no record, being older than records) gets one, inspected now.
func (p *Provider) greet(ctx context.Context, s *Shadow, version uint64, history string) error {
	key := p.schemaKey(s.conn)
	var now time.Time
	var used *time.Time
	var keptKey *string
	var rec record
	id, err := scanIdentity(s.conn.QueryRow(ctx, `
		SELECT `+identityColumns+`, clock_timestamp(), r.used_at, r.schema_key, r.schema_json
		FROM (VALUES (1)) one LEFT JOIN `+recordTable+` r ON true`, pgx.QueryExecModeSimpleProtocol),
		&now, &used, &keptKey, &rec.schema)
	if undefinedTable(err) {
		id, err = scanIdentity(s.conn.QueryRow(ctx, `SELECT `+identityColumns+`, clock_timestamp()`, pgx.QueryExecModeSimpleProtocol), &now)
	}
	if err != nil {
		return fmt.Errorf("shadow: read template %s: %w", s.name, err)
	}
	if err := p.refuse(id, s.cfg); err != nil {
		return err
	}
	if keptKey != nil {
		rec.schemaKey = *keptKey
	}
	kept, err := rec.decode(key)
	if err != nil {
		p.log.Warn("cannot read the schema kept with a shadow template", "name", s.name, "err", err)
	}
	t := template{Name: s.name, Now: now}
	switch {
	case used == nil || kept == nil && key != "":
		// No record, or none keeping a schema for this guard (another
		// build's): write it, which records the use there too.
		if kept, err = p.writeRecord(ctx, s.conn, key); err != nil {
			p.log.Warn("cannot write the record of a shadow template", "name", s.name, "err", err)
		}
		p.touch(ctx, s.conn, t, version, history, false)
	case now.Sub(*used) >= templateTouch:
		p.touch(ctx, s.conn, t, version, history, true)
	}
	s.cached = kept
	return nil
}

// readCached gives s, a copy of a template fresh from CREATE DATABASE, the
// schema its record keeps for s, if any.
func (p *Provider) readCached(ctx context.Context, s *Shadow) {
	key := p.schemaKey(s.conn)
	if key == "" {
		return
	}
	rec, ok, err := readRecord(ctx, s.conn)
	if ok {
		s.cached, err = rec.decode(key)
	}
	if err != nil {
		p.log.Warn("cannot read the schema kept with a shadow template", "name", s.name, "err", err)
	}
}

// collectTemplates drops templates unused for templateMaxAge, then the least
// recently used of history beyond the budget (keep, the one just made, and
// the budget less one others), sparing keep and every other history's. It never
// fails: a template it cannot drop (one being copied right now) is left for
// later.
func (p *Provider) collectTemplates(ctx context.Context, keep, history string) {
	all, err := p.templates(ctx)
	if err != nil {
		p.log.Warn("cannot collect shadow templates", "err", err)
		return
	}
	type aged struct {
		name    string
		used    time.Time
		version uint64
	}
	var list []aged
	var drop []string
	for _, t := range all {
		if t.Name == keep {
			continue
		}
		used, ok := t.lastUsed()
		switch {
		case !ok:
			continue // not ours to judge
		case t.Now.Sub(used) > templateMaxAge:
			drop = append(drop, t.Name)
		case t.history() == history:
			list = append(list, aged{t.Name, used, t.version()})
		}
	}
	// Most recently used first; of templates used at the same time, the
	// longer history first, so that eviction never depends on the order
	// the server listed them.
	slices.SortFunc(list, func(a, b aged) int {
		return cmp.Or(b.used.Compare(a.used), cmp.Compare(b.version, a.version), strings.Compare(a.name, b.name))
	})
	for i := p.opts.templateBudget - 1; i < len(list); i++ {
		drop = append(drop, list[i].name)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, name := range drop {
		err := p.withAdmin(ctx, func(conn *pgx.Conn) error {
			_, err := conn.Exec(ctx, `DROP DATABASE IF EXISTS `+pgx.Identifier{name}.Sanitize())
			return err
		})
		if err != nil {
			p.log.Warn("cannot drop stale shadow template", "name", name, "err", err)
			continue
		}
		p.log.Debug("dropped stale shadow template", "name", name)
	}
}

// DropTemplates drops the cached templates of src's history (of every
// prefix of it) from the provider's server and returns the names it
// dropped. It touches no other history's templates: a shadow server is
// often shared. A template in use (being copied, or viewed) is left, with
// its error joined into the result.
func (p *Provider) DropTemplates(ctx context.Context, src *source.Source) ([]string, error) {
	names, err := p.chain(src, src.Migrations)
	if err != nil {
		return nil, err
	}
	have, err := p.templates(ctx)
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	var dropped []string
	var errs []error
	for _, name := range names {
		if _, ok := have[name]; !ok {
			continue
		}
		err := p.withAdmin(ctx, func(conn *pgx.Conn) error {
			_, err := conn.Exec(ctx, `DROP DATABASE IF EXISTS `+pgx.Identifier{name}.Sanitize())
			return err
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("shadow: drop template %s: %w", name, err))
			continue
		}
		dropped = append(dropped, name)
	}
	return dropped, errors.Join(errs...)
}
