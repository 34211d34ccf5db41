package verify_test

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/schemaguard/guard/verify"
)

// Verify the migrations of a project from its root, as CI does, and exit
// the way guard verify does: 0 passed, 1 failed, 3 blocked by the contract.
func ExampleRun() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	src, err := verify.LoadSource(os.DirFS("."), "migrations", "migrations")
	if err != nil {
		fmt.Fprintln(os.Stderr, err) // no migrations folder, or nothing usable in it
		os.Exit(1)
	}
	rep, err := verify.Run(ctx, src,
		verify.WithSourceDir("migrations"), // findings name migrations/000003_x.up.sql
		verify.WithContract("guard.contract.json"),
		verify.WithQueries("db/queries"),
		verify.WithRequireDown(),
	)
	if err != nil {
		fmt.Fprintln(os.Stderr, err) // could not verify at all
		os.Exit(1)
	}
	if os.Getenv("GITHUB_ACTIONS") == "true" {
		_ = rep.WriteGitHub(os.Stdout) // annotations on the pull request
	} else {
		_ = rep.WriteText(os.Stdout)
	}
	switch rep.Status {
	case verify.StatusFailed:
		os.Exit(1)
	case verify.StatusBlocked:
		os.Exit(3)
	}
}
