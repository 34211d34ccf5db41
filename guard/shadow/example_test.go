package shadow_test

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/schemaguard/guard/guard/shadow"
	"github.com/schemaguard/guard/guard/source"
	"github.com/schemaguard/guard/internal/dburl"
	"github.com/schemaguard/guard/migrations"
)

// Replay the example history into a shadow database next to the target,
// one file at a time, and drop it whatever happens.
func ExampleNew() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	target, err := dburl.Parse(os.Getenv("DATABASE_URL"))
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

	for _, m := range src.Migrations {
		if err := sh.Step(ctx, src, source.UpStep(m)); err != nil {
			fmt.Println(err) // names the file and line
			return
		}
		// introspect sh.Conn() here to see what m changed
	}
	fmt.Println("shadow at version", sh.Version())
}
