package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/pdr-audit/pdr-audit/internal/collect"
	"github.com/pdr-audit/pdr-audit/internal/remediate"
)

// changeFlags are the flags apply and rollback share.
type changeFlags struct {
	aws         scopeFlags
	autoApprove bool
}

func (f *changeFlags) register(c *cobra.Command) {
	f.aws.register(c)
	// Collection-only flags mean nothing here.
	for _, name := range []string{"regions", "accounts", "org", "kernel-source", "concurrency"} {
		_ = c.Flags().MarkHidden(name)
	}
	c.Flags().BoolVar(&f.autoApprove, "auto-approve", false, "do not ask for confirmation (required without a terminal)")
}

// liveClients builds SDK clients per account and region: the caller's own
// account with its credentials, any other through --role-name. It is the
// account check: an account the plan names that the caller can neither be
// in nor assume a role into is refused before anything changes.
type liveClients struct {
	base       aws.Config
	caller     string
	roleName   string
	externalID string

	mu    sync.Mutex
	creds map[string]aws.CredentialsProvider
}

func newLiveClients(ctx context.Context, f *scopeFlags) (*liveClients, error) {
	cfg, err := f.awsConfig(ctx)
	if err != nil {
		return nil, err
	}
	id, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return nil, fmt.Errorf("who is calling (sts:GetCallerIdentity): %w", err)
	}
	return &liveClients{base: cfg, caller: aws.ToString(id.Account), roleName: f.roleName, externalID: f.externalID,
		creds: map[string]aws.CredentialsProvider{}}, nil
}

// check refuses accounts the caller cannot act in.
func (l *liveClients) check(ctx context.Context, accounts []string) error {
	for _, a := range accounts {
		if _, err := l.config(ctx, a, "us-east-1"); err != nil {
			return err
		}
	}
	return nil
}

func (l *liveClients) config(ctx context.Context, account, region string) (aws.Config, error) {
	cfg := l.base.Copy()
	cfg.Region = region
	if account == l.caller {
		return cfg, nil
	}
	if l.roleName == "" {
		return aws.Config{}, fmt.Errorf("account mismatch: the plan changes account %s, the caller is in %s (give --role-name to act through a role there)", account, l.caller)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	prov, ok := l.creds[account]
	if !ok {
		var err error
		if prov, err = collect.Assume(ctx, l.base, account, l.roleName, l.externalID); err != nil {
			return aws.Config{}, fmt.Errorf("account %s: assume role %s: %w", account, l.roleName, err)
		}
		l.creds[account] = prov
	}
	cfg.Credentials = prov
	return cfg, nil
}

func (l *liveClients) EC2(ctx context.Context, account, region string) (remediate.EC2API, error) {
	cfg, err := l.config(ctx, account, region)
	if err != nil {
		return nil, err
	}
	return ec2.NewFromConfig(cfg), nil
}

func (l *liveClients) IAM(ctx context.Context, account string) (remediate.IAMAPI, error) {
	cfg, err := l.config(ctx, account, "us-east-1")
	if err != nil {
		return nil, err
	}
	return iam.NewFromConfig(cfg), nil
}

// confirm asks for "yes" on a terminal. Without a terminal and without
// --auto-approve it is an error: silence is never consent.
func confirm(env *Env, autoApprove bool, question string) error {
	if autoApprove {
		return nil
	}
	f, ok := env.Stdin.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return usageErrorf("no terminal to confirm on: review the plan, then pass --auto-approve")
	}
	fmt.Fprintf(env.Stderr, "%s Only 'yes' will be accepted: ", question)
	line, err := bufio.NewReader(env.Stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("read confirmation: %w", err)
	}
	if strings.TrimSpace(line) != "yes" {
		return withExitCode(ExitError, errors.New("cancelled: nothing was changed"))
	}
	return nil
}

type applyOptions struct {
	changeFlags
	journal    string
	dryRun     bool
	signKey    string
	maxPlanAge time.Duration
}

func newApplyCmd(env *Env) *cobra.Command {
	var o applyOptions
	c := &cobra.Command{
		Use:   "apply plan.json [--journal FILE] [--auto-approve] [--dry-run] [AWS flags]",
		Short: "Apply a remediation plan, refusing it if anything changed since planning",
		Long: "apply executes a plan written by `pdr-audit plan`. It refuses a plan of another\n" +
			"format or pdr-audit version, a plan modified after it was written, a plan older than\n" +
			"--max-plan-age, an unsigned plan when --sign-key is given, and a plan for an account\n" +
			"the caller is not in (other accounts need --role-name). It then re-reads every target\n" +
			"and refuses the whole plan if any changed since planning. It shows the plan and asks\n" +
			"for 'yes' (or --auto-approve; without a terminal --auto-approve is required).\n" +
			"\n" +
			"Changes are applied one at a time, each re-read and verified, paced to AWS's throttling\n" +
			"buckets; the first failure stops the run. A journal of what was applied (with the\n" +
			"inverse of each change), what failed and what was not attempted is always written,\n" +
			"also on failure or interrupt: --journal FILE, default plan.journal.json beside the\n" +
			"plan. `pdr-audit rollback` undoes it. --dry-run sends every EC2 call with DryRun=true\n" +
			"to prove the permissions, changing nothing.",
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error { return runApply(c, env, &o, args[0]) },
	}
	o.changeFlags.register(c)
	fs := c.Flags()
	fs.StringVar(&o.journal, "journal", "", "journal file (default: <plan>.journal.json beside the plan)")
	fs.BoolVar(&o.dryRun, "dry-run", false, "send every EC2 call with DryRun=true: prove permissions, change nothing")
	fs.StringVar(&o.signKey, "sign-key", "", "file holding the key the plan was signed with: require a valid signature")
	fs.DurationVar(&o.maxPlanAge, "max-plan-age", maxPlanAgeDefault, "refuse plans older than this (0: any age)")
	return c
}

// journalPath is the default journal beside the plan: plan.json →
// plan.journal.json.
func journalPath(plan string) string {
	ext := filepath.Ext(plan)
	return strings.TrimSuffix(plan, ext) + ".journal.json"
}

func runApply(c *cobra.Command, env *Env, o *applyOptions, planPath string) error {
	ctx := c.Context()
	ro := remediate.ReadOptions{ToolVersion: version, MaxAge: o.maxPlanAge, Now: env.Now()}
	if o.signKey != "" {
		k, err := readKey(o.signKey)
		if err != nil {
			return err
		}
		ro.Key = k
	}
	plan, err := remediate.ReadPlan(planPath, ro)
	if err != nil {
		return err
	}
	journal := o.journal
	if journal == "" {
		journal = journalPath(planPath)
	}
	if len(plan.Changes) == 0 {
		fmt.Fprintln(env.Stdout, "The plan has no changes: nothing to apply.")
		return nil
	}
	clients, err := newLiveClients(ctx, &o.aws)
	if err != nil {
		return err
	}
	if err := clients.check(ctx, plan.Accounts); err != nil {
		return err
	}
	ap := &remediate.Applier{Clients: clients, DryRun: o.dryRun, Log: env.Stderr, Now: env.Now, Pace: remediate.NewPacer()}
	if err := ap.CheckStale(ctx, plan); err != nil {
		return err
	}
	if err := remediate.Render(env.Stdout, plan); err != nil {
		return err
	}
	verb := "apply"
	if o.dryRun {
		verb = "dry-run"
	}
	if err := confirm(env, o.autoApprove, fmt.Sprintf("\nDo you want to %s these %d change(s) to account(s) %s?", verb, len(plan.Changes), strings.Join(plan.Accounts, ", "))); err != nil {
		return err
	}
	j, applyErr := ap.Apply(ctx, plan, planPath)
	// The journal is written whatever happened, with a context of its
	// own: an interrupt must not stop it.
	if err := remediate.WriteJournal(journal, j); err != nil {
		return errors.Join(applyErr, fmt.Errorf("write journal %s: %w", journal, err))
	}
	fmt.Fprintf(env.Stdout, "\n%s. Journal: %s\n", upperFirst(j.Outcome), journal)
	if applyErr != nil {
		return fmt.Errorf("apply stopped (journal %s; undo with pdr-audit rollback %s): %w", journal, journal, applyErr)
	}
	return nil
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func newRollbackCmd(env *Env) *cobra.Command {
	var o changeFlags
	c := &cobra.Command{
		Use:   "rollback journal.json [--auto-approve] [AWS flags]",
		Short: "Undo the changes an apply made, newest first",
		Long: "rollback reads the journal `pdr-audit apply` wrote and reverses every applied change\n" +
			"(and the part of a failed change that was done), newest first, verifying that each\n" +
			"target reads as it did before the change. It asks for 'yes' as apply does. The journal\n" +
			"is rewritten with each entry marked rolled-back, so rolling back twice changes nothing.",
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			ctx := c.Context()
			j, err := remediate.ReadJournal(args[0])
			if err != nil {
				return err
			}
			var todo []string
			accounts := map[string]bool{}
			for _, e := range j.Entries {
				if e.Undoable() {
					todo = append(todo, fmt.Sprintf("  - %s %s %s (%s, %s)", e.ChangeID, e.Action, e.Resource.ID, e.Account, e.Region))
					accounts[e.Account] = true
				}
			}
			if len(todo) == 0 {
				fmt.Fprintln(env.Stdout, "Nothing to roll back: the journal has no applied change.")
				return nil
			}
			clients, err := newLiveClients(ctx, &o.aws)
			if err != nil {
				return err
			}
			var accts []string
			for a := range accounts {
				accts = append(accts, a)
			}
			if err := clients.check(ctx, accts); err != nil {
				return err
			}
			fmt.Fprintf(env.Stdout, "Roll back, newest first:\n%s\n", strings.Join(reverse(todo), "\n"))
			if err := confirm(env, o.autoApprove, fmt.Sprintf("\nDo you want to roll back these %d change(s)?", len(todo))); err != nil {
				return err
			}
			ap := &remediate.Applier{Clients: clients, Log: env.Stderr, Now: env.Now, Pace: remediate.NewPacer()}
			rbErr := ap.Rollback(ctx, j)
			if err := remediate.WriteJournal(args[0], j); err != nil {
				return errors.Join(rbErr, fmt.Errorf("write journal %s: %w", args[0], err))
			}
			if rbErr != nil {
				return fmt.Errorf("rollback stopped (journal %s updated): %w", args[0], rbErr)
			}
			fmt.Fprintf(env.Stdout, "Rolled back %d change(s). Journal updated: %s\n", len(todo), args[0])
			return nil
		},
	}
	o.register(c)
	return c
}

func reverse(s []string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[len(s)-1-i] = v
	}
	return out
}

func newExportCmd(env *Env) *cobra.Command {
	export := &cobra.Command{
		Use:   "export",
		Short: "Export a remediation plan for other tools",
	}
	var out string
	tf := &cobra.Command{
		Use:   "terraform plan.json [-o FILE]",
		Short: "Write a plan's changes as Terraform HCL",
		Long: "export terraform writes the plan's changes as Terraform configuration for the\n" +
			"hashicorp/aws provider (>= 5): security group rules, network ACL rules, endpoints with\n" +
			"their group, policy attachments and appliance instances, one provider alias per account\n" +
			"and region. Changes Terraform has no resource for (associating an instance profile with\n" +
			"an instance it does not manage) and skipped failures are written as comments.",
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			p, err := remediate.ReadPlan(args[0], remediate.ReadOptions{})
			if err != nil {
				return err
			}
			b, err := remediate.Terraform(p)
			if err != nil {
				return fmt.Errorf("export terraform: %w", err)
			}
			if out == "" || out == "-" {
				_, err = env.Stdout.Write(b)
				return err
			}
			return safeWrite(out, func(w io.Writer) error { _, err := w.Write(b); return err })
		},
	}
	tf.Flags().StringVarP(&out, "out", "o", "", "write to FILE (mode 0600) instead of stdout")
	export.AddCommand(tf)
	return export
}
