package shadow

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

var (
	pid      = os.Getpid()
	hostHash = func() string {
		h, _ := os.Hostname()
		sum := sha256.Sum256([]byte(h))
		return hex.EncodeToString(sum[:6])
	}()
)

// comment is what a shadow database's COMMENT records about its creator.
type comment struct {
	PID     int
	Host    string // hash of the creator's host name
	Created time.Time
}

const commentPrefix = "guard shadow database"

var commentRegex = regexp.MustCompile(`^` + commentPrefix + ` pid=([0-9]+) host=([0-9a-f]+) created=(\S+)$`)

func (c comment) String() string {
	return fmt.Sprintf("%s pid=%d host=%s created=%s", commentPrefix, c.PID, c.Host, c.Created.UTC().Format(time.RFC3339Nano))
}

func parseComment(s string) (comment, bool) {
	m := commentRegex.FindStringSubmatch(s)
	if m == nil {
		return comment{}, false
	}
	p, err := strconv.Atoi(m[1])
	if err != nil {
		return comment{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, m[3])
	if err != nil {
		return comment{}, false
	}
	return comment{PID: p, Host: m[2], Created: t}, true
}

// leftover is a shadow database found on the server.
type leftover struct {
	Name    string
	Comment string
	Conns   int
	Now     time.Time // the server's clock, which wrote Created too
}

// collectable says whether a shadow found on the server is a leftover that
// nobody uses: it has no connection (a live guard holds one to each of its
// shadows from creation to drop), and either its creator was a process of
// this host that is gone, or it is older than the grace period. A shadow
// without guard's comment is left alone.
func collectable(l leftover, grace time.Duration, host string, alive func(int) bool) (string, bool) {
	if l.Conns > 0 {
		return "", false
	}
	c, ok := parseComment(l.Comment)
	if !ok {
		return "", false
	}
	if c.Host == host && !alive(c.PID) {
		return fmt.Sprintf("its creator, process %d of this host, is gone", c.PID), true
	}
	if age := l.Now.Sub(c.Created); age > grace {
		return fmt.Sprintf("unused for %s", age.Round(time.Second)), true
	}
	return "", false
}

func processAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// collect drops the leftovers of killed runs on the provider's server,
// through conn, any connection there outside a transaction; it looks once
// per provider. It never fails: a leftover it cannot drop is logged and left
// for later. p.mu must be held.
func (p *Provider) collect(ctx context.Context, conn *pgx.Conn) {
	if p.placement == PlacementEphemeral || p.collected {
		return // a fresh cluster has none
	}
	p.collected = true
	rows, err := conn.Query(ctx, `
		SELECT d.datname::text AS name,
		       coalesce(shobj_description(d.oid, 'pg_database'), '') AS comment,
		       (SELECT count(*) FROM pg_stat_activity a WHERE a.datid = d.oid)::int AS conns,
		       clock_timestamp() AS now
		FROM pg_database d
		WHERE d.datname ~ $1 AND d.datname <> current_database()`, pgx.QueryExecModeSimpleProtocol, "^"+Prefix+"[0-9a-f]+$")
	var found []leftover
	if err == nil {
		found, err = pgx.CollectRows(rows, pgx.RowToStructByName[leftover])
	}
	if err != nil {
		p.log.Warn("cannot look for leftover shadow databases", "err", err)
		return
	}
	for _, l := range found {
		if _, ours := p.shadows[l.Name]; ours {
			continue
		}
		if p.target != nil && l.Name == p.target.Database {
			continue
		}
		why, ok := collectable(l, p.opts.grace, hostHash, processAlive)
		if !ok {
			continue
		}
		// Without FORCE: a shadow someone connected to since is kept.
		if _, err := conn.Exec(ctx, `DROP DATABASE IF EXISTS `+pgx.Identifier{l.Name}.Sanitize()); err != nil {
			p.log.Warn("cannot drop leftover shadow database", "name", l.Name, "err", err)
			continue
		}
		p.log.Info("dropped leftover shadow database", "name", l.Name, "why", why)
	}
}
