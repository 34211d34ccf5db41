package shadow

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

var (
	pid = os.Getpid()
	// selfStart is when this process started, as the kernel counts it (see
	// processStart): with the pid, it names this process even after its
	// pid is reused. 0 when it cannot be read.
	selfStart, _ = processStart(pid)
	// hostHash names where pids mean the same processes: the host name,
	// and on Linux the boot and the pid namespace (two containers of one
	// machine, even under one host name, are two "hosts").
	hostHash = func() string {
		h, _ := os.Hostname()
		boot, _ := os.ReadFile("/proc/sys/kernel/random/boot_id")
		ns, _ := os.Readlink("/proc/self/ns/pid")
		sum := sha256.Sum256([]byte(h + "\x00" + strings.TrimSpace(string(boot)) + "\x00" + ns))
		return hex.EncodeToString(sum[:6])
	}()
)

// comment is what a shadow database's COMMENT records about its creator.
type comment struct {
	PID     int
	Host    string // hash of the creator's host (see hostHash)
	Created time.Time
	Start   uint64 // the creator's start time (see processStart); 0 when unknown
}

const commentPrefix = "guard shadow database"

var commentRegex = regexp.MustCompile(`^` + commentPrefix + ` pid=([0-9]+) host=([0-9a-f]+) created=(\S+)(?: start=([0-9]+))?$`)

func (c comment) String() string {
	s := fmt.Sprintf("%s pid=%d host=%s created=%s", commentPrefix, c.PID, c.Host, c.Created.UTC().Format(time.RFC3339Nano))
	if c.Start != 0 {
		s += fmt.Sprintf(" start=%d", c.Start)
	}
	return s
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
	c := comment{PID: p, Host: m[2], Created: t}
	if m[4] != "" {
		if c.Start, err = strconv.ParseUint(m[4], 10, 64); err != nil {
			return comment{}, false
		}
	}
	return c, true
}

// processStart returns when process pid started, in clock ticks since
// boot (field 22 of /proc/PID/stat); ok is false where that cannot be read
// (not Linux, no such process).
func processStart(pid int) (uint64, bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, false
	}
	// The command name, in parentheses, may hold spaces: count fields
	// after its closing parenthesis, which is field 2.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, false
	}
	fields := strings.Fields(string(b[i+1:]))
	const startField = 22 - 3 // fields[0] is field 3
	if len(fields) <= startField {
		return 0, false
	}
	v, err := strconv.ParseUint(fields[startField], 10, 64)
	return v, err == nil
}

// leftover is a shadow database found on the server.
type leftover struct {
	Name    string
	Comment string
	Conns   int
	Now     time.Time // the server's clock, which wrote Created too
}

// collectable says whether a shadow found on the server is a leftover that
// nobody uses, and why. A live guard holds a connection to each of its
// shadows from creation to drop, so a shadow with a connection is never
// one. Of the others, only those whose death can be told are collected at
// once: their creator was a process of this host (see hostHash) that is
// gone, or whose pid now names another process (its start time differs).
// A shadow whose creator on this host is alive is kept, however old. The
// creator of a shadow made on another host cannot be seen: its shadow is
// collected once older than grace, which is long (DefaultLeftoverGrace).
// A database without guard's comment is left alone.
func collectable(l leftover, grace time.Duration, host string, alive func(pid int, start uint64) bool) (string, bool) {
	if l.Conns > 0 {
		return "", false
	}
	c, ok := parseComment(l.Comment)
	if !ok {
		return "", false
	}
	if c.Host == host {
		if alive(c.PID, c.Start) {
			return "", false
		}
		return fmt.Sprintf("its creator, process %d of this host, is gone", c.PID), true
	}
	if age := l.Now.Sub(c.Created); age > grace {
		return fmt.Sprintf("made on another host %s ago, and unused", age.Round(time.Second)), true
	}
	return "", false
}

// processAlive reports whether process pid of this host is running and,
// when start (its start time, see processStart) is known, is the process
// that started then rather than a later one that was given its pid.
func processAlive(pid int, start uint64) bool {
	err := syscall.Kill(pid, 0)
	if err != nil && !errors.Is(err, syscall.EPERM) {
		return false
	}
	if start == 0 {
		return true
	}
	now, ok := processStart(pid)
	return !ok || now == start
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
