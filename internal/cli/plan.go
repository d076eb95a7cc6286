package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/pdr-audit/pdr-audit/internal/config"
	"github.com/pdr-audit/pdr-audit/internal/finding"
	"github.com/pdr-audit/pdr-audit/internal/model"
	"github.com/pdr-audit/pdr-audit/internal/policy"
	"github.com/pdr-audit/pdr-audit/internal/remediate"
)

// ExitChanges is plan's exit code with --detailed-exitcode when the plan
// has changes, as terraform's `plan -detailed-exitcode` does.
const ExitChanges = 2

// evalInputs are the flags that say what to evaluate: the snapshot (or
// estate, or live collection), the configuration, profile and waivers.
type evalInputs struct {
	snapshot, estate string
	profile          string
	datacenter       string
	policyDirs       []string
	configPath       string
	waiversPath      string
}

func (in *evalInputs) register(c *cobra.Command) {
	fs := c.Flags()
	fs.StringVar(&in.snapshot, "snapshot", "", "use this snapshot file (from collect or import) instead of collecting")
	fs.StringVar(&in.estate, "estate", "", "use this estate directory (AWS CLI JSON), imported in-process")
	fs.StringVar(&in.profile, "profile", "", "requirement profile: "+strings.Join(policy.Profiles, ", ")+" (default: the config file's, else "+policy.DefaultProfile+")")
	fs.StringVar(&in.datacenter, "datacenter", "", "Alert Logic data center: us or eu (default: the config file's, else us)")
	fs.StringArrayVar(&in.policyDirs, "policy", nil, "directory of your own Rego rules, evaluated beside the catalog (repeatable)")
	fs.StringVar(&in.configPath, "config", "", "configuration file (pdr-audit.yaml): selectors, exclusions, profile, remediation settings")
	fs.StringVar(&in.waiversPath, "waivers", "", "waivers file: waived failures are not planned")
}

// evaluated is a snapshot and its audit results.
type evaluated struct {
	snap    *model.Snapshot
	results []finding.Result
	engine  *policy.Engine
	cfg     *config.Config
}

// evaluate reads the inputs, collecting live when neither --snapshot nor
// --estate is given, and evaluates the catalog.
func (in *evalInputs) evaluate(c *cobra.Command, env *Env, live *scopeFlags) (*evaluated, error) {
	ctx := c.Context()
	if in.snapshot != "" && in.estate != "" {
		return nil, usageErrorf("--snapshot and --estate are two inputs; give one (or neither, to collect live)")
	}
	if in.snapshot != "" || in.estate != "" {
		if set := liveOnlyFlags(c, in.estate != ""); len(set) > 0 {
			return nil, usageErrorf("%s applies to live collection, not to --snapshot or --estate", strings.Join(set, ", "))
		}
	}
	cfg, err := runConfig(c, in.configPath, in.profile, in.datacenter)
	if err != nil {
		return nil, err
	}
	var waivers []finding.Waiver
	if in.waiversPath != "" {
		if waivers, err = finding.LoadWaivers(in.waiversPath); err != nil {
			return nil, err
		}
	}
	var snap *model.Snapshot
	if in.snapshot != "" {
		if snap, err = readSnapshotFile(in.snapshot); err != nil {
			return nil, err
		}
	}
	engine, err := policy.New(ctx, policy.Options{
		Profile: cfg.Profile, Datacenter: cfg.Datacenter, PolicyDirs: in.policyDirs, Config: cfg.Data(),
	})
	if err != nil {
		return nil, err
	}
	switch {
	case in.estate != "":
		kernelSource := "run-command"
		if c.Flags().Changed("kernel-source") {
			kernelSource = live.kernelSource
		}
		if snap, err = importEstate(c, env, in.estate, kernelSource, live.quiet); err != nil {
			return nil, err
		}
	case snap == nil:
		if snap, err = collectLive(c, env, live); err != nil {
			return nil, err
		}
	}
	results, err := engine.Evaluate(ctx, snap)
	if err != nil {
		return nil, fmt.Errorf("evaluate: %w", err)
	}
	if in.waiversPath != "" {
		results, _ = finding.ApplyWaivers(results, waivers, env.Now())
	}
	return &evaluated{snap: snap, results: results, engine: engine, cfg: cfg}, nil
}

// runConfig checks --profile and --datacenter (usage errors), loads the
// configuration file over the defaults, and lets the flags override it.
func runConfig(c *cobra.Command, path, profile, datacenter string) (*config.Config, error) {
	if c.Flags().Changed("profile") && !slices.Contains(policy.Profiles, profile) {
		return nil, usageErrorf("--profile: unknown profile %q (this build has %s)", profile, strings.Join(policy.Profiles, ", "))
	}
	if c.Flags().Changed("datacenter") && !slices.Contains(policy.Datacenters, datacenter) {
		return nil, usageErrorf("--datacenter: unknown data center %q (want %s)", datacenter, strings.Join(policy.Datacenters, " or "))
	}
	cfg := config.Default()
	if path != "" {
		var err error
		if cfg, err = config.Load(path); err != nil {
			return nil, err
		}
	}
	if c.Flags().Changed("profile") {
		cfg.Profile = profile
	}
	if c.Flags().Changed("datacenter") {
		cfg.Datacenter = datacenter
	}
	return cfg, nil
}

type planOptions struct {
	out              string
	allowHighRisk    bool
	detailedExitCode bool
	signKey          string
	format           string
}

func newPlanCmd(env *Env) *cobra.Command {
	var in evalInputs
	var live scopeFlags
	var o planOptions
	c := &cobra.Command{
		Use:   "plan [--snapshot FILE | --estate DIR | scope flags] -o plan.json [--allow-high-risk] [--detailed-exitcode]",
		Short: "Plan the AWS changes that fix the audit's failures, for review before apply",
		Long: "plan audits the input as audit does, then turns every failure it can fix into a\n" +
			"change: security group rules and network ACL entries that open the blocked paths,\n" +
			"SSM interface endpoints for instances without an internet path, an instance profile\n" +
			"association or the AmazonSSMManagedInstanceCore attachment, and (only with\n" +
			"--allow-high-risk) Threat Manager appliances for uncovered Availability Zones.\n" +
			"Everything else (kernels, operating systems, SSM agents) is listed as skipped, with\n" +
			"the manual step. Planning makes no AWS call beyond reading the input.\n" +
			"\n" +
			"The plan is written to -o FILE (JSON, mode 0600) with the snapshot's digest and the\n" +
			"plan's own digest; with --sign-key FILE it is also HMAC-signed. It is shown on stdout\n" +
			"(--format json prints the plan file instead). Review it with `pdr-audit show`, apply\n" +
			"it with `pdr-audit apply`. The remediation section of --config chooses the security\n" +
			"group strategy, the instance profile and the appliance AMI, type and groups.\n" +
			"\n" +
			"Exit codes: 0 the plan was written (with --detailed-exitcode: and has no changes);\n" +
			"2 with --detailed-exitcode: the plan has changes (as terraform's); 1 runtime error;\n" +
			"2 usage error (reported on stderr before anything is written).",
		RunE: func(c *cobra.Command, _ []string) error { return runPlan(c, env, &in, &live, &o) },
	}
	registerLiveFlags(c, &live)
	in.register(c)
	fs := c.Flags()
	fs.StringVarP(&o.out, "out", "o", "", "write the plan to this file (required)")
	fs.BoolVar(&o.allowHighRisk, "allow-high-risk", false, "also plan high-risk changes: launching Threat Manager appliances")
	fs.BoolVar(&o.detailedExitCode, "detailed-exitcode", false, "exit 0 when the plan has no changes, 2 when it has")
	fs.StringVar(&o.signKey, "sign-key", "", "file holding a secret key: sign the plan (HMAC-SHA256) so apply can require it")
	fs.StringVar(&o.format, "format", "text", "what to print on stdout: text (the rendered plan) or json (the plan file)")
	_ = c.MarkFlagRequired("out")
	return c
}

func runPlan(c *cobra.Command, env *Env, in *evalInputs, live *scopeFlags, o *planOptions) error {
	if o.format != "text" && o.format != "json" {
		return usageErrorf("--format: %q is not text or json", o.format)
	}
	var key []byte
	if o.signKey != "" {
		var err error
		if key, err = readKey(o.signKey); err != nil {
			return err
		}
	}
	ev, err := in.evaluate(c, env, live)
	if err != nil {
		return err
	}
	digest, err := remediate.SnapshotDigest(ev.snap)
	if err != nil {
		return err
	}
	rules := map[string]remediate.RuleInfo{}
	for _, r := range ev.engine.Rules() {
		rules[r.ID] = remediate.RuleInfo{Remediation: r.Remediation, Help: r.Help}
	}
	plan, err := remediate.Build(ev.snap, ev.results, remediate.Options{
		Rules: rules, Config: ev.cfg, AllowHighRisk: o.allowHighRisk, SSMServices: ssmServices(ev.engine),
		ToolVersion: version, Profile: ev.engine.Profile(), SnapshotDigest: digest, Now: env.Now(),
	})
	if err != nil {
		return fmt.Errorf("plan: %w", err)
	}
	if err := remediate.WritePlan(o.out, plan, key); err != nil {
		return fmt.Errorf("write plan: %w", err)
	}
	if o.format == "json" {
		err = remediate.EncodePlan(env.Stdout, plan)
	} else {
		err = remediate.Render(env.Stdout, plan)
		fmt.Fprintf(env.Stdout, "Saved to %s. Apply it with: pdr-audit apply %s\n", o.out, o.out)
	}
	if err != nil {
		return err
	}
	if o.detailedExitCode && len(plan.Changes) > 0 {
		return withExitCode(ExitChanges, nil)
	}
	return nil
}

// ssmServices reads the profile's ssm_services.
func ssmServices(e *policy.Engine) []string {
	var nw struct {
		SSMServices []string `json:"ssm_services"`
	}
	_ = json.Unmarshal(e.NetworkRequirements(), &nw)
	return nw.SSMServices
}

// readKey reads a signing key file; an empty key is refused.
func readKey(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("sign key: %w", err)
	}
	k := []byte(strings.TrimSpace(string(b)))
	if len(k) < 16 {
		return nil, fmt.Errorf("sign key %s: shorter than 16 bytes", path)
	}
	return k, nil
}

func newShowCmd(env *Env) *cobra.Command {
	var format string
	c := &cobra.Command{
		Use:   "show plan.json [--format text|json]",
		Short: "Show a remediation plan",
		Long: "show renders a plan written by `pdr-audit plan`: each change with what it adds (+),\n" +
			"the rules it fixes and the instances it affects, then the skipped failures with their\n" +
			"manual steps. The plan is checked as apply checks it (format version, digest).",
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			if format != "text" && format != "json" {
				return usageErrorf("--format: %q is not text or json", format)
			}
			p, err := remediate.ReadPlan(args[0], remediate.ReadOptions{})
			if err != nil {
				return err
			}
			if format == "json" {
				return remediate.EncodePlan(env.Stdout, p)
			}
			return remediate.Render(env.Stdout, p)
		},
	}
	c.Flags().StringVar(&format, "format", "text", "text or json")
	return c
}

// maxPlanAgeDefault is how old a plan apply accepts by default.
const maxPlanAgeDefault = 24 * time.Hour
