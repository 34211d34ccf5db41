// Package pgcluster starts throwaway PostgreSQL clusters from the server
// binaries installed on the machine (initdb + postgres on a unix socket in a
// temporary directory). It is the one implementation behind guard's embedded
// default, its shadow-database fallback and the test harness.
//
// When the calling process runs as root, the cluster runs as the "postgres"
// system user, because PostgreSQL refuses to run as root.
package pgcluster

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// ErrNoBinaries is returned by Start when no PostgreSQL server binaries
// (initdb, postgres) can be found.
var ErrNoBinaries = errors.New("no PostgreSQL server binaries found (install postgresql, or set GUARD_PG_BIN to the directory holding initdb and postgres)")

// dirPrefix names every cluster directory so leftovers can be found.
const dirPrefix = "guard-pg-"

// Cluster is a running throwaway PostgreSQL server. Its methods are safe for
// concurrent use.
type Cluster struct {
	dir      string // temporary directory holding data/ and the socket
	password string // the superuser's password, when password auth is on
	port     int
	cmd      *exec.Cmd
	exited   chan struct{}
	once     sync.Once
	err      error
}

// BinDir returns the directory holding initdb and postgres: $GUARD_PG_BIN,
// else the directory of initdb on $PATH, else the newest
// /usr/lib/postgresql/*/bin. It returns ErrNoBinaries when none is found.
func BinDir() (string, error) {
	if d := os.Getenv("GUARD_PG_BIN"); d != "" {
		if hasBinaries(d) {
			return d, nil
		}
		return "", fmt.Errorf("GUARD_PG_BIN=%s does not hold initdb and postgres", d)
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		// Follow a symlink (e.g. /usr/local/bin/initdb) to the real
		// directory, which also holds pg_dump and friends.
		if real, err := filepath.EvalSymlinks(p); err == nil && hasBinaries(filepath.Dir(real)) {
			return filepath.Dir(real), nil
		}
		if hasBinaries(filepath.Dir(p)) {
			return filepath.Dir(p), nil
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return versionOf(dirs[i]) > versionOf(dirs[j]) })
	for _, d := range dirs {
		if hasBinaries(d) {
			return d, nil
		}
	}
	return "", ErrNoBinaries
}

func versionOf(binDir string) float64 {
	v, _ := strconv.ParseFloat(filepath.Base(filepath.Dir(binDir)), 64)
	return v
}

func hasBinaries(dir string) bool {
	for _, b := range []string{"initdb", "postgres"} {
		if st, err := os.Stat(filepath.Join(dir, b)); err != nil || st.IsDir() {
			return false
		}
	}
	return true
}

// Option configures Start.
type Option func(*Cluster)

// WithPassword turns on password authentication (scram-sha-256) for every
// connection, with password as the superuser's password. Without it, the
// cluster trusts every local connection.
func WithPassword(password string) Option {
	return func(c *Cluster) { c.password = password }
}

// Start initialises and starts a new cluster and waits until it accepts
// connections. Stop it with Stop; if the calling process dies, the server is
// signalled to shut down too, and the next Start removes the leftover directory.
func Start(ctx context.Context, opts ...Option) (*Cluster, error) {
	bin, err := BinDir()
	if err != nil {
		return nil, err
	}
	CollectLeftovers()
	dir, err := os.MkdirTemp(baseDir(), dirPrefix+"*")
	if err != nil {
		return nil, fmt.Errorf("start ephemeral cluster: %w", err)
	}
	cred, err := Credential()
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	if cred != nil {
		if err := os.Chown(dir, int(cred.Uid), int(cred.Gid)); err != nil {
			_ = os.RemoveAll(dir)
			return nil, fmt.Errorf("start ephemeral cluster: %w", err)
		}
	}
	c := &Cluster{dir: dir, port: 5432, exited: make(chan struct{})}
	for _, o := range opts {
		o(c)
	}
	data := filepath.Join(dir, "data")
	args := []string{"-D", data, "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync"}
	if c.password != "" {
		pwfile := filepath.Join(dir, "pwfile")
		if err := os.WriteFile(pwfile, []byte(c.password+"\n"), 0o600); err != nil {
			_ = os.RemoveAll(dir)
			return nil, fmt.Errorf("start ephemeral cluster: %w", err)
		}
		if cred != nil {
			_ = os.Chown(pwfile, int(cred.Uid), int(cred.Gid))
		}
		args = append(args, "--auth=scram-sha-256", "--pwfile="+pwfile)
	}
	initdb := exec.CommandContext(ctx, filepath.Join(bin, "initdb"), args...)
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	initdb.Dir = dir
	var out bytes.Buffer
	initdb.Stdout, initdb.Stderr = &out, &out
	err = initdb.Run()
	_ = os.Remove(filepath.Join(dir, "pwfile"))
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, fmt.Errorf("start ephemeral cluster: initdb: %w: %s", err, lastLine(out.String()))
	}
	logf, err := os.Create(filepath.Join(dir, "postgres.log"))
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, fmt.Errorf("start ephemeral cluster: %w", err)
	}
	c.cmd = exec.Command(filepath.Join(bin, "postgres"),
		"-D", data,
		"-k", dir,
		"-p", strconv.Itoa(c.port),
		"-c", "listen_addresses=",
		"-c", "fsync=off",
		"-c", "synchronous_commit=off",
		"-c", "full_page_writes=off",
		"-c", "max_connections=200",
		"-c", "shared_buffers=128MB",
		"-c", "max_locks_per_transaction=256",
	)
	c.cmd.Dir = dir
	c.cmd.Stdout, c.cmd.Stderr = logf, logf
	// Pdeathsig: the server goes down with us even on kill -9.
	c.cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGQUIT, Setpgid: true}
	if err := c.cmd.Start(); err != nil {
		_ = logf.Close()
		_ = os.RemoveAll(dir)
		return nil, fmt.Errorf("start ephemeral cluster: postgres: %w", err)
	}
	go func() {
		_ = c.cmd.Wait()
		_ = logf.Close()
		close(c.exited)
	}()
	if err := c.waitReady(ctx); err != nil {
		return nil, errors.Join(err, c.Stop())
	}
	return c, nil
}

func (c *Cluster) waitReady(ctx context.Context) error {
	deadline := time.Now().Add(60 * time.Second)
	for {
		conn, err := pgx.Connect(ctx, c.URL("postgres"))
		if err == nil {
			return conn.Close(ctx)
		}
		select {
		case <-c.exited:
			log, _ := os.ReadFile(filepath.Join(c.dir, "postgres.log"))
			return fmt.Errorf("start ephemeral cluster: postgres exited: %s", lastLine(string(log)))
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("start ephemeral cluster: server not ready after 60s: %w", err)
		}
	}
}

// URL returns a connection URL for database db on the cluster, as the
// superuser "postgres", over the unix socket.
func (c *Cluster) URL(db string) string {
	user := "postgres"
	if c.password != "" {
		user = url.UserPassword("postgres", c.password).String()
	}
	return fmt.Sprintf("postgres://%s@/%s?host=%s&port=%d&sslmode=disable", user, db, c.dir, c.port)
}

// Dir returns the cluster's temporary directory (which holds the socket).
func (c *Cluster) Dir() string { return c.dir }

// Stop shuts the server down (fast shutdown: open sessions are disconnected)
// and removes its directory. It is idempotent.
func (c *Cluster) Stop() error {
	c.once.Do(func() {
		if c.cmd != nil && c.cmd.Process != nil {
			_ = c.cmd.Process.Signal(syscall.SIGINT)
			select {
			case <-c.exited:
			case <-time.After(30 * time.Second):
				_ = c.cmd.Process.Kill()
				<-c.exited
			}
		}
		c.err = os.RemoveAll(c.dir)
	})
	return c.err
}

// CollectLeftovers removes the directories of clusters whose server is no
// longer running (left by a process that was killed). It never touches a
// running cluster, nor one modified in the last two minutes (it may still be
// initialising: initdb's bootstrap processes come and go).
func CollectLeftovers() {
	var dirs []string
	for _, base := range []string{os.Getenv("GUARD_PG_TMPDIR"), shmDir, os.TempDir()} {
		if base != "" {
			found, _ := filepath.Glob(filepath.Join(base, dirPrefix+"*"))
			dirs = append(dirs, found...)
		}
	}
	for _, d := range dirs {
		if b, err := os.ReadFile(filepath.Join(d, "data", "postmaster.pid")); err == nil {
			pid, _ := strconv.Atoi(strings.TrimSpace(strings.SplitN(string(b), "\n", 2)[0]))
			if pid > 0 && syscall.Kill(pid, 0) != syscall.ESRCH {
				continue // still running (or not ours to judge)
			}
		}
		if recentlyModified(d, 2*time.Minute) || recentlyModified(filepath.Join(d, "data"), 2*time.Minute) {
			continue
		}
		_ = os.RemoveAll(d)
	}
}

// shmDir is a memory file system most Linux machines have.
const shmDir = "/dev/shm"

// baseDir is where a cluster's directory goes: $GUARD_PG_TMPDIR when set;
// else /dev/shm when it is writable with room to spare (a throwaway cluster
// with fsync off needs no disk, and creating a database's files there is
// several times cheaper than in a busy /tmp); else the temporary directory.
func baseDir() string {
	if d := os.Getenv("GUARD_PG_TMPDIR"); d != "" {
		return d
	}
	var st syscall.Statfs_t
	if syscall.Statfs(shmDir, &st) == nil && st.Bavail*uint64(st.Bsize) >= 2<<30 && syscall.Access(shmDir, 2 /* W_OK */) == nil {
		return shmDir
	}
	return os.TempDir()
}

func recentlyModified(path string, within time.Duration) bool {
	st, err := os.Stat(path)
	return err == nil && time.Since(st.ModTime()) < within
}

// Credential returns the postgres system user's credential when running as
// root, nil otherwise.
func Credential() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("start ephemeral cluster: running as root needs a \"postgres\" system user to run the server as: %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

// lastLine returns the last few lines of a tool's output, joined.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > 3 {
		lines = lines[len(lines)-3:]
	}
	return strings.Join(lines, " | ")
}
