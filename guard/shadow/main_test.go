package shadow_test

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"testing"
	"testing/fstest"

	"github.com/schemaguard/guard/guard/shadow"
	"github.com/schemaguard/guard/guard/source"
	"github.com/schemaguard/guard/internal/dburl"
	"github.com/schemaguard/guard/internal/pgtest"
)

// helperEnv makes the test binary act as a guard run that is killed with
// SIGTERM half-way through replaying a migration (see TestSIGTERMDropsShadow).
const helperEnv = "GUARD_SHADOW_HELPER_TARGET"

func TestMain(m *testing.M) {
	if target := os.Getenv(helperEnv); target != "" {
		os.Exit(helper(target))
	}
	pgtest.Main(m)
}

// helper does what the CLI does: cancel the context on SIGTERM, defer Drop.
func helper(target string) int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	cfg, err := dburl.Parse(target)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	src, err := source.Load(fstest.MapFS{"1_slow.up.sql": {Data: []byte("CREATE TABLE t (id int);\nSELECT pg_sleep(60);\n")}}, ".", "slow")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	sh, err := shadow.New(ctx, shadow.WithTarget(cfg))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer func() {
		if err := sh.Drop(ctx); err != nil {
			fmt.Fprintln(os.Stderr, "drop:", err)
		}
	}()
	fmt.Println(sh.Name())
	err = sh.Migrate(ctx, src, source.V(1))
	fmt.Fprintln(os.Stderr, "migrate returned:", err)
	return 0
}
