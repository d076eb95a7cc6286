package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/securityhub"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"golang.org/x/term"

	"github.com/pdr-audit/pdr-audit/internal/collect"
	"github.com/pdr-audit/pdr-audit/internal/finding"
	"github.com/pdr-audit/pdr-audit/internal/model"
	"github.com/pdr-audit/pdr-audit/internal/policy"
	"github.com/pdr-audit/pdr-audit/internal/report"
	"github.com/pdr-audit/pdr-audit/internal/sechub"
)

// auditOptions are audit's own flags (the live collection flags are in
// scopeFlags).
type auditOptions struct {
	snapshot, estate string
	format           string
	outputs          []string
	baselinePath     string
	profile          string
	datacenter       string
	policyDirs       []string
	configPath       string
	waiversPath      string
	failOn           string
	failOnUnknown    bool
	includePassed    bool
	securityHub      bool
}

// awsProfileFlag is collect's --profile under audit: there --profile names
// the requirement profile, as everywhere else in pdr-audit's policy
// commands, so the AWS shared-config profile is --aws-profile (or
// AWS_PROFILE).
const awsProfileFlag = "aws-profile"

// failOnNewValue is the --fail-on value that gates on regressions only.
const failOnNewValue = "new"

// estateFlags are the scope flags that still mean something with --estate;
// every other scope flag applies to live collection only.
var estateFlags = []string{"kernel-source", "quiet"}

// securityHubFlags are the scope flags --security-hub's upload uses, so
// they mean something with --snapshot and --estate too when it is set.
var securityHubFlags = []string{"endpoint-url", awsProfileFlag, "region", "role-name", "external-id"}

func newAuditCmd(env *Env) *cobra.Command {
	var o auditOptions
	var live scopeFlags
	c := &cobra.Command{
		Use:   "audit [--snapshot FILE | --estate DIR | scope flags] [--format FORMAT] [-o FILE] [--output FORMAT=FILE]... [--baseline FILE]",
		Short: "Check accounts against the PDR requirements and report per rule and resource",
		Long: "audit evaluates the PDR rule catalog (and any --policy DIR of your own Rego) over a\n" +
			"snapshot and reports one result per rule and resource: pass, fail, unknown (the data\n" +
			"needed could not be read), waived or error. The snapshot comes from live collection\n" +
			"(the default; the scope flags of collect, with --aws-profile for the AWS profile), from\n" +
			"--snapshot FILE written by collect or import, or from --estate DIR read offline.\n" +
			"\n" +
			"--config pdr-audit.yaml says who is monitored and who is an appliance; --profile and\n" +
			"--datacenter override it. --waivers waivers.yaml accepts known failures until a date;\n" +
			"expired and stale waivers are reported on stderr. The report goes to stdout, or to -o\n" +
			"FILE (written atomically, mode 0600); --output FORMAT=FILE (repeatable) writes more\n" +
			"formats of the same report, e.g. --output sarif=findings.sarif --output html=report.html.\n" +
			"Progress and warnings go to stderr.\n" +
			"\n" +
			"--baseline previous.json (a JSON report of an earlier audit) marks each result new (failing\n" +
			"now, not before), unchanged (failing both times) or resolved (failing before, passing or\n" +
			"gone now), in the JSON (\"baseline\"), table and SARIF (baselineState) reports. With\n" +
			"--fail-on new, only a new fail or error result, of any severity, exits 3.\n" +
			"\n" +
			"Exit codes:\n" +
			"  0  no fail or error result at or above --fail-on\n" +
			"  3  a fail or error result at or above --fail-on (default low); with --fail-on new,\n" +
			"     a fail or error result that is new since --baseline\n" +
			"  4  nothing at or above --fail-on failed, but --fail-on-unknown is set and a result is\n" +
			"     unknown or a read failed (coverage gap)\n" +
			"  1  runtime error (AWS unreachable, unreadable file, policy that does not compile), or\n" +
			"     --security-hub could not import every finding (this wins over 3 and 4)\n" +
			"  2  usage error\n" +
			"\n" +
			"--security-hub imports the ASFF findings (those of --format asff) into AWS Security Hub\n" +
			"after the reports are written: BatchImportFindings in each finding's account and region\n" +
			"(its ProductArn's), with --aws-profile, --region, --endpoint-url, and --role-name and\n" +
			"--external-id for accounts other than the caller's; these flags work with --snapshot\n" +
			"and --estate too. It sends batches of at most 100 findings (and 6 MB), retries throttled\n" +
			"requests, and prints \"security hub: imported N, failed M\" on stderr, then one line per\n" +
			"finding Security Hub did not import, with AWS's error code and message.",
		RunE: func(c *cobra.Command, _ []string) error { return runAudit(c, env, &o, &live) },
	}
	registerLiveFlags(c, &live)
	fs := c.Flags()
	fs.StringVar(&o.snapshot, "snapshot", "", "audit this snapshot file (from collect or import) instead of collecting")
	fs.StringVar(&o.estate, "estate", "", "audit this estate directory (AWS CLI JSON), imported in-process")
	fs.StringVar(&o.format, "format", "table", "report format: "+strings.Join(report.Formats(), ", "))
	fs.StringArrayVarP(&o.outputs, "output", "o", nil, "FILE: write the --format report to FILE (- for stdout, the default); FORMAT=FILE: also write FORMAT to FILE (repeatable)")
	fs.StringVar(&o.baselinePath, "baseline", "", "JSON report of an earlier audit: mark each result new, unchanged or resolved")
	fs.StringVar(&o.profile, "profile", "", "requirement profile: "+strings.Join(policy.Profiles, ", ")+" (default: the config file's, else "+policy.DefaultProfile+")")
	fs.StringVar(&o.datacenter, "datacenter", "", "Alert Logic data center: us or eu (default: the config file's, else us)")
	fs.StringArrayVar(&o.policyDirs, "policy", nil, "directory of your own Rego rules, evaluated beside the catalog (repeatable)")
	fs.StringVar(&o.configPath, "config", "", "configuration file (pdr-audit.yaml): monitored and appliance selectors, exclusions, profile, data center")
	fs.StringVar(&o.waiversPath, "waivers", "", "waivers file: accepted failures with rule, resource, reason, owner and expiry")
	fs.StringVar(&o.failOn, "fail-on", string(finding.Low), "exit 3 when a fail or error result has this severity or higher: info, low, medium, high, critical; or new: when any fail or error result, of any severity, is new since --baseline")
	fs.BoolVar(&o.failOnUnknown, "fail-on-unknown", false, "exit 4 when nothing failed but a result is unknown or a read failed")
	fs.BoolVar(&o.includePassed, "include-passed", false, "list passing results one by one in the table (the JSON report always has them)")
	fs.BoolVar(&o.securityHub, "security-hub", false, "after writing the reports, import the ASFF findings into AWS Security Hub (BatchImportFindings) in each finding's account and region; exit 1 if a finding was not imported")
	return c
}

// registerLiveFlags adds collect's scope flags to c, with --profile renamed
// --aws-profile. Taking them from scopeFlags.register keeps audit's live
// mode in step with collect.
func registerLiveFlags(c *cobra.Command, f *scopeFlags) {
	tmp := &cobra.Command{}
	f.register(tmp)
	tmp.Flags().VisitAll(func(fl *pflag.Flag) {
		if fl.Name == "profile" {
			fl.Name = awsProfileFlag
			fl.Usage = "AWS shared config profile for live collection (default: the SDK's default credential chain)"
		}
		if fl.Name == "kernel-source" {
			fl.Usage += "; with --estate the default is run-command (uname evidence, then inventory)"
		}
		c.Flags().AddFlag(fl)
	})
	f.cmd = c
}

// anyInputFlags are the scope flags that mean something whatever the
// input: they bound the run or its AWS calls (a Security Hub upload makes
// some even from a snapshot).
var anyInputFlags = []string{"quiet", "timeout", "call-timeout", "debug"}

// liveOnlyFlags returns the scope flags set on the command line that mean
// nothing with the input mode chosen.
func liveOnlyFlags(c *cobra.Command, estate bool) []string {
	// Registering binds the flags to a variable and resets it to its
	// default, so enumerate the names through a scratch copy.
	var scratch scopeFlags
	tmp := &cobra.Command{}
	scratch.register(tmp)
	var set []string
	tmp.Flags().VisitAll(func(fl *pflag.Flag) {
		name := fl.Name
		if name == "profile" {
			name = awsProfileFlag
		}
		if estate && slices.Contains(estateFlags, name) || slices.Contains(anyInputFlags, name) {
			return
		}
		if c.Flags().Changed(name) {
			set = append(set, "--"+name)
		}
	})
	return set
}

func runAudit(c *cobra.Command, env *Env, o *auditOptions, live *scopeFlags) error {
	ctx := c.Context()
	// Everything the command line can get wrong is checked before any work.
	if o.snapshot != "" && o.estate != "" {
		return usageErrorf("--snapshot and --estate are two inputs; give one (or neither, to collect live)")
	}
	if o.snapshot != "" || o.estate != "" {
		set := liveOnlyFlags(c, o.estate != "")
		if o.securityHub {
			set = slices.DeleteFunc(set, func(f string) bool { return slices.Contains(securityHubFlags, strings.TrimPrefix(f, "--")) })
		}
		if len(set) > 0 {
			input := "--snapshot"
			if o.estate != "" {
				input = "--estate"
			}
			return usageErrorf("%s applies to live collection, not to %s", strings.Join(set, ", "), input)
		}
	}
	if _, err := report.Lookup(o.format); err != nil {
		return asUsage(err)
	}
	outputs, err := parseOutputs(o.format, o.outputs)
	if err != nil {
		return err
	}
	failOnNew := o.failOn == failOnNewValue
	failOn := finding.Info
	if failOnNew {
		if o.baselinePath == "" {
			return usageErrorf("--fail-on new compares with an earlier report; give it with --baseline previous.json")
		}
	} else if failOn, err = finding.ParseSeverity(o.failOn); err != nil {
		return usageErrorf("--fail-on: %v (or new, with --baseline)", err)
	}
	// Cheap inputs first, so a typo fails before a long collection.
	cfg, err := runConfig(c, o.configPath, o.profile, o.datacenter)
	if err != nil {
		return err
	}
	var waivers []finding.Waiver
	if o.waiversPath != "" {
		if waivers, err = finding.LoadWaivers(o.waiversPath); err != nil {
			return err
		}
	}
	var baseline *report.Previous
	if o.baselinePath != "" {
		if baseline, err = report.ReadBaseline(o.baselinePath); err != nil {
			return err
		}
	}
	var snap *model.Snapshot
	if o.snapshot != "" {
		if snap, err = readSnapshotFile(o.snapshot); err != nil {
			return err
		}
	}
	engine, err := policy.New(ctx, policy.Options{
		Profile: cfg.Profile, Datacenter: cfg.Datacenter, PolicyDirs: o.policyDirs, Config: cfg.Data(),
	})
	if err != nil {
		return err
	}
	switch {
	case o.estate != "":
		kernelSource := "run-command" // import's default: uname evidence, then inventory
		if c.Flags().Changed("kernel-source") {
			kernelSource = live.kernelSource
		}
		if snap, err = importEstate(c, env, o.estate, kernelSource, live.quiet); err != nil {
			return err
		}
	case snap == nil:
		if snap, err = collectLive(c, env, live); err != nil {
			return err
		}
	}

	results, err := engine.Evaluate(ctx, snap)
	if err != nil {
		return fmt.Errorf("evaluate: %w", err)
	}
	rules := engine.Rules()
	meta := report.Meta{
		Tool:          report.Tool{Name: "pdr-audit", Version: version},
		Profile:       engine.Profile(),
		Datacenter:    cfg.Datacenter,
		GeneratedAt:   env.Now(),
		Rules:         catalog(rules),
		IncludePassed: o.includePassed,
	}
	if o.waiversPath != "" {
		var wr finding.WaiverReport
		results, wr = finding.ApplyWaivers(results, waivers, env.Now())
		meta.Waivers = &wr
	}
	meta.Color = outputs[0].path == "-" && colorTerminal(env.Stdout)
	rep := report.New(results, snap.Gaps, meta)
	if baseline != nil {
		rep.Baseline = report.NewBaseline(baseline, rep.Results)
	}
	if slices.ContainsFunc(outputs, func(out reportOutput) bool { return out.format == "html" }) {
		rep.Network = report.NewNetworkView(snap, rep, engine.NetworkRequirements()) // the HTML report's AZ grid and path matrices
	}
	if err := writeOutputs(env, rep, outputs); err != nil {
		return err
	}
	if meta.Waivers != nil {
		warnWaivers(env.Stderr, o.waiversPath, *meta.Waivers, rules)
	}
	if o.securityHub {
		if err := uploadToSecurityHub(ctx, env, rep, live); err != nil {
			return withExitCode(ExitError, err)
		}
	}
	results = rep.Results
	if failOnNew {
		// Only regressions gate: results that fail or err now and did not
		// before. The others still count as coverage gaps below.
		results = slices.DeleteFunc(slices.Clone(results), func(r finding.Result) bool {
			return rep.Baseline.State(r) != report.BaselineNew && (r.Status == finding.Fail || r.Status == finding.Error)
		})
	}
	if code := auditExitCode(results, len(rep.Gaps), failOn, o.failOnUnknown); code != ExitOK {
		return withExitCode(code, nil)
	}
	return nil
}

// reportOutput is one report to write: a format and a file ("-" for
// stdout).
type reportOutput struct {
	format, path string
}

// parseOutputs reads the --output values. A value FORMAT=FILE (FORMAT a
// lowercase word) asks for one more report; any other value is the file of
// the --format report, given once. The --format report comes first in the
// result. A format this build does not write, an empty file and one file
// named twice are usage errors.
func parseOutputs(format string, values []string) ([]reportOutput, error) {
	main := reportOutput{format: format, path: "-"}
	var extra []reportOutput
	mainSet := false
	for _, v := range values {
		name, file, ok := strings.Cut(v, "=")
		if !ok || !isFormatName(name) {
			if mainSet {
				return nil, usageErrorf("-o: the --format report goes to one file, not to both %s and %s (use --output FORMAT=FILE for more reports)", main.path, v)
			}
			if v == "" {
				return nil, usageErrorf("-o: empty file name (- is stdout)")
			}
			main.path, mainSet = v, true
			continue
		}
		if _, err := report.Lookup(name); err != nil {
			return nil, usageErrorf("--output %s: %v", v, err)
		}
		if file == "" {
			return nil, usageErrorf("--output %s: no file after %s=", v, name)
		}
		extra = append(extra, reportOutput{format: name, path: file})
	}
	outputs := append([]reportOutput{main}, extra...)
	seen := map[string]string{}
	for _, out := range outputs {
		id := out.path
		if id != "-" {
			if abs, err := filepath.Abs(out.path); err == nil {
				id = abs
			}
		}
		if prev, ok := seen[id]; ok {
			where := out.path
			if id == "-" {
				where = "stdout"
			}
			return nil, usageErrorf("--output: the %s and %s reports both go to %s; give each its own file", prev, out.format, where)
		}
		seen[id] = out.format
	}
	return outputs, nil
}

// isFormatName reports whether s can be a format name: a lowercase word.
// Anything else before an "=" belongs to a file name.
func isFormatName(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// writeOutputs writes rep in every format asked for: stdout directly,
// files atomically with mode 0600. Colors are for a terminal only, so a
// file gets the same report without them. A writer that had to cut its
// output to a consumer's limits (GitHub's for SARIF and Markdown) still
// writes a complete, valid file and says so: that is a warning on stderr,
// not a failure.
func writeOutputs(env *Env, rep *report.Report, outputs []reportOutput) error {
	plain := rep
	if rep.Color {
		c := *rep
		c.Color = false
		plain = &c
	}
	for _, out := range outputs {
		write, err := report.Lookup(out.format)
		if err != nil {
			return asUsage(err)
		}
		var truncated error
		writeReport := func(r *report.Report) func(io.Writer) error {
			return func(w io.Writer) error {
				err := write(w, r)
				if errors.Is(err, report.ErrTruncated) {
					truncated, err = err, nil
				}
				return err
			}
		}
		if out.path == "-" {
			err = writeReport(rep)(env.Stdout)
		} else {
			err = safeWrite(out.path, writeReport(plain))
		}
		if err != nil {
			return err
		}
		if truncated != nil {
			fmt.Fprintf(env.Stderr, "pdr-audit: warning: %s report: %v\n", out.format, truncated)
		}
	}
	return nil
}

// readSnapshotFile reads and decodes a snapshot; a snapshot of a schema
// version this build does not read is refused with the versions it reads.
func readSnapshotFile(path string) (*model.Snapshot, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read snapshot: %w", err)
	}
	snap, err := model.Decode(b)
	if err != nil {
		return nil, fmt.Errorf("snapshot %s: %w", path, err)
	}
	return snap, nil
}

// collectLive collects a snapshot as collect does.
func collectLive(c *cobra.Command, env *Env, f *scopeFlags) (*model.Snapshot, error) {
	ctx := c.Context()
	awsCfg, err := f.awsConfig(ctx)
	if err != nil {
		return nil, err
	}
	opts, err := f.options(awsCfg)
	if err != nil {
		return nil, err
	}
	opts.Now = env.Now
	opts.Progress = newProgress(env.Stderr, f.quiet)
	snap, err := collect.Collect(ctx, awsCfg, opts)
	if err != nil {
		return nil, collectErr(err)
	}
	return snap, nil
}

// catalog converts the engine's rules for the report.
func catalog(rules []policy.Rule) []report.Rule {
	out := make([]report.Rule, 0, len(rules))
	for _, r := range rules {
		out = append(out, report.Rule{
			ID: r.ID, Title: r.Title, Severity: finding.Severity(r.Severity), ResourceKind: r.ResourceKind,
			Description: r.Description, Remediation: r.Remediation, Help: r.Help,
		})
	}
	return out
}

// auditExitCode decides audit's exit code: ExitFindings when a fail or
// error result is at or above failOn; else ExitIncomplete when asked to
// and a result is unknown or a read failed; else ExitOK. Waived results
// never fail a run.
func auditExitCode(results []finding.Result, gaps int, failOn finding.Severity, failOnUnknown bool) int {
	incomplete := gaps > 0
	for _, r := range results {
		switch r.Status {
		case finding.Fail, finding.Error:
			if r.Severity.AtLeast(failOn) {
				return ExitFindings
			}
		case finding.Unknown:
			incomplete = true
		}
	}
	if failOnUnknown && incomplete {
		return ExitIncomplete
	}
	return ExitOK
}

// warnWaivers reports expired and stale waivers on stderr, one line each.
func warnWaivers(w io.Writer, file string, wr finding.WaiverReport, rules []policy.Rule) {
	known := map[string]bool{}
	for _, r := range rules {
		known[r.ID] = true
	}
	where := func(wv finding.Waiver) string {
		return fmt.Sprintf("waiver %d of %s (line %d: %s %s)", wv.Entry, file, wv.Line, wv.Rule, wv.Resource)
	}
	for _, u := range wr.Expired {
		what := "remove or renew it"
		if u.Results > 0 {
			what = fmt.Sprintf("it no longer waives the %d %s it matches", u.Results, pluralize(u.Results, "failure", "failures"))
		}
		fmt.Fprintf(w, "pdr-audit: warning: %s expired on %s; %s\n", where(u.Waiver), u.Waiver.Expires, what)
	}
	for _, wv := range wr.Unmatched {
		why := "matches no failing, unknown or erroring result; remove it"
		if !known[wv.Rule] {
			why = fmt.Sprintf("names rule %s, which is not in the catalog; fix or remove it", wv.Rule)
		}
		fmt.Fprintf(w, "pdr-audit: warning: %s %s\n", where(wv), why)
	}
}

func pluralize(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// colorTerminal reports whether w may get colors: it is a terminal and
// the environment does not ask for none.
func colorTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return wantColor(ok && term.IsTerminal(int(f.Fd())), os.Getenv)
}

// wantColor applies the conventions on colors: only on a terminal, never
// with NO_COLOR set to anything but "" (no-color.org) or with TERM=dumb.
func wantColor(terminal bool, getenv func(string) string) bool {
	return terminal && getenv("NO_COLOR") == "" && getenv("TERM") != "dumb"
}

// uploadToSecurityHub imports the report's ASFF findings into Security Hub,
// one batch sequence per account and region, and prints the outcome on
// stderr: a summary line, then one line per finding not imported. A
// finding of an account other than the caller's goes through --role-name
// when given, else with the caller's credentials (and Security Hub says
// whether it takes them).
func uploadToSecurityHub(ctx context.Context, env *Env, rep *report.Report, live *scopeFlags) error {
	findings, err := sechub.Findings(rep)
	if err != nil {
		return fmt.Errorf("security hub: %w", err)
	}
	var sum sechub.Summary
	if len(findings) > 0 {
		base, err := live.awsConfig(ctx)
		if err != nil {
			return fmt.Errorf("security hub: %w", err)
		}
		id, err := sts.NewFromConfig(base).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if err != nil {
			return fmt.Errorf("security hub: get caller identity: %w", err)
		}
		caller := aws.ToString(id.Account)
		targets, byTarget := sechub.Group(findings)
		for _, t := range targets {
			cfg := base.Copy()
			if t.Region != "" {
				cfg.Region = t.Region
			}
			if t.Account != caller && live.roleName != "" {
				arn := "arn:aws:iam::" + t.Account + ":role/" + live.roleName
				cfg.Credentials = aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(sts.NewFromConfig(base), arn, func(o *stscreds.AssumeRoleOptions) {
					o.RoleSessionName = "pdr-audit"
					if live.externalID != "" {
						o.ExternalID = aws.String(live.externalID)
					}
				}))
			}
			s, _ := sechub.Upload(ctx, securityhub.NewFromConfig(cfg), byTarget[t], sechub.Options{})
			sum.Merge(s)
			if ctx.Err() != nil {
				for _, rest := range targets[slices.Index(targets, t)+1:] {
					sum.Findings += len(byTarget[rest])
					sum.NotSent += len(byTarget[rest])
				}
				break
			}
		}
	}
	fmt.Fprintf(env.Stderr, "security hub: imported %d, failed %d\n", sum.Imported, len(sum.Failed)+sum.NotSent)
	for _, f := range sum.Failed {
		fmt.Fprintf(env.Stderr, "security hub: %s: %s: %s\n", f.ID, f.Code, oneLine(f.Message))
	}
	if sum.NotSent > 0 {
		fmt.Fprintf(env.Stderr, "security hub: %d findings not sent: %v\n", sum.NotSent, context.Cause(ctx))
	}
	if n := len(sum.Failed) + sum.NotSent; n > 0 {
		return fmt.Errorf("security hub: %d of %d findings not imported", n, sum.Findings)
	}
	return nil
}
