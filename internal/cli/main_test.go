package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
)

func TestMain(m *testing.M) {
	code := m.Run()
	cleanupBinary()
	os.Exit(code)
}

// runResult is what one in-process invocation produced.
type runResult struct {
	code           int
	stdout, stderr string
}

// runMain runs Main in-process with args.
func runMain(t *testing.T, args ...string) runResult {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := Main(context.Background(), args, strings.NewReader(""), &stdout, &stderr)
	return runResult{code: code, stdout: stdout.String(), stderr: stderr.String()}
}

// runTree runs a root built around cmds, as Main would run the real one.
func runTree(t *testing.T, ctx context.Context, cmds []*cobra.Command, args ...string) runResult {
	t.Helper()
	var stdout, stderr bytes.Buffer
	env := &Env{Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr, Now: func() time.Time { return time.Unix(0, 0) }}
	code := execute(ctx, env, buildRoot(env, cmds), args)
	return runResult{code: code, stdout: stdout.String(), stderr: stderr.String()}
}

// assertOneErrorLine checks that stderr is exactly one "pdr-audit: " line
// containing want.
func assertOneErrorLine(t *testing.T, stderr, want string) {
	t.Helper()
	if !strings.HasPrefix(stderr, "pdr-audit: ") || !strings.HasSuffix(stderr, "\n") || strings.Count(stderr, "\n") != 1 {
		t.Errorf("stderr = %q, want one line starting with \"pdr-audit: \"", stderr)
	}
	if !strings.Contains(stderr, want) {
		t.Errorf("stderr = %q, want it to contain %q", stderr, want)
	}
}

func TestMainUsageErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"an unknown flag on the root is a usage error", []string{"--bogus"}, "unknown flag: --bogus (see 'pdr-audit --help')"},
		{"an unknown flag on a subcommand points to that subcommand's help", []string{"version", "--bogus"}, "unknown flag: --bogus (see 'pdr-audit version --help')"},
		{"an unknown shorthand flag is a usage error", []string{"-x"}, "unknown shorthand flag: 'x' in -x"},
		{"an unknown command is a usage error", []string{"bogus"}, `unknown command "bogus" for "pdr-audit"`},
		{"a misspelt command gets a suggestion", []string{"verison"}, `did you mean "version"?`},
		{"an unknown subcommand of a group is a usage error", []string{"sim", "bogus"}, `unknown command "bogus" for "pdr-audit sim"`},
		{"a positional argument to a command that takes none is a usage error", []string{"version", "extra"}, `"pdr-audit version" takes no arguments, got "extra"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := runMain(t, tt.args...)
			if got.code != ExitUsage {
				t.Errorf("exit code = %d, want %d", got.code, ExitUsage)
			}
			if got.stdout != "" {
				t.Errorf("stdout = %q, want nothing", got.stdout)
			}
			assertOneErrorLine(t, got.stderr, tt.want)
		})
	}
}

func TestMainVersion(t *testing.T) {
	tests := []struct {
		name string
		args []string
	}{
		{"the version command prints the tool name and version", []string{"version"}},
		{"the --version flag prints the same line", []string{"--version"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := runMain(t, tt.args...)
			want := runResult{code: ExitOK, stdout: "pdr-audit " + version + "\n"}
			if got != want {
				t.Errorf("Main(%q) = %+v, want %+v", tt.args, got, want)
			}
		})
	}
}

func TestMainHelp(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no arguments prints the root help", nil, "Available Commands:"},
		{"--help prints the root help", []string{"--help"}, "Available Commands:"},
		{"a bare group prints its own help", []string{"sim"}, "pdr-audit sim"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := runMain(t, tt.args...)
			if got.code != ExitOK || got.stderr != "" {
				t.Errorf("exit code %d, stderr %q; want 0 and nothing", got.code, got.stderr)
			}
			if !strings.Contains(got.stdout, tt.want) {
				t.Errorf("stdout = %q, want it to contain %q", got.stdout, tt.want)
			}
		})
	}
}

// The root holds exactly the commands of the explicit list, and nothing
// cobra adds on its own (completion).
func TestRootListsCommandsExplicitly(t *testing.T) {
	env := &Env{Stdin: strings.NewReader(""), Stdout: &bytes.Buffer{}, Stderr: &bytes.Buffer{}, Now: time.Now}
	root := newRootCmd(env)
	var got, listed []string
	for _, c := range root.Commands() {
		got = append(got, c.Name())
	}
	for _, c := range subcommands(env) {
		listed = append(listed, c.Name())
	}
	sort.Strings(listed)
	want := strings.Join(listed, " ")
	if strings.Join(got, " ") != want {
		t.Errorf("top-level commands = %q, want %q", got, want)
	}
}

func TestCommandErrorsMapToExitCodes(t *testing.T) {
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name       string
		ctx        context.Context
		runErr     error
		args       []string
		wantCode   int
		wantStderr string // "" means stderr must be empty
	}{
		{
			name:       "a runtime error exits 1 with its message",
			runErr:     fmt.Errorf("read estate %s: %w", "x", os.ErrNotExist),
			wantCode:   ExitError,
			wantStderr: "pdr-audit: read estate x: file does not exist\n",
		},
		{
			name:       "a multi-line error is folded onto one line",
			runErr:     errors.New("2 errors occurred:\n\tpolicy a.rego:1: bad\n\tpolicy b.rego:2: worse\n"),
			wantCode:   ExitError,
			wantStderr: "pdr-audit: 2 errors occurred:; policy a.rego:1: bad; policy b.rego:2: worse\n",
		},
		{
			name:       "a usage error from a command exits 2 and points to its help",
			runErr:     usageErrorf("--throttle must be aws or off, got %q", "fast"),
			wantCode:   ExitUsage,
			wantStderr: "pdr-audit: --throttle must be aws or off, got \"fast\" (see 'pdr-audit run --help')\n",
		},
		{
			name:     "findings exit 3 silently",
			runErr:   withExitCode(ExitFindings, nil),
			wantCode: ExitFindings,
		},
		{
			name:       "incomplete coverage exits 4 with its message",
			runErr:     withExitCode(ExitIncomplete, errors.New("2 API reads denied")),
			wantCode:   ExitIncomplete,
			wantStderr: "pdr-audit: 2 API reads denied\n",
		},
		{
			name:       "a wrapped exit code survives wrapping",
			runErr:     fmt.Errorf("audit: %w", withExitCode(ExitFindings, errors.New("3 checks failed"))),
			wantCode:   ExitFindings,
			wantStderr: "pdr-audit: audit: 3 checks failed\n",
		},
		{
			name:       "cancellation by a signal is reported as interrupted",
			ctx:        cancelled,
			runErr:     fmt.Errorf("describe vpcs: %w", context.Canceled),
			wantCode:   ExitError,
			wantStderr: "pdr-audit: interrupted\n",
		},
		{
			name:     "success exits 0 silently",
			wantCode: ExitOK,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := tt.ctx
			if ctx == nil {
				ctx = context.Background()
			}
			cmd := &cobra.Command{Use: "run", RunE: func(*cobra.Command, []string) error { return tt.runErr }}
			got := runTree(t, ctx, []*cobra.Command{cmd}, "run")
			if got.code != tt.wantCode || got.stderr != tt.wantStderr {
				t.Errorf("got exit %d, stderr %q; want exit %d, stderr %q", got.code, got.stderr, tt.wantCode, tt.wantStderr)
			}
		})
	}
}

func TestFlagRulesAreUsageErrors(t *testing.T) {
	newCmd := func() *cobra.Command {
		cmd := &cobra.Command{
			Use:  "serve",
			Args: cobra.ExactArgs(1),
			RunE: func(*cobra.Command, []string) error { return nil },
		}
		cmd.Flags().String("estate", "", "estate directory")
		cmd.Flags().Duration("latency", 0, "latency")
		cmd.Flags().Bool("json", false, "")
		cmd.Flags().Bool("table", false, "")
		cmd.MarkFlagsMutuallyExclusive("json", "table")
		if err := cmd.MarkFlagRequired("estate"); err != nil {
			t.Fatal(err)
		}
		return cmd
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"a missing required flag", []string{"serve", "a"}, `required flag(s) "estate" not set`},
		{"a flag value of the wrong type", []string{"serve", "a", "--estate", "e", "--latency", "soon"}, `invalid argument "soon" for "--latency" flag`},
		{"a flag without its value", []string{"serve", "a", "--estate"}, "flag needs an argument: --estate"},
		{"mutually exclusive flags together", []string{"serve", "a", "--estate", "e", "--json", "--table"}, "[json table] were all set"},
		{"a wrong number of positional arguments", []string{"serve", "--estate", "e"}, "accepts 1 arg(s), received 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is a usage error", func(t *testing.T) {
			got := runTree(t, context.Background(), []*cobra.Command{newCmd()}, tt.args...)
			if got.code != ExitUsage {
				t.Errorf("exit code = %d, want %d", got.code, ExitUsage)
			}
			assertOneErrorLine(t, got.stderr, tt.want)
		})
	}
	t.Run("a valid invocation succeeds", func(t *testing.T) {
		got := runTree(t, context.Background(), []*cobra.Command{newCmd()}, "serve", "a", "--estate", "e")
		if got.code != ExitOK || got.stderr != "" {
			t.Errorf("got exit %d, stderr %q; want 0 and nothing", got.code, got.stderr)
		}
	})
}

func TestPrepareKeepsExistingPreRun(t *testing.T) {
	var order []string
	cmd := &cobra.Command{
		Use:    "x",
		PreRun: func(*cobra.Command, []string) { order = append(order, "prerun") },
		Run:    func(*cobra.Command, []string) { order = append(order, "run") },
	}
	got := runTree(t, context.Background(), []*cobra.Command{cmd}, "x")
	if got.code != ExitOK || strings.Join(order, ",") != "prerun,run" {
		t.Errorf("exit %d, hooks ran %q; want 0 and prerun,run", got.code, order)
	}
}
