package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
)

// version is the tool version, set at link time:
//
//	go build -ldflags "-X github.com/pdr-audit/pdr-audit/internal/cli.version=v1.2.3"
//
// It is also recorded in artifacts the tool writes (plan files), so builds
// that are not from a tag keep the default.
var version = "dev"

// subcommands is the explicit list of top-level commands. Add a verb by
// writing its constructor in its own file and listing it here.
func subcommands(env *Env) []*cobra.Command {
	return []*cobra.Command{
		newVersionCmd(env),
		newCollectCmd(env),
		newImportCmd(env),
		newSimCmd(env),
		newAuditCmd(env),
		newRulesCmd(env),
		newReachCmd(env),
		newPlanCmd(env),
		newShowCmd(env),
		newApplyCmd(env),
		newRollbackCmd(env),
		newExportCmd(env),
		newIAMPolicyCmd(env),
	}
}

// newRootCmd returns the pdr-audit command tree, writing to env's streams.
func newRootCmd(env *Env) *cobra.Command {
	return buildRoot(env, subcommands(env))
}

// buildRoot assembles the root command around cmds and applies the
// command-line conventions of the package (see prepare). Tests use it to
// build trees with commands of their own.
func buildRoot(env *Env, cmds []*cobra.Command) *cobra.Command {
	root := &cobra.Command{
		Use:   "pdr-audit",
		Short: "Audit AWS accounts against the Rackspace PDR deployment requirements",
		Long: "pdr-audit checks that AWS accounts meet what Rackspace Proactive Detection and\n" +
			"Response (PDR) needs: Threat Manager appliances, agent and SSM reachability,\n" +
			"supported operating systems and kernels. It also runs a local AWS simulator\n" +
			"fed by estates of AWS CLI JSON.",
		Version:           version,
		SilenceUsage:      true,
		SilenceErrors:     true,
		CompletionOptions: cobra.CompletionOptions{DisableDefaultCmd: true},
	}
	root.SetIn(env.Stdin)
	root.SetOut(env.Stdout)
	root.SetErr(env.Stderr)
	root.SetVersionTemplate("pdr-audit {{.Version}}\n")
	// Inherited by every subcommand: flag parse errors are usage errors.
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return asUsage(err) })
	root.AddCommand(cmds...)
	prepare(root)
	return root
}

// prepare applies the package's command-line conventions to c and its
// subcommands, so no command can forget them:
//
//   - a command with no Run/RunE is a group: bare it prints its help, and an
//     argument that names none of its subcommands is a usage error (cobra
//     would print help and exit 0, or report the error on several lines);
//   - a leaf without an Args validator takes no positional arguments
//     (leave Args nil for that rather than using cobra.NoArgs, whose message
//     speaks of an unknown command);
//   - Args, required-flag and flag-group errors are usage errors;
//   - a command with a --timeout flag is bounded by it (boundRun).
func prepare(c *cobra.Command) {
	for _, sub := range c.Commands() {
		prepare(sub)
	}
	boundRun(c)
	if !c.Runnable() {
		c.Args = unknownSubcommand
		c.RunE = func(c *cobra.Command, _ []string) error { return c.Help() }
	}
	validate := c.Args
	if validate == nil {
		validate = noArgs
	}
	c.Args = func(c *cobra.Command, args []string) error { return asUsage(validate(c, args)) }

	// cobra checks required flags and flag groups after PreRunE and returns
	// plain errors; checking them first here classifies them as usage errors.
	preE, pre := c.PreRunE, c.PreRun
	c.PreRun = nil
	c.PreRunE = func(c *cobra.Command, args []string) error {
		if err := c.ValidateRequiredFlags(); err != nil {
			return asUsage(err)
		}
		if err := c.ValidateFlagGroups(); err != nil {
			return asUsage(err)
		}
		switch {
		case preE != nil:
			return preE(c, args)
		case pre != nil:
			pre(c, args)
		}
		return nil
	}
}

// unknownSubcommand is the Args validator of group commands: any argument is
// a subcommand that does not exist.
func unknownSubcommand(c *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	msg := fmt.Sprintf("unknown command %q for %q", args[0], c.CommandPath())
	if c.SuggestionsMinimumDistance <= 0 {
		c.SuggestionsMinimumDistance = 2 // cobra's own default, which it sets lazily
	}
	if s := c.SuggestionsFor(args[0]); len(s) > 0 {
		msg += fmt.Sprintf("; did you mean %q?", strings.Join(s, `" or "`))
	}
	return usageErrorf("%s", msg)
}

// noArgs is the Args validator of leaf commands that declare none.
func noArgs(c *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usageErrorf("%q takes no arguments, got %q", c.CommandPath(), strings.Join(args, " "))
	}
	return nil
}
