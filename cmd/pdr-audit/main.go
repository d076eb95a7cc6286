// Command pdr-audit audits AWS estates against the Rackspace PDR
// requirements. All behaviour lives in internal/cli; this file only ties the
// process (arguments, standard streams, signals, exit status) to it.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/pdr-audit/pdr-audit/internal/cli"
)

func main() {
	// SIGINT/SIGTERM cancel the context instead of killing the process, so
	// long-running commands (collection, the simulator, apply) can stop
	// cleanly and still write what they must (journals, partial reports).
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
