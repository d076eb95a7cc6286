package cli

// The fault matrix: every AWS API pdr-audit calls, under every class of
// failure AWS can answer with, through the simulator. Collection must
// never lose a failure (a gap, unknown results, never a pass, audit exit
// 4 or 3), transient failures must not change anything, and apply and
// rollback must stop cleanly with an exact journal that rollback can undo.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/google/go-cmp/cmp"

	"github.com/pdr-audit/pdr-audit/internal/awssim"
	"github.com/pdr-audit/pdr-audit/internal/awssim/fault"
	"github.com/pdr-audit/pdr-audit/internal/awssim/simtest"
	"github.com/pdr-audit/pdr-audit/internal/finding"
	"github.com/pdr-audit/pdr-audit/internal/model"
	"github.com/pdr-audit/pdr-audit/internal/remediate"
)

// The runs whose calls the table lists. A collect run is an estate and
// its collection flags; an apply or rollback run is a plan's.
const (
	runCollectDemo       = "collect demo"
	runCollectRunCommand = "collect demo --kernel-source run-command"
	runCollectOrg        = "collect org"
	runApplyExisting     = "apply existing"
	runApplyDedicated    = "apply dedicated"
	runApplyOrg          = "apply org"
	runRollbackExisting  = "rollback existing"
	runRollbackDedicated = "rollback dedicated"
	runRollbackOrg       = "rollback org"
)

// faultTable is every AWS API (service:Action) pdr-audit calls, with the
// runs that call it: collection of the demo estate (kernels from inventory
// and from run-command) and of the organization estate, and apply and
// rollback of the plans with existing and dedicated security groups (and
// --allow-high-risk) and of the organization's plan.
// TestFaultMatrix fails when a run calls an API the table does not list
// for it, so no API can appear without fault coverage, and when a run no
// longer calls one it lists, so no case is vacuous. Each API is put under
// every fault class in the first collect, apply and rollback run listed.
var faultTable = map[string][]string{
	"sts:GetCallerIdentity":      runs(collects, applies, rollbacks),
	"sts:AssumeRole":             {runCollectOrg, runApplyOrg, runRollbackOrg},
	"organizations:ListAccounts": {runCollectOrg},

	"ec2:DescribeRegions":             collects,
	"ec2:DescribeVpcs":                collects,
	"ec2:DescribeSubnets":             runs(collects, demoApplies),
	"ec2:DescribeSecurityGroups":      runs(collects, demoApplies, demoRollbacks),
	"ec2:DescribeNetworkAcls":         runs(collects, demoApplies, demoRollbacks),
	"ec2:DescribeRouteTables":         collects,
	"ec2:DescribeNatGateways":         collects,
	"ec2:DescribeInternetGateways":    collects,
	"ec2:DescribeVpcEndpoints":        runs(collects, demoApplies, demoRollbacks),
	"ec2:DescribeManagedPrefixLists":  collects,
	"ec2:GetManagedPrefixListEntries": {runCollectDemo, runCollectRunCommand},
	"ec2:DescribeInstances":           runs(collects, applies, rollbacks),

	"ssm:DescribeInstanceInformation": collects,
	"ssm:GetServiceSetting":           collects,
	"ssm:ListInventoryEntries":        collects,
	"ssm:SendCommand":                 {runCollectRunCommand},
	"ssm:GetCommandInvocation":        {runCollectRunCommand},

	"iam:GetInstanceProfile":       collects,
	"iam:ListAttachedRolePolicies": runs(collects, demoApplies, demoRollbacks),

	"ec2:AuthorizeSecurityGroupIngress":  demoApplies,
	"ec2:AuthorizeSecurityGroupEgress":   demoApplies,
	"ec2:RevokeSecurityGroupIngress":     {runRollbackExisting},
	"ec2:RevokeSecurityGroupEgress":      {runApplyDedicated, runRollbackExisting},
	"ec2:CreateSecurityGroup":            demoApplies,
	"ec2:DeleteSecurityGroup":            demoRollbacks,
	"ec2:ModifyInstanceAttribute":        {runApplyDedicated, runRollbackDedicated},
	"ec2:CreateNetworkAclEntry":          demoApplies,
	"ec2:DeleteNetworkAclEntry":          demoRollbacks,
	"ec2:CreateVpcEndpoint":              demoApplies,
	"ec2:DeleteVpcEndpoints":             demoRollbacks,
	"ec2:AssociateIamInstanceProfile":    applies,
	"ec2:DisassociateIamInstanceProfile": rollbacks,
	"ec2:RunInstances":                   demoApplies,
	"ec2:TerminateInstances":             demoRollbacks,
	"iam:AttachRolePolicy":               demoApplies,
	"iam:DetachRolePolicy":               demoRollbacks,
}

// Groups of runs for faultTable.
var (
	collects      = []string{runCollectDemo, runCollectRunCommand, runCollectOrg}
	demoApplies   = []string{runApplyExisting, runApplyDedicated}
	applies       = []string{runApplyExisting, runApplyDedicated, runApplyOrg}
	demoRollbacks = []string{runRollbackExisting, runRollbackDedicated}
	rollbacks     = []string{runRollbackExisting, runRollbackDedicated, runRollbackOrg}
)

func runs(groups ...[]string) []string { return slices.Concat(groups...) }

// serviceCodes are the error codes each service answers the error fault
// classes with, as its botocore model and AWS's documentation name them:
// a missing permission, a throttle, and an HTTP 500 (IAM's and
// Organizations' modelled server errors; STS models none, so the common
// InternalFailure).
var serviceCodes = map[string]struct{ denied, throttle, internal string }{
	"ec2":           {"UnauthorizedOperation", "RequestLimitExceeded", "InternalError"},
	"ssm":           {"AccessDeniedException", "ThrottlingException", "InternalServerError"},
	"sts":           {"AccessDenied", "Throttling", "InternalFailure"},
	"iam":           {"AccessDenied", "Throttling", "ServiceFailure"},
	"organizations": {"AccessDeniedException", "TooManyRequestsException", "ServiceException"},
}

// faultClass is one way an AWS call can fail.
type faultClass struct {
	name string
	// transient faults fail only the first calls; the SDK's retries hide them.
	transient bool
	// rule is the faults.json rule's effect for a call of service.
	rule func(service string) fault.Rule
	// gapClass and gapCode are the gap a read failing this way leaves.
	gapClass string
	gapCode  func(service string) string
	// says lists texts of which the error of a call failing this way
	// contains one.
	says func(service string) []string
}

// tells reports whether err (an error message) tells of a call of service
// failing as class.
func (class faultClass) tells(service, err string) bool {
	return slices.ContainsFunc(class.says(service), func(s string) bool { return strings.Contains(err, s) })
}

// fmCallTimeout is the per-call timeout of the runs with a hung API:
// short, so that the matrix stays fast, yet long enough for a healthy call
// of the simulator on a loaded machine (four times longer under the race
// detector). A run in which a healthy call timed out all the same is run
// again (healthyCallTimedOut), at most twice.
var fmCallTimeout = func() time.Duration {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "-race" && s.Value == "true" {
				return 8 * time.Second
			}
		}
	}
	return 2 * time.Second
}()

// healthyCallTimedOut reports whether a run under a hung api failed for
// a call the fault was not aimed at timing out, which a loaded machine
// can make happen: its exit code and stderr, and the snapshot at path
// when it wrote one.
func healthyCallTimedOut(t *testing.T, api string, code int, stderr, path string) bool {
	t.Helper()
	_, op, _ := strings.Cut(api, ":")
	if code != ExitOK {
		return strings.Contains(stderr, "Client.Timeout") && !strings.Contains(stderr, ": "+op+",")
	}
	if path == "" {
		return false
	}
	account, region, _ := wantGap(api)
	return slices.ContainsFunc(readSnapshot(t, path).Gaps, func(g model.Gap) bool {
		return g.Class == model.GapTimeout && (g.API != api || g.Account != account || g.Region != region)
	})
}

var faultClasses = []faultClass{
	{name: "denied", rule: func(svc string) fault.Rule { return fault.Rule{Error: serviceCodes[svc].denied} },
		gapClass: model.GapDenied, gapCode: func(svc string) string { return serviceCodes[svc].denied },
		says: func(svc string) []string { return []string{serviceCodes[svc].denied} }},
	{name: "throttled", rule: func(svc string) fault.Rule { return fault.Rule{Error: serviceCodes[svc].throttle} },
		gapClass: model.GapThrottled, gapCode: func(svc string) string { return serviceCodes[svc].throttle },
		says: func(svc string) []string { return []string{serviceCodes[svc].throttle} }},
	{name: "throttled twice", transient: true,
		rule: func(svc string) fault.Rule { return fault.Rule{Error: serviceCodes[svc].throttle, First: 2} }},
	{name: "HTTP 500", rule: func(svc string) fault.Rule { return fault.Rule{Error: serviceCodes[svc].internal} },
		gapClass: model.GapError, gapCode: func(svc string) string { return serviceCodes[svc].internal },
		says: func(svc string) []string { return []string{serviceCodes[svc].internal} }},
	{name: "hung", rule: func(string) fault.Rule { return fault.Rule{Delay: 10 * time.Minute} },
		gapClass: model.GapTimeout, gapCode: func(string) string { return "" },
		says: func(string) []string { return []string{"Client.Timeout exceeded", "context deadline exceeded"} }},
	{name: "malformed body", rule: func(string) fault.Rule { return fault.Rule{Body: fault.BodyMalformed} },
		gapClass: model.GapError, gapCode: func(string) string { return "" },
		says: func(string) []string { return []string{"deserialization failed", "XML syntax error"} }},
	{name: "truncated body", rule: func(string) fault.Rule { return fault.Rule{Body: fault.BodyTruncated} },
		gapClass: model.GapError, gapCode: func(string) string { return "" },
		says: func(string) []string { return []string{"unexpected EOF"} }},
}

// The accounts and region faults are aimed at.
const (
	demoAccount   = "111122223333"
	demoRegion    = "eu-west-1" // the demo's other region, us-east-1, must stay untouched
	orgMember     = "333344445555"
	fmProfile     = "fault-matrix" // the shared-config profile of persistent-fault runs
	fmMaxAttempts = 2
)

// fmSetup points the SDK at a shared config file with the simulator's
// credentials: its default profile keeps the product's retry settings
// (transient faults must be absorbed by them), fmProfile makes two
// attempts per call, so that a persistent fault costs one retry and not
// the product's seven backoffs of up to 20 s.
func fmSetup(t *testing.T) {
	t.Helper()
	isolateAWS(t)
	cfg := filepath.Join(t.TempDir(), "config")
	creds := "aws_access_key_id = " + awssim.CallerAccessKeyID + "\naws_secret_access_key = " + awssim.CallerSecretAccessKey + "\nregion = us-east-1\n"
	text := "[default]\n" + creds + fmt.Sprintf("[profile %s]\n%smax_attempts = %d\n", fmProfile, creds, fmMaxAttempts)
	if err := os.WriteFile(cfg, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_CONFIG_FILE", cfg)
}

// fmRun is one run of the table: how to start its simulator and run it.
type fmRun struct {
	name   string
	estate string
	args   []string // collection scope flags
}

var collectRuns = map[string]fmRun{
	runCollectDemo:       {name: runCollectDemo, estate: "demo"},
	runCollectRunCommand: {name: runCollectRunCommand, estate: "demo", args: []string{"--kernel-source", "run-command"}},
	runCollectOrg:        {name: runCollectOrg, estate: "org", args: []string{"--org", "--role-name", "pdr-audit"}},
}

// planKinds are the plans apply and rollback run: estate and security
// group strategy.
var planKinds = map[string]struct{ estate, groups, profile string }{
	"existing":  {"demo", "existing", "app-s3-reader"},
	"dedicated": {"demo", "dedicated", "app-s3-reader"},
	"org":       {"org", "existing", "pdr-ssm-core"},
}

// armable is a fault injector a test arms and disarms while the
// simulator runs: armed only around the apply or rollback under test.
type armable struct {
	armed atomic.Bool
	in    atomic.Pointer[fault.Injector]
}

func (a *armable) Decide(account, region, action string) (fault.Rule, bool) {
	if !a.armed.Load() {
		return fault.Rule{}, false
	}
	return a.in.Load().Decide(account, region, action)
}

func (a *armable) arm(rules ...fault.Rule) {
	a.in.Store(fault.New(rules))
	a.armed.Store(true)
}

func (a *armable) disarm() { a.armed.Store(false) }

// fmSim is a simulator of one estate for one case.
type fmSim struct {
	t     *testing.T
	url   string
	log   *callLog
	fault *armable
	scope []string // the collection scope flags of the estate
	org   bool
	from  int // the first call of the case (after the estate's preparation)
}

// startFMSim serves a copy of estate with faults (a faults.json, "" for
// none) and an armable injector when armed is true (which then replaces
// faults.json). The demo estate loses one appliance egress rule first,
// so that a plan also adds an egress rule.
func startFMSim(t *testing.T, estate, faults string, armed bool) *fmSim {
	t.Helper()
	dir := simtest.CopyEstate(t, filepath.Join(simtest.EstatesDir(t), estate))
	if faults != "" {
		if err := os.WriteFile(filepath.Join(dir, "faults.json"), []byte(faults), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s := &fmSim{t: t, log: &callLog{}, scope: []string{"--regions", "all", "-q"}}
	opts := awssim.Options{CallsLog: s.log}
	if armed {
		s.fault = &armable{}
		opts.Faults = s.fault
	}
	est, err := awssim.LoadEstate(dir)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := awssim.NewServer(est, opts)
	if err != nil {
		t.Fatal(err)
	}
	// httptest's Close, unlike a graceful shutdown, closes at once the
	// connections a client dialled but never used, which a shutdown would
	// wait five seconds for.
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	s.url = hs.URL
	if estate == "org" {
		s.org = true
		s.scope = append(s.scope, "--org", "--role-name", "pdr-audit")
	}
	if estate == "demo" {
		api := ec2.NewFromConfig(simtest.Config(s.url, "eu-west-1", 1))
		if _, err := api.RevokeSecurityGroupEgress(context.Background(), &ec2.RevokeSecurityGroupEgressInput{
			GroupId: aws.String("sg-0888167be8956aee0"),
			IpPermissions: []ec2types.IpPermission{{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(4138), ToPort: aws.Int32(4138),
				IpRanges: []ec2types.IpRange{{CidrIp: aws.String("204.110.218.96/27")}}}},
		}); err != nil {
			t.Fatal(err)
		}
	}
	_, s.from = s.actions(0)
	return s
}

// aws is the flags that reach the simulator (and, in an organization,
// the other accounts).
func (s *fmSim) aws() []string {
	out := []string{"--endpoint-url", s.url}
	if s.org {
		out = append(out, "--role-name", "pdr-audit")
	}
	return out
}

// cli runs pdr-audit and checks what every run must hold: no panic, and
// an error is exactly one line.
func (s *fmSim) cli(args ...string) (code int, stdout, stderr string) {
	s.t.Helper()
	code, stdout, stderr = runCLI(s.t, args...)
	if strings.Contains(stderr, "panic:") || strings.Contains(stderr, "goroutine ") {
		s.t.Fatalf("pdr-audit %s panicked:\n%s", strings.Join(args, " "), stderr)
	}
	if code == ExitError {
		last := stderr[strings.LastIndex(strings.TrimSuffix(stderr, "\n"), "\n")+1:]
		if !strings.HasPrefix(last, "pdr-audit: ") || strings.Count(last, "\n") != 1 {
			s.t.Errorf("pdr-audit %s exited 1 without a one-line error: %q", strings.Join(args, " "), stderr)
		}
	}
	return code, stdout, stderr
}

// must runs pdr-audit and fails the test unless it exits with code.
func (s *fmSim) must(code int, args ...string) string {
	s.t.Helper()
	got, stdout, stderr := s.cli(args...)
	if got != code {
		s.t.Fatalf("pdr-audit %s exited %d, want %d:\n%s", strings.Join(args, " "), got, code, stderr)
	}
	return stdout
}

// collect writes a snapshot of the simulator's state to path with extra
// flags and returns the exit code and stderr.
func (s *fmSim) collect(path string, extra ...string) (int, string) {
	s.t.Helper()
	args := append(append(append([]string{"collect", "-o", path}, s.aws()...), s.scope...), extra...)
	code, _, stderr := s.cli(args...)
	return code, stderr
}

// state is a fresh collection of the simulator's state, without the
// appliances named in terminated once they are terminated (AWS lists a
// terminated instance for about an hour).
func (s *fmSim) state(terminated ...string) string {
	s.t.Helper()
	path := filepath.Join(s.t.TempDir(), "state.json")
	if code, stderr := s.collect(path); code != ExitOK {
		s.t.Fatalf("collect exited %d: %s", code, stderr)
	}
	snap := readSnapshot(s.t, path)
	for ai := range snap.Accounts {
		for ri := range snap.Accounts[ai].Regions {
			reg := &snap.Accounts[ai].Regions[ri]
			// AWS lists a terminated instance for about an hour: those
			// rollback terminated (named, or found by apply's change tag
			// when the answer naming them was lost) are left out.
			reg.Instances = slices.DeleteFunc(reg.Instances, func(i model.Instance) bool {
				_, tagged := i.Tags[remediate.ChangeTagKey]
				return i.State == "terminated" && (slices.Contains(terminated, i.ID) || tagged)
			})
		}
	}
	b, err := json.MarshalIndent(snap, "", " ")
	if err != nil {
		s.t.Fatal(err)
	}
	return string(b)
}

// actions returns the distinct service:Action the simulator served from
// call line from on, and the number of lines.
func (s *fmSim) actions(from int) ([]string, int) {
	s.log.mu.Lock()
	empty := s.log.buf.Len() == 0
	s.log.mu.Unlock()
	if empty {
		return nil, 0
	}
	return s.log.actions(s.t, from)
}

// outcomes counts the simulator's answers to action by outcome.
func (s *fmSim) outcomes(action string) map[string]int {
	s.log.mu.Lock()
	defer s.log.mu.Unlock()
	out := map[string]int{}
	for _, line := range strings.Split(strings.TrimSpace(s.log.buf.String()), "\n") {
		var c struct{ Service, Action, Outcome string }
		if json.Unmarshal([]byte(line), &c) == nil && c.Service+":"+c.Action == action {
			out[c.Outcome]++
		}
	}
	return out
}

// collectBaseline is a clean collection run: its snapshot, audit and
// the waivers that accept its failures.
type collectBaseline struct {
	run     fmRun
	snap    *model.Snapshot
	results map[string]finding.Result
	waivers string
	calls   []string
}

// planBaseline is a plan of the table and what a clean apply and
// rollback of it call.
type planBaseline struct {
	kind                string
	path                string
	plan                *remediate.Plan
	applied, rolledBack []string
}

// auditResults runs audit over a snapshot with extra flags and returns
// its exit code and results by key.
func auditResults(s *fmSim, snap string, extra ...string) (int, map[string]finding.Result) {
	s.t.Helper()
	out := filepath.Join(s.t.TempDir(), "report.json")
	code, _, stderr := s.cli(append([]string{"audit", "--snapshot", snap, "--format", "json", "-o", out}, extra...)...)
	if code != ExitOK && code != ExitFindings && code != ExitIncomplete {
		s.t.Fatalf("audit exited %d: %s", code, stderr)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		s.t.Fatal(err)
	}
	var rep struct {
		Results []finding.Result `json:"results"`
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		s.t.Fatal(err)
	}
	m := map[string]finding.Result{}
	for _, r := range rep.Results {
		m[r.Key()] = r
	}
	return code, m
}

// newCollectBaseline collects run cleanly and audits it.
func newCollectBaseline(t *testing.T, run fmRun) *collectBaseline {
	s := startFMSim(t, run.estate, "", false)
	path := filepath.Join(t.TempDir(), "clean.json")
	if code, stderr := s.collect(path, run.args...); code != ExitOK {
		t.Fatalf("clean %s exited %d: %s", run.name, code, stderr)
	}
	b := &collectBaseline{run: run, snap: readSnapshot(t, path)}
	if len(b.snap.Gaps) != 0 {
		t.Fatalf("clean %s has gaps: %+v", run.name, b.snap.Gaps)
	}
	b.calls, _ = s.actions(s.from)
	_, b.results = auditResults(s, path)
	// Waive every failure of the clean run, so that a fault's audit exits
	// 3 only for a failure the fault made.
	var w strings.Builder
	for _, r := range b.results {
		if r.Status == finding.Fail {
			fmt.Fprintf(&w, "- rule: %s\n  resource: %q\n  reason: fails in the clean run\n  owner: fault-matrix\n  expires: \"2099-12-31\"\n", r.RuleID, r.ResourceID)
		}
	}
	b.waivers = filepath.Join(t.TempDir(), "waivers.yaml")
	if err := os.WriteFile(b.waivers, []byte(w.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return b
}

// newPlanBaseline plans kind on a clean simulator, then applies and rolls
// it back there, recording the calls of each.
func newPlanBaseline(t *testing.T, kind string) *planBaseline {
	k := planKinds[kind]
	s := startFMSim(t, k.estate, "", false)
	b := &planBaseline{kind: kind, path: filepath.Join(t.TempDir(), "plan.json")}
	s.must(ExitOK, append(append([]string{"plan", "--allow-high-risk", "--config", remediationConfig(t, k.profile, k.groups), "-o", b.path},
		s.aws()...), s.scope...)...)
	p, err := remediate.ReadPlan(b.path, remediate.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Changes) == 0 {
		t.Fatalf("the %s plan has no changes", kind)
	}
	b.plan = p
	// Apply and roll back a copy, so that the plan has no journal beside it.
	plan := copyPlan(t, b.path)
	_, from := s.actions(s.from)
	s.must(ExitOK, append([]string{"apply", plan, "--auto-approve"}, s.aws()...)...)
	b.applied, from = s.actions(from)
	s.must(ExitOK, append([]string{"rollback", journalPath(plan), "--auto-approve"}, s.aws()...)...)
	b.rolledBack, _ = s.actions(from)
	return b
}

func copyPlan(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "plan.json")
	if err := os.WriteFile(out, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return out
}

// firstRun is the first run of prefix ("collect", "apply", "rollback")
// that calls api, or "".
func firstRun(api, prefix string) string {
	for _, r := range faultTable[api] {
		if strings.HasPrefix(r, prefix+" ") {
			return r
		}
	}
	return ""
}

func serviceOf(api string) string { s, _, _ := strings.Cut(api, ":"); return s }

// aimedRule aims class at api: for collection, in the demo account's eu-west-1 for a regional
// API, the demo account for IAM, the organization member for AssumeRole,
// everywhere for the calls that establish the scope; for apply and
// rollback, everywhere.
func aimedRule(api string, class faultClass, collection bool) fault.Rule {
	r := class.rule(serviceOf(api))
	r.Action = api
	r.Account, r.Region = fault.Any, fault.Any
	if !collection {
		return r
	}
	switch {
	case api == "sts:AssumeRole":
		r.Account = orgMember
	case api == "sts:GetCallerIdentity", api == "organizations:ListAccounts":
	case api == "ec2:DescribeRegions", serviceOf(api) == "iam":
		r.Account = demoAccount
	default:
		r.Account, r.Region = demoAccount, demoRegion
	}
	return r
}

// wantGap is the account and region a collection fault aimed by
// aimedRule leaves its gaps in; fatal when the collection cannot start.
func wantGap(api string) (account, region string, fatal bool) {
	switch {
	case api == "sts:GetCallerIdentity", api == "organizations:ListAccounts":
		return "", "", true
	case api == "sts:AssumeRole":
		return orgMember, "global", false
	case api == "ec2:DescribeRegions", serviceOf(api) == "iam":
		return demoAccount, "global", false
	}
	return demoAccount, demoRegion, false
}

func faultsJSON(t *testing.T, r fault.Rule) string {
	t.Helper()
	m := map[string]any{"account": r.Account, "region": r.Region, "action": r.Action}
	switch {
	case r.Error != "":
		m["error"] = r.Error
	case r.Delay > 0:
		m["delay"] = r.Delay.String()
	default:
		m["body"] = r.Body
	}
	if r.First > 0 {
		m["first"] = r.First
	}
	b, err := json.Marshal([]any{m})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// classFlags are the flags of a run under class: persistent faults make
// two attempts per call, a hung API meets a short per-call timeout.
func classFlags(class faultClass, profileFlag string) []string {
	var out []string
	if !class.transient {
		out = append(out, profileFlag, fmProfile)
	}
	if class.name == "hung" {
		out = append(out, "--call-timeout", fmCallTimeout.String())
	}
	return out
}

// verifyRead reports whether rollback calls api only to verify that a
// target is back as before: any failure of such a read makes rollback
// retry it for a minute before it gives up, whatever the failure, so in
// rollback the matrix puts these reads under one persistent class and the
// transient one (collection and apply put them under every class).
func verifyRead(api string) bool {
	return firstRun(api, "collect") != "" && serviceOf(api) != "sts"
}

// TestFaultMatrix puts every API of the table under every fault class:
// in the first collect, apply and rollback run of the table that calls it.
func TestFaultMatrix(t *testing.T) {
	if testing.Short() {
		t.Skip("the fault matrix is skipped in -short mode")
	}
	fmSetup(t)
	start := time.Now()

	// One clean run of each collection and plan, shared by every case.
	collects := map[string]*collectBaseline{}
	for name, run := range collectRuns {
		collects[name] = newCollectBaseline(t, run)
	}
	plans := map[string]*planBaseline{}
	for kind := range planKinds {
		plans[kind] = newPlanBaseline(t, kind)
	}
	t.Logf("baselines in %s", time.Since(start).Round(time.Millisecond))

	t.Run("every API called is in the table, under the runs that call it", func(t *testing.T) {
		called := map[string][]string{} // run → APIs
		for name, b := range collects {
			called[name] = b.calls
		}
		for kind, b := range plans {
			called["apply "+kind] = b.applied
			called["rollback "+kind] = b.rolledBack
		}
		for run, apis := range called {
			var listed []string
			for api, runs := range faultTable {
				if slices.Contains(runs, run) {
					listed = append(listed, api)
				}
			}
			slices.Sort(listed)
			for _, api := range apis {
				if !slices.Contains(listed, api) {
					t.Errorf("%s calls %s, which faultTable does not list for it: add it (the matrix then covers it)", run, api)
				}
			}
			for _, api := range listed {
				if !slices.Contains(apis, api) {
					t.Errorf("faultTable lists %s for %s, which no longer calls it", api, run)
				}
			}
		}
	})

	// The cases run concurrently, the longest first (a read failing while
	// rollback verifies, which it retries for a minute; persistent faults
	// of a call made once per instance): most of their time is spent
	// waiting on retries, backoffs and timeouts.
	type fmCase struct {
		name string
		long bool
		run  func(t *testing.T)
	}
	var all []fmCase
	add := func(api string, class faultClass, run string, long bool, f func(t *testing.T)) {
		all = append(all, fmCase{fmt.Sprintf("%s %s in %s", api, class.name, run), long, f})
	}
	perInstance := []string{"ssm:ListInventoryEntries", "ssm:GetCommandInvocation"}
	for api := range faultTable {
		for _, class := range faultClasses {
			if run := firstRun(api, "collect"); run != "" {
				add(api, class, run, slices.Contains(perInstance, api) && !class.transient, func(t *testing.T) {
					collectCase(t, collects[run], api, class)
				})
			}
			if run := firstRun(api, "apply"); run != "" {
				add(api, class, run, false, func(t *testing.T) {
					applyCase(t, plans[strings.TrimPrefix(run, "apply ")], api, class, false)
				})
			}
			if run := firstRun(api, "rollback"); run != "" && (!verifyRead(api) || class.name == "denied" || class.transient) {
				add(api, class, run, verifyRead(api) && !class.transient, func(t *testing.T) {
					applyCase(t, plans[strings.TrimPrefix(run, "rollback ")], api, class, true)
				})
			}
		}
	}
	slices.SortFunc(all, func(a, b fmCase) int {
		if a.long != b.long {
			if a.long {
				return -1
			}
			return 1
		}
		return strings.Compare(a.name, b.name)
	})
	var cases sync.WaitGroup
	sem := make(chan struct{}, 32)
	for _, c := range all {
		sem <- struct{}{}
		cases.Go(func() {
			defer func() { <-sem }()
			t.Run(c.name, c.run)
		})
	}
	cases.Wait()
	t.Logf("fault matrix in %s", time.Since(start).Round(time.Millisecond))
}

// collectCase collects with api failing as class and checks the snapshot
// and its audit against the clean run.
func collectCase(t *testing.T, base *collectBaseline, api string, class faultClass) {
	rule := aimedRule(api, class, true)
	s := startFMSim(t, base.run.estate, faultsJSON(t, rule), false)
	path := filepath.Join(t.TempDir(), "snapshot.json")
	code, stderr := s.collect(path, append(slices.Clone(base.run.args), classFlags(class, "--profile")...)...)
	for try := 1; class.name == "hung" && try < 3 && healthyCallTimedOut(t, api, code, stderr, path); try++ {
		t.Logf("a healthy call timed out on this loaded machine; collecting again:\n%s", stderr)
		code, stderr = s.collect(path, append(slices.Clone(base.run.args), classFlags(class, "--profile")...)...)
	}
	account, region, fatal := wantGap(api)
	if fatal && !class.transient {
		// The scope cannot be established: no snapshot at all, and a live
		// audit fails too.
		if code != ExitError || !class.tells(serviceOf(api), stderr) {
			t.Fatalf("collect exited %d: %q; want 1 naming one of %q", code, stderr, class.says(serviceOf(api)))
		}
		if _, err := os.Stat(path); !os.IsNotExist(err) {
			t.Errorf("a failed collection wrote %s", path)
		}
		args := append(append([]string{"audit", "--fail-on-unknown", "-o", filepath.Join(t.TempDir(), "r.txt")}, s.aws()...), s.scope...)
		args = append(append(args, base.run.args...), classFlags(class, "--aws-profile")...)
		if code, _, stderr := s.cli(args...); code != ExitError {
			t.Errorf("a live audit exited %d: %s; want 1", code, stderr)
		}
		return
	}
	if code != ExitOK {
		t.Fatalf("collect exited %d: %s", code, stderr)
	}
	snap := readSnapshot(t, path)
	if class.transient {
		if fired := s.outcomes(api)[rule.Error]; fired == 0 {
			t.Fatalf("the transient fault never fired (%s answered %v)", api, s.outcomes(api))
		}
		if diff := cmp.Diff(base.snap, snap); diff != "" {
			t.Errorf("a transient fault changed the snapshot (-clean +faulted):\n%s", diff)
		}
		return
	}

	// Precise gaps: the faulted API only, where it was aimed, of the class.
	if len(snap.Gaps) == 0 {
		t.Fatalf("no gap (%s answered %v)", api, s.outcomes(api))
	}
	svc := serviceOf(api)
	for _, g := range snap.Gaps {
		if g.API != api || g.Account != account || g.Region != region || g.Class != class.gapClass || g.Code != class.gapCode(svc) {
			t.Errorf("gap %+v; want %s in %s/%s, class %s, code %q", g, api, account, region, class.gapClass, class.gapCode(svc))
		}
	}
	// Every other region reads as in the clean run.
	for _, a := range snap.Accounts {
		for _, r := range a.Regions {
			if a.ID == account && r.Name == region {
				continue
			}
			if clean := baseRegion(base.snap, a.ID, r.Name); !cmp.Equal(clean, &r) {
				t.Errorf("%s/%s differs from the clean run:\n%s", a.ID, r.Name, cmp.Diff(clean, &r))
			}
		}
	}

	// The audit: unknown where data is missing, never a pass the clean run
	// did not have, the failed reads named, exit 4 (3 if a failure
	// appeared), never 0.
	code, results := auditResults(s, path, "--fail-on-unknown", "--waivers", base.waivers)
	failing := false
	for key, r := range results {
		clean, ok := base.results[key]
		if r.Status == finding.Pass && (!ok || clean.Status != finding.Pass) {
			t.Errorf("%s passes under the fault but was %q in the clean run: %s", key, clean.Status, r.Message)
		}
		if r.Status == finding.Fail {
			failing = true
		}
	}
	want := ExitIncomplete
	if failing {
		want = ExitFindings
	}
	if code != want {
		t.Errorf("audit --fail-on-unknown exited %d, want %d", code, want)
	}
	for _, g := range snap.Gaps {
		key := "PDR-COV-001|" + g.Account + "|" + g.Region + "|" + g.Account + "/" + g.Region + "/" + g.API
		if r, ok := results[key]; !ok || r.Status != finding.Unknown {
			t.Errorf("no unknown PDR-COV-001 result %s for the gap (got %+v)", key, r)
		}
	}
}

// baseRegion is the clean run's region of an account, or nil.
func baseRegion(s *model.Snapshot, account, region string) *model.Region {
	for _, a := range s.Accounts {
		if a.ID != account {
			continue
		}
		for i := range a.Regions {
			if a.Regions[i].Name == region {
				return &a.Regions[i]
			}
		}
	}
	return nil
}

// applyCase applies the plan with api failing as class (during the
// rollback when inRollback) and checks the journal, then that rollback,
// once the fault is gone, restores the estate.
func applyCase(t *testing.T, base *planBaseline, api string, class faultClass, inRollback bool) {
	for try := 1; applyAttempt(t, base, api, class, inRollback); try++ {
		if try == 3 {
			t.Fatal("a healthy call timed out in three attempts: the machine is too loaded for a per-call timeout of " + fmCallTimeout.String())
		}
	}
}

// applyAttempt is one attempt of applyCase, on a simulator of its own. It
// reports whether to try again: a healthy call timed out under a hung api
// (healthyCallTimedOut).
func applyAttempt(t *testing.T, base *planBaseline, api string, class faultClass, inRollback bool) (again bool) {
	k := planKinds[base.kind]
	s := startFMSim(t, k.estate, "", true)
	original := s.state()
	plan := copyPlan(t, base.path)
	journal := journalPath(plan)
	flags := append(s.aws(), classFlags(class, "--profile")...)
	rule := aimedRule(api, class, false)
	svc := serviceOf(api)
	// A call that fails only at first succeeds; so does a write whose
	// answer the SDK discards unread (an operation without output), which
	// a malformed body does not spoil.
	write := firstRun(api, "collect") == ""
	mayNotRead := class.name == "malformed body" && write

	if inRollback {
		s.must(ExitOK, append([]string{"apply", plan, "--auto-approve"}, s.aws()...)...)
		applied := statuses(readJournal(t, journal))
		s.fault.arm(rule)
		code, _, stderr := s.cli(append([]string{"rollback", journal, "--auto-approve"}, flags...)...)
		s.fault.disarm()
		t.Logf("rollback exited %d:\n%s", code, stderr)
		if class.name == "hung" && healthyCallTimedOut(t, api, code, stderr, "") {
			t.Log("a healthy call timed out on this loaded machine; trying again")
			return true
		}
		checkFired(t, s, api)
		j := readJournal(t, journal)
		succeeds := class.transient || mayNotRead && code == ExitOK
		if succeeds {
			if code != ExitOK {
				t.Fatalf("rollback exited %d: %s; want 0", code, stderr)
			}
		} else {
			if code != ExitError || !class.tells(svc, stderr) {
				t.Fatalf("rollback exited %d: %q; want 1 naming one of %q", code, stderr, class.says(svc))
			}
			checkRollbackJournal(t, statuses(j), applied)
			stuck := slices.Contains(statuses(j), remediate.StatusRollbackFailed)
			// Once the fault is gone, rolling back again finishes the job.
			code, _, stderr := s.cli(append([]string{"rollback", journal, "--auto-approve"}, s.aws()...)...)
			got := statuses(readJournal(t, journal))
			diff := cmp.Diff(original, s.state(launched(j)...))
			done := code == ExitOK && diff == "" && !slices.ContainsFunc(got, func(st string) bool { return st != remediate.StatusRolledBack })
			if !done && stuck && bugRollbackFailedIsFinal {
				t.Skipf("known bug: a rollback-failed entry is never rolled back again (second rollback exited %d, journal %v)", code, got)
			}
			if code != ExitOK {
				t.Fatalf("the second rollback exited %d: %s", code, stderr)
			}
		}
		if got := statuses(readJournal(t, journal)); slices.ContainsFunc(got, func(st string) bool { return st != remediate.StatusRolledBack }) {
			t.Errorf("journal after rollback: %v, want every entry rolled-back", got)
		}
		if diff := cmp.Diff(original, s.state(launched(j)...)); diff != "" {
			t.Errorf("rollback did not restore the estate (-original +restored):\n%s", diff)
		}
		return false
	}

	s.fault.arm(rule)
	code, _, stderr := s.cli(append([]string{"apply", plan, "--auto-approve"}, flags...)...)
	s.fault.disarm()
	t.Logf("apply exited %d:\n%s", code, stderr)
	if class.name == "hung" && healthyCallTimedOut(t, api, code, stderr, "") {
		t.Log("a healthy call timed out on this loaded machine; trying again")
		return true
	}
	checkFired(t, s, api)
	succeeds := class.transient || mayNotRead && code == ExitOK
	if succeeds {
		if code != ExitOK {
			t.Fatalf("apply exited %d: %s; want 0", code, stderr)
		}
		if got := statuses(readJournal(t, journal)); slices.ContainsFunc(got, func(st string) bool { return st != remediate.StatusApplied }) {
			t.Errorf("journal %v; want every change applied", got)
		}
	} else {
		if code != ExitError || !class.tells(svc, stderr) {
			t.Fatalf("apply exited %d: %q; want 1 naming one of %q", code, stderr, class.says(svc))
		}
		if _, err := os.Stat(journal); os.IsNotExist(err) {
			// Refused before any change (the caller, an account or a target
			// could not be read): nothing was written and nothing changed.
			if diff := cmp.Diff(original, s.state()); diff != "" {
				t.Errorf("a refused apply changed the estate:\n%s", diff)
			}
			return false
		}
		j := readJournal(t, journal)
		got := statuses(j)
		failed := slices.Index(got, remediate.StatusFailed)
		want := slices.Repeat([]string{remediate.StatusApplied}, max(failed, 0))
		want = append(want, remediate.StatusFailed)
		want = append(want, slices.Repeat([]string{remediate.StatusNotAttempted}, len(base.plan.Changes)-len(want))...)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("journal statuses (-want +got):\n%s", diff)
		}
		if e := j.Entries[failed]; !class.tells(svc, e.Error) {
			t.Errorf("the failed entry %s says %q; want it to name one of %q", e.ChangeID, e.Error, class.says(svc))
		}
	}
	j := readJournal(t, journal)
	// A write whose answer was lost may have happened all the same.
	lost := !succeeds && write && (class.name == "hung" || strings.HasSuffix(class.name, " body"))
	args := append([]string{"rollback", journal, "--auto-approve"}, s.aws()...)
	if lost && bugLostWritesUnjournaled {
		// Bounded: a group an unjournaled endpoint still uses is retried
		// for a minute and a half.
		args = append(args, "--timeout", "20s")
	}
	code, _, stderr = s.cli(args...)
	diff := ""
	if code == ExitOK {
		diff = cmp.Diff(original, s.state(launched(j)...))
	}
	if (code != ExitOK || diff != "") && lost && bugLostWritesUnjournaled {
		t.Skipf("known bug: a write whose answer was lost is not in the journal, so rollback cannot undo it (rollback exited %d: %s%s)", code, stderr, diff)
	}
	if code != ExitOK {
		t.Fatalf("rollback exited %d: %s", code, stderr)
	}
	if diff != "" {
		t.Errorf("rollback did not restore the estate (-original +restored):\n%s", diff)
	}
	return false
}

// Product bugs the matrix found, with the cases they make fail reported
// as skipped while the bug stands. Set one to false once it is fixed.
const (
	// Rollback only undoes entries that are applied (or failed with an
	// inverse): an entry whose undo failed is marked rollback-failed and
	// no later rollback touches it again, so a rollback interrupted by a
	// fault can never be finished (remediate.Applier.Rollback, and the
	// todo list of the rollback command).
	bugRollbackFailedIsFinal = false
	// Apply adds a step's inverse to the journal only once the call
	// answered: a write that happened but whose answer was lost (a
	// timeout, a truncated or malformed answer, or a retry answered with
	// "already exists") is missing from the journal, and rollback leaves
	// it in place (remediate.Applier, every mutating call).
	bugLostWritesUnjournaled = false
)

// checkFired fails the test unless the armed rule answered a call.
func checkFired(t *testing.T, s *fmSim, api string) {
	t.Helper()
	if s.fault.in.Load().Fired()[0] == 0 {
		t.Fatalf("the fault on %s never fired (answers %v)", api, s.outcomes(api))
	}
}

// checkRollbackJournal checks a journal whose rollback stopped at a
// failure: rollback goes newest first, so entries from the end are
// rolled-back, then one is rollback-failed (none when the rollback could
// not start), and the older ones are as apply left them.
func checkRollbackJournal(t *testing.T, got, applied []string) {
	t.Helper()
	i := len(got)
	for i > 0 && got[i-1] == remediate.StatusRolledBack {
		i--
	}
	if i > 0 && got[i-1] == remediate.StatusRollbackFailed {
		i--
	}
	if !cmp.Equal(got[:i], applied[:i]) {
		t.Errorf("journal after a failed rollback: %v; want a run of rolled-back entries at the end, at most one rollback-failed before them, and the rest as applied (%v)", got, applied)
	}
}

func readJournal(t *testing.T, path string) *remediate.Journal {
	t.Helper()
	j, err := remediate.ReadJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

// --timeout bounds a whole run: a hung answer (with the per-call timeout
// at its default of a minute) ends the run after the bound, with one line
// and exit 1, and nothing written but apply's journal.
func TestTimeoutEndsAHungRunWithNothingWritten(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test skipped in -short mode")
	}
	isolateAWS(t)
	const bound = 2 * time.Second
	hung := `[{"action": "ec2:DescribeInstances", "delay": "10m"}]`
	cases := []struct {
		name string
		args func(s *fmSim, out string) []string
	}{
		{"collect", func(s *fmSim, out string) []string {
			return append(append([]string{"collect", "-o", out}, s.aws()...), s.scope...)
		}},
		{"a live audit", func(s *fmSim, out string) []string {
			return append(append([]string{"audit", "--format", "json", "-o", out, "--output", "sarif=" + out + ".sarif"}, s.aws()...), s.scope...)
		}},
		{"a live plan", func(s *fmSim, out string) []string {
			return append(append([]string{"plan", "-o", out}, s.aws()...), s.scope...)
		}},
	}
	for _, c := range cases {
		t.Run(c.name+" of an estate with a hung API", func(t *testing.T) {
			s := startFMSim(t, "demo", hung, false)
			dir := t.TempDir()
			args := append(c.args(s, filepath.Join(dir, "out.json")), "--timeout", bound.String())
			start := time.Now()
			code, _, stderr := s.cli(args...)
			took := time.Since(start)
			t.Logf("%s", stderr)
			if code != ExitError || !strings.HasPrefix(stderr, "pdr-audit: timed out after 2s: ") || strings.Count(stderr, "\n") != 1 {
				t.Errorf("exit %d, stderr %q; want 1 and one line: timed out after 2s", code, stderr)
			}
			if took < bound || took > bound+5*time.Second {
				t.Errorf("the run took %s; want about %s", took.Round(time.Millisecond), bound)
			}
			if left, _ := os.ReadDir(dir); len(left) > 0 {
				t.Errorf("a timed-out run left %v", left)
			}
		})
	}

	t.Run("apply stopped by the bound writes its journal", func(t *testing.T) {
		s := startFMSim(t, "demo", "", true)
		plan := filepath.Join(t.TempDir(), "plan.json")
		s.must(ExitOK, append(append([]string{"plan", "-o", plan}, s.aws()...), s.scope...)...)
		p, err := remediate.ReadPlan(plan, remediate.ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		s.fault.arm(fault.Rule{Account: fault.Any, Region: fault.Any, Action: "ec2:CreateNetworkAclEntry", Delay: 10 * time.Minute})
		start := time.Now()
		code, _, stderr := s.cli(append([]string{"apply", plan, "--auto-approve", "--timeout", bound.String()}, s.aws()...)...)
		took := time.Since(start)
		s.fault.disarm()
		t.Logf("%s", stderr)
		last := stderr[strings.LastIndex(strings.TrimSuffix(stderr, "\n"), "\n")+1:]
		if code != ExitError || !strings.HasPrefix(last, "pdr-audit: timed out after 2s: apply stopped (journal ") {
			t.Errorf("exit %d, stderr %q; want 1 and a last line: timed out after 2s: apply stopped (journal …", code, stderr)
		}
		if took < bound || took > bound+5*time.Second {
			t.Errorf("apply took %s; want about %s", took.Round(time.Millisecond), bound)
		}
		got := statuses(readJournal(t, journalPath(plan)))
		failed := slices.Index(got, remediate.StatusFailed)
		if failed < 0 || slices.ContainsFunc(got[:failed], func(st string) bool { return st != remediate.StatusApplied }) ||
			slices.ContainsFunc(got[failed+1:], func(st string) bool { return st != remediate.StatusNotAttempted }) || len(got) != len(p.Changes) {
			t.Errorf("journal %v; want applied changes, the one the bound stopped failed, the rest not attempted", got)
		}
	})

	t.Run("a run that ends in time keeps its outcome", func(t *testing.T) {
		s := startFMSim(t, "demo", "", false)
		out := filepath.Join(t.TempDir(), "snap.json")
		if code, stderr := s.collect(out, "--timeout", "5m"); code != ExitOK {
			t.Fatalf("collect exited %d: %s", code, stderr)
		}
		code, _, stderr := s.cli("audit", "--snapshot", out, "--timeout", "5m", "-o", filepath.Join(t.TempDir(), "r.txt"))
		if code != ExitFindings {
			t.Errorf("audit --snapshot --timeout exited %d (%s); want 3, the demo's findings", code, stderr)
		}
	})

	t.Run("a negative bound is a usage error", func(t *testing.T) {
		for _, flag := range []string{"--timeout", "--call-timeout"} {
			code, _, stderr := runCLI(t, "collect", "--regions", "us-east-1", flag, "-1s", "-o", filepath.Join(t.TempDir(), "s.json"))
			if code != ExitUsage || !strings.Contains(stderr, flag+" must not be negative") {
				t.Errorf("%s -1s: exit %d, %q; want 2", flag, code, stderr)
			}
		}
	})
}
