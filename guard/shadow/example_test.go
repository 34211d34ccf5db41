package shadow_test

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/jackc/pgx/v5"

	"github.com/schemaguard/guard/guard/shadow"
	"github.com/schemaguard/guard/guard/source"
	"github.com/schemaguard/guard/migrations"
)

// Replay the example history into a shadow database next to the target,
// up to version 3 at once and then one file at a time, and drop it
// whatever happens. Nothing here is internal to guard's module.
func ExampleNew() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	target, err := pgx.ParseConfig(os.Getenv("DATABASE_URL"))
	if err != nil {
		fmt.Println(err)
		return
	}
	src, err := source.Load(migrations.FS, ".", "migrations")
	if err != nil {
		fmt.Println(err)
		return
	}
	sh, err := shadow.New(ctx, shadow.WithTarget(target))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer sh.Drop(ctx) // also after Ctrl-C or SIGTERM: Drop does not need a live ctx

	if err := sh.Migrate(ctx, src, source.V(3)); err != nil {
		fmt.Println(err)
		return
	}
	for _, st := range src.UpSteps(sh.Version(), src.Head()) {
		if err := sh.Step(ctx, src, st); err != nil {
			fmt.Println(err) // names the file and line
			return
		}
		sc, err := sh.Schema(ctx)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(st.File, "leaves", len(sc.Tables), "tables")
	}
	fmt.Println("shadow at version", sh.Version())
}
