package serve

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/alecthomas/assert/v2"

	"github.com/schemaguard/guard/internal/pgtest"
)

// replicaEnv, when set, makes the test binary a guard serve replica
// process (see replicaProcess), for tests that kill one with SIGKILL.
const replicaEnv = "GUARD_SERVE_TEST_REPLICA_STATE"

func TestMain(m *testing.M) {
	if os.Getenv(replicaEnv) != "" {
		os.Exit(replicaProcess())
	}
	pgtest.Main(m)
}

// replicaProcess runs one replica on the state of $GUARD_SERVE_TEST_REPLICA_STATE
// with the key of $GUARD_SERVE_TEST_REPLICA_KEY, named
// $GUARD_SERVE_TEST_REPLICA_ID, its API on a free loopback port that it
// prints, until SIGTERM.
func replicaProcess() int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	key, err := base64.StdEncoding.DecodeString(os.Getenv("GUARD_SERVE_TEST_REPLICA_KEY"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	s, err := New(ctx, os.Getenv(replicaEnv), key, WithReplicaID(os.Getenv("GUARD_SERVE_TEST_REPLICA_ID")),
		WithPoll(20*time.Millisecond), WithLeaseTimeout(5*time.Second))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer s.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Printf("listening http://%s\n", ln.Addr())
	go func() { _ = http.Serve(ln, s.Handler()) }()
	_ = s.Run(ctx)
	return 0
}

func testKey(t testing.TB) []byte {
	t.Helper()
	k := make([]byte, KeySize)
	_, _ = rand.Read(k)
	return k
}

// newService starts a replica on stateURL, closed when the test ends.
func newService(t testing.TB, stateURL string, key []byte, opts ...Option) *Service {
	t.Helper()
	opts = append([]Option{WithPoll(20 * time.Millisecond)}, opts...)
	s, err := New(t.Context(), stateURL, key, opts...)
	assert.NoError(t, err)
	t.Cleanup(s.Close)
	return s
}

// run runs s until the test ends (or stop is called).
func run(t testing.TB, s *Service) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); _ = s.Run(ctx) }()
	var once sync.Once
	stop = func() { once.Do(func() { cancel(); wg.Wait() }) }
	t.Cleanup(stop)
	return stop
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
