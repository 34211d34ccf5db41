package guard_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/jackc/pgx/v5"

	"github.com/schemaguard/guard/guard"
	"github.com/schemaguard/guard/guard/source"
	"github.com/schemaguard/guard/migrations"
)

// A deploy entrypoint: apply what is pending unless the contract blocks it.
// Many replicas may run it at once: one applies, the others wait and find
// nothing to do.
func ExampleRunner_Up() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop() // a signal cancels the running statement on the server
	cfg, err := pgx.ParseConfig(os.Getenv("DATABASE_URL"))
	if err != nil {
		fmt.Println(err)
		return
	}
	src, err := source.Load(migrations.FS, ".", "migrations")
	if err != nil {
		fmt.Println(err) // a *source.Error: names the file, and has a Hint
		return
	}
	r, err := guard.New(cfg, src, guard.WithContract("guard.contract.json"),
		guard.WithProgress(func(e guard.Event) {
			if e.Kind == guard.EventStepDone {
				fmt.Printf("→ %s ... ok (%s)\n", e.Step.Label(), e.Duration)
			}
		}))
	if err != nil {
		fmt.Println(err)
		return
	}
	res, err := r.Up(ctx, 0)
	var blocked *guard.BlockedError
	var dirty *guard.DirtyError
	switch {
	case errors.As(err, &blocked):
		fmt.Println("blocked:", blocked.Plan.Contract.Tables)
	case errors.As(err, &dirty):
		fmt.Println(dirty.Diagnosis.Message) // then Recover, when Recoverable
	case err != nil:
		fmt.Println(err)
	default:
		fmt.Println(len(res.Applied), "applied; version", res.Version)
	}
}

// A CI check: what would the pending migrations do?
func ExampleRunner_Plan() {
	ctx := context.Background()
	cfg, err := pgx.ParseConfig(os.Getenv("DATABASE_URL"))
	if err != nil {
		fmt.Println(err)
		return
	}
	src, err := source.Open("file://migrations")
	if err != nil {
		fmt.Println(err)
		return
	}
	r, err := guard.New(cfg, src, guard.WithContract("guard.contract.json"), guard.WithShadowURL(os.Getenv("SHADOW_URL")))
	if err != nil {
		fmt.Println(err)
		return
	}
	plan, err := r.Plan(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, st := range plan.Steps {
		for _, tr := range st.Changes.Tables {
			for _, it := range tr.Items {
				fmt.Println(st.File, it.Impact, it.Message)
			}
		}
	}
	if plan.Blocked {
		fmt.Println("up would be blocked")
	}
}
