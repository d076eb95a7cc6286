package cli

import (
	"context"
	"io"
	"time"

	"github.com/spf13/cobra"
)

// Env is everything a command may touch of the outside world besides its
// context: the standard streams and the clock. Commands use it instead of
// os.Stdout or time.Now so tests run them in-process and deterministically.
type Env struct {
	// Stdin is read by commands that ask for confirmation or take input.
	Stdin io.Reader
	// Stdout receives results (reports, plans, listings) and nothing else.
	Stdout io.Writer
	// Stderr receives progress, logs and the final error line.
	Stderr io.Writer
	// Now is the clock; tests inject a fixed one so outputs are stable.
	Now func() time.Time
}

// Main runs pdr-audit with args (without the program name) and returns the
// process exit code (one of the Exit* constants). Cancelling ctx asks the
// running command to stop. Errors are reported as a single line
// "pdr-audit: <message>" on stderr; Main never panics on bad input and never
// prints a stack trace.
func Main(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	env := &Env{Stdin: stdin, Stdout: stdout, Stderr: stderr, Now: time.Now}
	return execute(ctx, env, newRootCmd(env), args)
}

// execute runs root with args and maps the outcome to an exit code.
func execute(ctx context.Context, env *Env, root *cobra.Command, args []string) int {
	// A nil slice would make cobra fall back to os.Args, so always pass a
	// non-nil one.
	root.SetArgs(append([]string{}, args...))
	cmd, err := root.ExecuteContextC(ctx)
	hint := root.CommandPath()
	if cmd != nil {
		hint = cmd.CommandPath()
	}
	return finish(ctx, env.Stderr, err, hint)
}
