package serve

import (
	"bufio"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/alecthomas/assert/v2"

	"github.com/schemaguard/guard/internal/dburl"
	"github.com/schemaguard/guard/internal/pgtest"
)

// gate is a TCP proxy to the test server: while closed it accepts
// connections and holds them without an answer (a check through it hangs
// at connect); once opened, it forwards new connections.
type gate struct {
	ln       net.Listener
	upstream func() (net.Conn, error)
	mu       sync.Mutex
	open     bool
	held     []net.Conn
}

func newGate(t testing.TB, serverURL string) *gate {
	t.Helper()
	cfg, err := dburl.Parse(serverURL)
	assert.NoError(t, err)
	network, addr := "tcp", net.JoinHostPort(cfg.Host, strconv.Itoa(int(cfg.Port)))
	if strings.HasPrefix(cfg.Host, "/") {
		network, addr = "unix", fmt.Sprintf("%s/.s.PGSQL.%d", cfg.Host, cfg.Port)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	assert.NoError(t, err)
	g := &gate{ln: ln, upstream: func() (net.Conn, error) { return net.Dial(network, addr) }}
	go g.serve()
	t.Cleanup(func() {
		ln.Close()
		g.mu.Lock()
		for _, c := range g.held {
			c.Close()
		}
		g.mu.Unlock()
	})
	return g
}

func (g *gate) serve() {
	for {
		c, err := g.ln.Accept()
		if err != nil {
			return
		}
		g.mu.Lock()
		open := g.open
		if !open {
			g.held = append(g.held, c)
		}
		g.mu.Unlock()
		if !open {
			continue
		}
		go func() {
			defer c.Close()
			up, err := g.upstream()
			if err != nil {
				return
			}
			defer up.Close()
			go func() { _, _ = io.Copy(up, c) }()
			_, _ = io.Copy(c, up)
		}()
	}
}

func (g *gate) setOpen() {
	g.mu.Lock()
	g.open = true
	g.mu.Unlock()
}

// url is database db of the test server, reached through the gate.
func (g *gate) url(t testing.TB, serverURL, db string) string {
	cfg, err := dburl.Parse(serverURL)
	assert.NoError(t, err)
	u := url.URL{Scheme: "postgres", Host: g.ln.Addr().String(), Path: "/" + db, RawQuery: "sslmode=disable"}
	if cfg.Password != "" {
		u.User = url.UserPassword(cfg.User, cfg.Password)
	} else {
		u.User = url.User(cfg.User)
	}
	return u.String()
}

// replica is a guard serve replica in a process of its own.
type replica struct {
	id  string
	cmd *exec.Cmd
	api string
}

func startReplica(t *testing.T, state string, key []byte, id string) *replica {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), replicaEnv+"="+state, "GUARD_SERVE_TEST_REPLICA_KEY="+base64.StdEncoding.EncodeToString(key),
		"GUARD_SERVE_TEST_REPLICA_ID="+id)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	assert.NoError(t, err)
	assert.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	})
	line, err := bufio.NewReader(out).ReadString('\n')
	assert.NoError(t, err, "replica %s did not start", id)
	m := regexp.MustCompile(`listening (http://\S+)`).FindStringSubmatch(line)
	assert.NotZero(t, m, line)
	go func() { _, _ = io.Copy(io.Discard, out) }()
	return &replica{id: id, cmd: cmd, api: m[1]}
}

// TestServeReplicaProcessKilledMidCheck runs three replicas as processes
// and kills (SIGKILL) the one whose check of a target hangs: another
// replica takes the target over after the lease timeout and checks it;
// the other targets are checked once each across the three.
func TestServeReplicaProcessKilledMidCheck(t *testing.T) {
	state := pgtest.DB(t)
	key := testKey(t)
	admin := newService(t, state, key)
	ctx := t.Context()
	server := pgtest.Server(t)
	g := newGate(t, server)
	const others = 4
	for i := range others {
		_, err := admin.RegisterTarget(ctx, TargetSpec{Name: fmt.Sprintf("db%d", i), URL: pgtest.DB(t), IntervalSeconds: 3600})
		assert.NoError(t, err)
	}
	replicas := map[string]*replica{}
	for _, id := range []string{"p1", "p2", "p3"} {
		replicas[id] = startReplica(t, state, key, id)
	}
	eventually(t, "the other targets checked", func() bool {
		return count(t, admin, `SELECT count(*) FROM guard_serve.targets WHERE checks = 1 AND lease_owner IS NULL`) == others
	})
	// Then the target whose check hangs: the only lease the killed
	// replica will hold.
	slow := pgtest.DB(t)
	pgtest.Exec(t, slow, `CREATE TABLE t (id int)`)
	slowCfg, err := dburl.Parse(slow)
	assert.NoError(t, err)
	_, err = admin.RegisterTarget(ctx, TargetSpec{Name: "slow", URL: g.url(t, server, slowCfg.Database), IntervalSeconds: 3600})
	assert.NoError(t, err)
	var holder string
	eventually(t, "a replica to hang in the check of slow", func() bool {
		err := admin.pool.QueryRow(ctx, `SELECT coalesce(lease_owner, '') FROM guard_serve.targets WHERE name = 'slow'`).Scan(&holder)
		assert.NoError(t, err)
		return holder != ""
	})
	assert.NoError(t, replicas[holder].cmd.Process.Signal(syscall.SIGKILL))
	_, _ = replicas[holder].cmd.Process.Wait()
	g.setOpen()
	eventually(t, "another replica to check slow", func() bool {
		return count(t, admin, `SELECT count(*) FROM guard_serve.targets WHERE name = 'slow' AND checks = 1 AND lease_owner IS NULL`) == 1
	})
	tg, err := admin.Target(ctx, "slow")
	assert.NoError(t, err)
	assert.Equal(t, 1, *tg.LatestVersion)
	assert.Zero(t, tg.LastError)
	takeovers := 0
	for id, r := range replicas {
		if id == holder {
			continue
		}
		code, _, body := client{t: t, base: r.api}.do("GET", "/metrics", nil)
		assert.Equal(t, 200, code)
		m := regexp.MustCompile(`guard_serve_lease_takeovers_total (\d+)`).FindStringSubmatch(string(body))
		assert.NotZero(t, m)
		n, _ := strconv.Atoi(m[1])
		takeovers += n
	}
	assert.Equal(t, 1, takeovers, "one replica took the killed one's lease over")
	assert.Equal(t, others, count(t, admin, `SELECT count(*) FROM guard_serve.targets WHERE name <> 'slow' AND checks = 1`),
		"each other target checked once across three replicas")
}
