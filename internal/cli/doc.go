// Package cli is the command-line front end of pdr-audit and the only place
// that wires the pipeline together (collect → policy → report → remediate,
// plus the simulator). Every other package returns errors; only this package
// turns them into messages and exit codes.
//
// Shape:
//
//   - One file per verb. Each file provides a constructor
//     func newXxxCmd(env *Env) *cobra.Command; root.go lists them explicitly
//     in [subcommands]. Nothing registers itself from init().
//   - Commands read and write only through [Env] (never os.Stdout or
//     time.Now directly), so tests drive them in-process with buffers and a
//     fixed clock. Results go to Env.Stdout; progress and logs to Env.Stderr.
//   - Commands never print their own errors: RunE returns them and [Main]
//     prints exactly one line, "pdr-audit: <message>", on stderr.
//
// Exit codes (see the Exit* constants) are part of the interface that
// scripts and CI depend on; never renumber them. Misuse of the command line
// is always [ExitUsage]: unknown commands and flags, bad flag values, missing
// required flags, wrong positional arguments, and errors a command builds
// with usageErrorf. To keep that true for every command without each one
// having to remember, newRootCmd post-processes the whole command tree
// (see prepare in root.go):
//
//   - a command without Run/RunE is a group: bare, it prints its help; with
//     an argument that is not one of its subcommands it is a usage error;
//   - a leaf command that declares no Args validator accepts no positional
//     arguments (cobra's default would silently ignore them);
//   - Args validator errors, flag parse errors, required-flag and flag-group
//     errors are all wrapped as usage errors.
//
// A command that wants exit code 3 (findings) or 4 (incomplete coverage)
// returns withExitCode(code, err); a nil err exits with the code and prints
// nothing, because the report itself already told the story.
package cli
