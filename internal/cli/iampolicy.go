package cli

import (
	"github.com/spf13/cobra"

	"github.com/pdr-audit/pdr-audit/internal/iampolicy"
)

func newIAMPolicyCmd(env *Env) *cobra.Command {
	var o iampolicy.Options
	c := &cobra.Command{
		Use:   "iam-policy --for audit|apply [--org] [--role-name NAME] [--run-command] [--security-hub]",
		Short: "Print the least-privilege IAM policy pdr-audit needs",
		Long: "iam-policy prints the IAM policy (JSON) with exactly the actions pdr-audit calls:\n" +
			"--for audit the read actions of collection (with --run-command those of --kernel-source\n" +
			"run-command, with --security-hub BatchImportFindings), --for apply the reads and writes\n" +
			"of apply and rollback, scoped by condition where AWS allows (tags only at creation, the\n" +
			"SSM core policy only, roles passed only to EC2). --org adds ListAccounts and AssumeRole\n" +
			"into --role-name in every account; attach the same policy to that role there.",
		RunE: func(c *cobra.Command, _ []string) error {
			p, err := iampolicy.Build(o)
			if err != nil {
				return asUsage(err)
			}
			b, err := p.JSON()
			if err != nil {
				return err
			}
			_, err = env.Stdout.Write(b)
			return err
		},
	}
	fs := c.Flags()
	fs.StringVar(&o.For, "for", "", "audit or apply (required)")
	fs.BoolVar(&o.Org, "org", false, "add what an organization-wide run calls")
	fs.StringVar(&o.RoleName, "role-name", "pdr-audit", "the role assumed in other accounts")
	fs.BoolVar(&o.RunCommand, "run-command", false, "add what --kernel-source run-command calls")
	fs.BoolVar(&o.SecurityHub, "security-hub", false, "add what audit --security-hub calls")
	_ = c.MarkFlagRequired("for")
	return c
}
