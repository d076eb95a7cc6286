package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/pdr-audit/pdr-audit/internal/policy"
)

func newRulesCmd(env *Env) *cobra.Command {
	c := &cobra.Command{
		Use:   "rules",
		Short: "List, show and test the rule catalog",
		Long: "rules works with the rule catalog: the PDR rules built into pdr-audit, plus any\n" +
			"directory of your own Rego given with --policy. Each rule's METADATA block is the\n" +
			"single source of its id, title, severity, resource kind, remediation and help.",
	}
	c.AddCommand(newRulesListCmd(env), newRulesShowCmd(env), newRulesTestCmd(env))
	return c
}

// loadCatalog compiles the catalog (and dirs) and returns its rules.
func loadCatalog(c *cobra.Command, dirs []string) ([]policy.Rule, error) {
	e, err := policy.New(c.Context(), policy.Options{PolicyDirs: dirs})
	if err != nil {
		return nil, err
	}
	return e.Rules(), nil
}

func newRulesListCmd(env *Env) *cobra.Command {
	var format string
	var dirs []string
	c := &cobra.Command{
		Use:   "list [--format table|json] [--policy DIR]...",
		Short: "List the rules: id, severity, resource kind, title, remediation",
		RunE: func(c *cobra.Command, _ []string) error {
			if format != "table" && format != "json" {
				return usageErrorf("--format: unknown format %q (valid formats: json, table)", format)
			}
			rules, err := loadCatalog(c, dirs)
			if err != nil {
				return err
			}
			if format == "json" {
				return writeJSON(env.Stdout, rules)
			}
			tw := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tSEVERITY\tRESOURCE KIND\tTITLE\tREMEDIATION")
			for _, r := range rules {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.ID, r.Severity, r.ResourceKind, r.Title, r.Remediation)
			}
			return tw.Flush()
		},
	}
	c.Flags().StringVar(&format, "format", "table", "output format: table or json")
	c.Flags().StringArrayVar(&dirs, "policy", nil, "directory of your own Rego rules to list beside the catalog (repeatable)")
	return c
}

func newRulesShowCmd(env *Env) *cobra.Command {
	var format string
	var dirs []string
	c := &cobra.Command{
		Use:   "show RULE_ID [--format text|json] [--policy DIR]...",
		Short: "Show everything about one rule, help included",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			if format != "text" && format != "json" {
				return usageErrorf("--format: unknown format %q (valid formats: json, text)", format)
			}
			rules, err := loadCatalog(c, dirs)
			if err != nil {
				return err
			}
			id := strings.ToUpper(args[0])
			i := slices.IndexFunc(rules, func(r policy.Rule) bool { return r.ID == id })
			if i < 0 {
				ids := make([]string, len(rules))
				for j, r := range rules {
					ids[j] = r.ID
				}
				return usageErrorf("no rule %q (the catalog has %s)", args[0], strings.Join(ids, ", "))
			}
			r := rules[i]
			if format == "json" {
				return writeJSON(env.Stdout, r)
			}
			return writeRule(env.Stdout, r)
		},
	}
	c.Flags().StringVar(&format, "format", "text", "output format: text or json")
	c.Flags().StringArrayVar(&dirs, "policy", nil, "directory of your own Rego rules to search beside the catalog (repeatable)")
	return c
}

// writeRule prints a rule's metadata for a person.
func writeRule(w io.Writer, r policy.Rule) error {
	origin := "built in"
	if !r.BuiltIn {
		origin = "--policy"
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "%s\t%s\n\n", r.ID, r.Title)
	for _, kv := range [][2]string{
		{"severity", r.Severity}, {"resource kind", r.ResourceKind}, {"remediation", r.Remediation},
		{"package", r.Package}, {"file", r.File + " (" + origin + ")"},
	} {
		fmt.Fprintf(tw, "%s:\t%s\n", kv[0], kv[1])
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "\n%s\n\n%s\n", r.Description, r.Help)
	return err
}

func newRulesTestCmd(env *Env) *cobra.Command {
	var profile string
	var verbose bool
	c := &cobra.Command{
		Use:   "test [DIR...] [--profile P] [-v]",
		Short: "Run the Rego unit tests of the catalog and of your own rules",
		Long: "test runs the test_ rules of the *_test.rego files of the built-in catalog and of\n" +
			"each DIR, the way `opa test` does, with pdr-audit's builtins (pdr.net.reach; mock it\n" +
			"with `with pdr.net.reach as ...`) and the profile's data in data.profile. It prints\n" +
			"each failing test (every test with -v) and a summary, and exits 0 when all pass,\n" +
			"1 when any fails or errs.",
		Args: cobra.ArbitraryArgs,
		RunE: func(c *cobra.Command, dirs []string) error {
			if !slices.Contains(policy.Profiles, profile) {
				return usageErrorf("--profile: unknown profile %q (this build has %s)", profile, strings.Join(policy.Profiles, ", "))
			}
			sum, err := policy.Test(c.Context(), dirs, profile, verbose, env.Stdout)
			if err != nil {
				return err
			}
			if bad := sum.Failed + sum.Errored; bad > 0 {
				return fmt.Errorf("%d of %d Rego tests failed", bad, bad+sum.Passed+sum.Skipped)
			}
			return nil
		},
	}
	c.Flags().StringVar(&profile, "profile", policy.DefaultProfile, "profile whose data the tests see: "+strings.Join(policy.Profiles, ", "))
	c.Flags().BoolVarP(&verbose, "verbose", "v", false, "print every test, not only the failing ones")
	return c
}

// writeJSON writes v as indented JSON.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
