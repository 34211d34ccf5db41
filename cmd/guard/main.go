// Command guard makes PostgreSQL schema changes safe to ship. See the README.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/schemaguard/guard/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
