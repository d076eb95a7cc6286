package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Exit codes of pdr-audit. Scripts and CI pipelines branch on them, so they
// are stable: never renumber one or reuse it for another meaning.
const (
	// ExitOK means the command did what was asked and found nothing wrong.
	ExitOK = 0
	// ExitError means a runtime error: AWS unreachable, a file that cannot
	// be read, a plan that is stale, an interrupted run.
	ExitError = 1
	// ExitUsage means the command line itself was wrong: unknown command or
	// flag, bad flag value, missing required flag, wrong arguments.
	ExitUsage = 2
	// ExitFindings means the audit ran completely and at least one check
	// failed.
	ExitFindings = 3
	// ExitIncomplete means the audit could not observe everything it needed
	// (coverage gaps, unknown results), so a clean verdict cannot be given.
	ExitIncomplete = 4
)

// usageError marks an error as misuse of the command line (exit code 2).
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

// usageErrorf returns a usage error (exit code 2) with a formatted message.
// Use it in RunE for argument problems cobra cannot see, such as a flag value
// outside its allowed set.
func usageErrorf(format string, a ...any) error {
	return &usageError{err: fmt.Errorf(format, a...)}
}

// asUsage wraps err as a usage error; nil stays nil and a usage error is
// returned unchanged.
func asUsage(err error) error {
	var ue *usageError
	if err == nil || errors.As(err, &ue) {
		return err
	}
	return &usageError{err: err}
}

// exitError carries an explicit exit code. With a nil err nothing is printed.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// withExitCode makes a command exit with code. err, if not nil, is printed
// like any other error; a nil err exits silently with code (used for
// ExitFindings and ExitIncomplete, where the report already said why).
func withExitCode(code int, err error) error {
	return &exitError{code: code, err: err}
}

// finish maps the error returned by the command tree to an exit code and
// writes at most one line to stderr. hint names the command whose help a
// usage error should point to ("" for none).
func finish(ctx context.Context, stderr io.Writer, err error, hint string) int {
	if err == nil {
		return ExitOK
	}
	code, msg := ExitError, err.Error()
	var ee *exitError
	var ue *usageError
	switch {
	case errors.As(err, &ee):
		code = ee.code
		if ee.err == nil {
			return code
		}
	case errors.As(err, &ue):
		code = ExitUsage
		if hint != "" {
			msg += fmt.Sprintf(" (see '%s --help')", hint)
		}
	case errors.Is(err, context.Canceled) && ctx.Err() != nil:
		// The run was interrupted (SIGINT/SIGTERM); the wrapped chain of
		// "context canceled" says nothing useful to a person.
		msg = "interrupted"
	}
	fmt.Fprintf(stderr, "pdr-audit: %s\n", oneLine(msg))
	return code
}

// oneLine folds a possibly multi-line message into one line, so every error
// is exactly one line on stderr whatever library produced it.
func oneLine(msg string) string {
	var parts []string
	for _, line := range strings.Split(msg, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			parts = append(parts, line)
		}
	}
	return strings.Join(parts, "; ")
}
