package serve

import (
	"context"
	"crypto/rand"
	"sync"
	"testing"
	"time"

	"github.com/alecthomas/assert/v2"

	"github.com/schemaguard/guard/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

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
