package pgtest

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/schemaguard/guard/internal/dburl"
	"github.com/schemaguard/guard/internal/pgcluster"
)

// PgBouncerBinary is where Debian's pgbouncer package puts the server.
const PgBouncerBinary = "/usr/sbin/pgbouncer"

// PgBouncer starts a real PgBouncer in transaction pooling mode, with its
// default settings otherwise (no ignore_startup_parameters), in front of
// the test server, for the test, on a unix socket in a directory of its
// own (no port to share or race for); it is stopped when the test ends. Every
// database of the server is reachable through it (a "*" fallback entry);
// users are authenticated by the server as they would be directly (trust
// on the pooler's side), and users lists the roles that may connect
// besides the server URL's own. It returns the pooler's URL for the
// database of dbURL. Without the pgbouncer binary the test is skipped, or
// fails with CI=true (.ci/run installs it).
func PgBouncer(t testing.TB, dbURL string, users ...string) string {
	t.Helper()
	bin := PgBouncerBinary
	if _, err := os.Stat(bin); err != nil {
		if p, lerr := exec.LookPath("pgbouncer"); lerr == nil {
			bin = p
		} else {
			SkipOrFail(t, "pgtest: no pgbouncer binary (apt-get install pgbouncer)")
		}
	}
	server, err := pgx.ParseConfig(Server(t))
	if err != nil {
		t.Fatalf("pgtest: pgbouncer: %v", err)
	}
	target, err := pgx.ParseConfig(dbURL)
	if err != nil {
		t.Fatalf("pgtest: pgbouncer: %v", err)
	}
	cred, err := pgcluster.Credential()
	if err != nil {
		t.Fatalf("pgtest: pgbouncer: %v", err)
	}
	dir, err := os.MkdirTemp("", "guard-pgbouncer-*")
	if err != nil {
		t.Fatalf("pgtest: pgbouncer: %v", err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	if cred != nil {
		if err := os.Chown(dir, int(cred.Uid), int(cred.Gid)); err != nil {
			t.Fatalf("pgtest: pgbouncer: %v", err)
		}
	}

	var auth strings.Builder
	for _, u := range append([]string{server.User, target.User}, users...) {
		fmt.Fprintf(&auth, "%q \"\"\n", u)
	}
	// A unix socket in a directory of the test's own: two tests never
	// share (or race for) a port, and a client can only reach this pooler.
	const port = 6432
	ini := fmt.Sprintf(`[databases]
* = host=%s port=%d

[pgbouncer]
listen_addr =
listen_port = %d
unix_socket_dir = %s
auth_type = trust
auth_file = %s
pool_mode = transaction
max_client_conn = 500
default_pool_size = 20
logfile = %s
pidfile = %s
`, server.Host, server.Port, port, dir, filepath.Join(dir, "users.txt"), filepath.Join(dir, "pgbouncer.log"), filepath.Join(dir, "pgbouncer.pid"))
	for name, body := range map[string]string{"users.txt": auth.String(), "pgbouncer.ini": ini} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatalf("pgtest: pgbouncer: %v", err)
		}
		if cred != nil {
			_ = os.Chown(p, int(cred.Uid), int(cred.Gid))
		}
	}

	cmd := exec.Command(bin, filepath.Join(dir, "pgbouncer.ini"))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGTERM, Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("pgtest: start pgbouncer: %v", err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGINT) // shut down at once
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	})

	u, err := dburl.WithDatabase(fmt.Sprintf("postgres://%s@/postgres?host=%s&port=%d", target.User, dir, port), target.Database)
	if err != nil {
		t.Fatalf("pgtest: pgbouncer: %v", err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		conn, err := pgx.Connect(ctx, u)
		if err == nil {
			var one int
			err = conn.QueryRow(ctx, "SELECT 1", pgx.QueryExecModeSimpleProtocol).Scan(&one)
			_ = conn.Close(ctx)
		}
		cancel()
		if err == nil {
			return u
		}
		select {
		case <-exited:
			log, _ := os.ReadFile(filepath.Join(dir, "pgbouncer.log"))
			t.Fatalf("pgtest: pgbouncer exited: %s %s", out.String(), lastLines(string(log)))
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("pgtest: pgbouncer not ready: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func lastLines(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > 5 {
		lines = lines[len(lines)-5:]
	}
	return strings.Join(lines, " | ")
}
