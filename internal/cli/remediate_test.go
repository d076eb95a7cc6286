package cli

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/google/go-cmp/cmp"

	"github.com/pdr-audit/pdr-audit/internal/awssim"
	"github.com/pdr-audit/pdr-audit/internal/awssim/simtest"
	"github.com/pdr-audit/pdr-audit/internal/finding"
	"github.com/pdr-audit/pdr-audit/internal/model"
	"github.com/pdr-audit/pdr-audit/internal/policy"
	"github.com/pdr-audit/pdr-audit/internal/remediate"
)

// remediation is one estate served by the simulator, with the flags every
// command needs to reach it.
type remediation struct {
	t    *testing.T
	dir  string
	sim  *awssim.Running
	aws  []string // --endpoint-url and, for an organization, the role
	scan []string // live collection scope
	tmp  string
}

func newRemediation(t *testing.T, estate string, faults string) *remediation {
	t.Helper()
	isolateAWS(t)
	dir := simtest.CopyEstate(t, filepath.Join(simtest.EstatesDir(t), estate))
	if faults != "" {
		if err := os.WriteFile(filepath.Join(dir, "faults.json"), []byte(faults), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	est, err := awssim.LoadEstate(dir)
	if err != nil {
		t.Fatal(err)
	}
	r := &remediation{t: t, dir: dir, sim: simtest.Start(t, dir, awssim.Options{}), tmp: t.TempDir()}
	r.aws = []string{"--endpoint-url", r.sim.URL}
	r.scan = []string{"--regions", "all", "-q"}
	if est.ListAccounts != nil {
		r.aws = append(r.aws, "--role-name", "pdr-audit")
		r.scan = append(r.scan, "--org")
	}
	return r
}

func (r *remediation) path(name string) string { return filepath.Join(r.tmp, name) }

// run runs the CLI and fails the test unless it exits with one of codes.
func (r *remediation) run(codes []int, args ...string) (stdout, stderr string) {
	r.t.Helper()
	code, out, errOut := runCLI(r.t, args...)
	if !slices.Contains(codes, code) {
		r.t.Fatalf("pdr-audit %s exited %d, want %v:\n%s", strings.Join(args, " "), code, codes, errOut)
	}
	return out, errOut
}

// audit returns the results of a live audit, by key.
func (r *remediation) audit(name string) map[string]finding.Result {
	r.t.Helper()
	out := r.path(name)
	args := append([]string{"audit", "--profile", "pdr-2020-03", "--format", "json", "-o", out}, r.aws...)
	r.run([]int{ExitOK, ExitFindings}, append(args, r.scan...)...)
	b, err := os.ReadFile(out)
	if err != nil {
		r.t.Fatal(err)
	}
	var rep struct {
		Results []finding.Result `json:"results"`
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		r.t.Fatal(err)
	}
	m := map[string]finding.Result{}
	for _, res := range rep.Results {
		m[res.Key()] = res
	}
	return m
}

// plan writes a plan and reads it back.
func (r *remediation) plan(name string, extra ...string) *remediate.Plan {
	r.t.Helper()
	out := r.path(name)
	args := append([]string{"plan", "--profile", "pdr-2020-03", "-o", out}, r.aws...)
	args = append(append(args, r.scan...), extra...)
	r.run([]int{ExitOK}, args...)
	p, err := remediate.ReadPlan(out, remediate.ReadOptions{})
	if err != nil {
		r.t.Fatal(err)
	}
	return p
}

// collect returns a fresh snapshot of the simulator's state, without the
// fields that differ between any two collections.
// Instances named in terminated are dropped when terminated.
func (r *remediation) collect(name string, terminated ...string) []byte {
	r.t.Helper()
	out := r.path(name)
	args := append([]string{"collect", "-o", out}, r.aws...)
	r.run([]int{ExitOK}, append(args, r.scan...)...)
	s := readSnapshot(r.t, out)
	for ai := range s.Accounts {
		for ri := range s.Accounts[ai].Regions {
			reg := &s.Accounts[ai].Regions[ri]
			reg.Instances = slices.DeleteFunc(reg.Instances, func(i model.Instance) bool {
				return i.State == "terminated" && slices.Contains(terminated, i.ID)
			})
		}
	}
	b, err := json.Marshal(s)
	if err != nil {
		r.t.Fatal(err)
	}
	return b
}

func (r *remediation) journal(path string) *remediate.Journal {
	r.t.Helper()
	j, err := remediate.ReadJournal(path)
	if err != nil {
		r.t.Fatal(err)
	}
	return j
}

// launched lists the instances a journal's changes launched.
func launched(j *remediate.Journal) []string {
	var out []string
	for _, e := range j.Entries {
		if e.Created != nil && e.Created.InstanceID != "" {
			out = append(out, e.Created.InstanceID)
		}
	}
	return out
}

func statuses(j *remediate.Journal) []string {
	var out []string
	for _, e := range j.Entries {
		out = append(out, e.Status)
	}
	return out
}

// The whole story, for every test estate: audit → plan → apply → audit
// shows every planned fix passing and nothing worse → rollback → a fresh
// collection equals the original.
func TestPlanApplyRollbackRestoresEveryEstate(t *testing.T) {
	// The instance profile each estate's accounts have.
	profiles := map[string]string{"demo": "app-s3-reader", "example": "pdr-ssm-instance", "org": "pdr-ssm-core"}
	cases := []struct{ name, estate, groups string }{
		{"demo", "demo", "existing"}, {"example", "example", "existing"}, {"org", "org", "existing"},
		{"demo with dedicated groups", "demo", "dedicated"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			estate := tc.estate
			r := newRemediation(t, estate, "")
			original := r.collect("original.json")
			before := r.audit("before.json")
			plan := r.plan("plan.json", "--allow-high-risk", "--config", remediationConfig(t, profiles[estate], tc.groups))
			if tc.groups == "dedicated" && !slices.ContainsFunc(plan.Changes, func(c remediate.Change) bool {
				return c.SecurityGroup != nil && c.SecurityGroup.Create != nil && len(c.SecurityGroup.AttachTo) > 0
			}) {
				t.Fatalf("a plan with dedicated groups creates none: %+v", plan.Changes)
			}
			if estate == "demo" && len(plan.Changes) < 5 {
				t.Fatalf("the demo plan has %d changes, want the security group, ACL, endpoint and IAM fixes", len(plan.Changes))
			}
			r.run([]int{ExitOK}, append([]string{"apply", r.path("plan.json"), "--auto-approve"}, r.aws...)...)
			after := r.audit("after.json")
			fixed := 0
			for _, c := range plan.Changes {
				for _, key := range c.Fixes {
					fixed++
					if got := after[key]; got.Status != finding.Pass {
						t.Errorf("%s planned to fix %s, which is now %s: %s", c.ID, key, got.Status, got.Message)
					}
				}
			}
			if len(plan.Changes) > 0 && fixed == 0 {
				t.Errorf("the plan's %d changes fix nothing", len(plan.Changes))
			}
			for key, b := range before {
				a, ok := after[key]
				if !ok {
					t.Errorf("%s disappeared after apply", key)
					continue
				}
				if b.Status == finding.Pass && a.Status != finding.Pass {
					t.Errorf("%s got worse: %s → %s (%s)", key, b.Status, a.Status, a.Message)
				}
			}
			journal := r.path("plan.journal.json")
			if len(plan.Changes) == 0 {
				return
			}
			j := r.journal(journal)
			for _, e := range j.Entries {
				if e.Status != remediate.StatusApplied || len(e.Inverse) == 0 {
					t.Errorf("journal entry %s: status %s with %d inverse steps", e.ChangeID, e.Status, len(e.Inverse))
				}
			}
			r.run([]int{ExitOK}, append([]string{"rollback", journal, "--auto-approve"}, r.aws...)...)
			// AWS lists a terminated instance for about an hour: the
			// appliances rollback terminated are there, terminated, and
			// nothing else differs.
			restored := r.collect("restored.json", launched(j)...)
			if diff := cmp.Diff(string(original), string(restored)); diff != "" {
				t.Errorf("after rollback the estate differs from the original (-original +restored):\n%s", diff)
			}
			if got := statuses(r.journal(journal)); slices.ContainsFunc(got, func(s string) bool { return s != remediate.StatusRolledBack }) {
				t.Errorf("journal after rollback: %v, want every entry rolled-back", got)
			}
			// Rolling back twice changes nothing.
			out, _ := r.run([]int{ExitOK}, append([]string{"rollback", journal, "--auto-approve"}, r.aws...)...)
			if !strings.Contains(out, "Nothing to roll back") {
				t.Errorf("second rollback said %q", out)
			}
		})
	}
}

// A plan whose target changed after planning is refused whole, and a plan
// applied once is refused the second time: never a duplicate rule.
func TestApplyRefusesStalePlansAndSecondApplies(t *testing.T) {
	r := newRemediation(t, "demo", "")
	plan := r.plan("plan.json")
	clean := r.collect("clean.json")
	// Someone applies the plan: the second apply finds the targets changed.
	r.run([]int{ExitOK}, append([]string{"apply", r.path("plan.json"), "--auto-approve"}, r.aws...)...)
	applied := r.collect("applied.json")
	code, _, stderr := runCLI(t, append([]string{"apply", r.path("plan.json"), "--auto-approve", "--journal", r.path("second.json")}, r.aws...)...)
	if code != ExitError || !strings.Contains(stderr, "plan is stale: "+plan.Changes[0].ID) {
		t.Fatalf("second apply exited %d: %s; want exit 1 and plan is stale", code, stderr)
	}
	if _, err := os.Stat(r.path("second.json")); !os.IsNotExist(err) {
		t.Errorf("a refused plan wrote a journal (%v)", err)
	}
	if diff := cmp.Diff(string(applied), string(r.collect("after-second.json"))); diff != "" {
		t.Errorf("a refused apply changed the estate:\n%s", diff)
	}
	if string(applied) == string(clean) {
		t.Fatal("the first apply changed nothing")
	}
}

// A fault on the third change: two applied, the third failed, the rest not
// attempted; the journal says exactly that and rollback restores the estate.
func TestAFailureOnTheThirdChangeStopsWithAnExactJournal(t *testing.T) {
	r := newRemediation(t, "demo", `[{"action": "ec2:CreateNetworkAclEntry", "error": "UnauthorizedOperation"}]`)
	original := r.collect("original.json")
	plan := r.plan("plan.json")
	if len(plan.Changes) < 4 || plan.Changes[2].Action != remediate.AddNetworkACLEntries {
		t.Fatalf("want the demo plan's third change to add network ACL entries: %+v", plan.Changes)
	}
	code, _, stderr := runCLI(t, append([]string{"apply", r.path("plan.json"), "--auto-approve"}, r.aws...)...)
	if code != ExitError || !strings.Contains(stderr, "UnauthorizedOperation") {
		t.Fatalf("apply exited %d: %s; want 1 naming UnauthorizedOperation", code, stderr)
	}
	j := r.journal(r.path("plan.journal.json"))
	want := []string{remediate.StatusApplied, remediate.StatusApplied, remediate.StatusFailed}
	for range len(plan.Changes) - 3 {
		want = append(want, remediate.StatusNotAttempted)
	}
	if diff := cmp.Diff(want, statuses(j)); diff != "" {
		t.Fatalf("journal statuses (-want +got):\n%s", diff)
	}
	if !strings.Contains(j.Entries[2].Error, "UnauthorizedOperation") {
		t.Errorf("the failed change: %+v", j.Entries[2])
	}
	r.run([]int{ExitOK}, append([]string{"rollback", r.path("plan.journal.json"), "--auto-approve"}, r.aws...)...)
	if diff := cmp.Diff(string(original), string(r.collect("restored.json"))); diff != "" {
		t.Errorf("rollback did not restore the estate:\n%s", diff)
	}
}

// A dry run proves the calls without changing anything.
func TestApplyDryRunChangesNothing(t *testing.T) {
	r := newRemediation(t, "demo", "")
	original := r.collect("original.json")
	r.plan("plan.json")
	r.run([]int{ExitOK}, append([]string{"apply", r.path("plan.json"), "--auto-approve", "--dry-run"}, r.aws...)...)
	j := r.journal(r.path("plan.journal.json"))
	if !j.DryRun {
		t.Error("the journal of a dry run does not say so")
	}
	for _, e := range j.Entries {
		if e.Status != remediate.StatusDryRunOK && e.Status != remediate.StatusNotAttempted || len(e.Inverse) > 0 {
			t.Errorf("dry run entry %s: %s %q with %d inverse steps", e.ChangeID, e.Status, e.Error, len(e.Inverse))
		}
	}
	if diff := cmp.Diff(string(original), string(r.collect("after.json"))); diff != "" {
		t.Errorf("a dry run changed the estate:\n%s", diff)
	}
}

// apply refuses what it must not run before touching anything.
func TestApplyRefusals(t *testing.T) {
	r := newRemediation(t, "demo", "")
	r.plan("plan.json")
	other := simtest.Start(t, filepath.Join(simtest.EstatesDir(t), "example"), awssim.Options{})
	b, err := os.ReadFile(r.path("plan.json"))
	if err != nil {
		t.Fatal(err)
	}
	edited := r.path("edited.json")
	if err := os.WriteFile(edited, []byte(strings.Replace(string(b), "10.40.0.0/16", "0.0.0.0/0", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"a plan for another account is refused", []string{"apply", r.path("plan.json"), "--auto-approve", "--endpoint-url", other.URL}, ExitError, "account mismatch"},
		{"an edited plan is refused", []string{"apply", edited, "--auto-approve", "--endpoint-url", r.sim.URL}, ExitError, "plan was modified after it was written"},
		{"no terminal and no --auto-approve is not consent", []string{"apply", r.path("plan.json"), "--endpoint-url", r.sim.URL}, ExitUsage, "--auto-approve"},
		{"a signature is required when a key is given", []string{"apply", r.path("plan.json"), "--auto-approve", "--endpoint-url", r.sim.URL, "--sign-key", writeKey(t)}, ExitError, "signature"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, _, stderr := runCLI(t, c.args...)
			if code != c.code || !strings.Contains(stderr, c.want) {
				t.Fatalf("exit %d, stderr %q; want %d containing %q", code, stderr, c.code, c.want)
			}
			if _, err := os.Stat(r.path("plan.journal.json")); !os.IsNotExist(err) {
				t.Errorf("a refused apply wrote a journal")
			}
		})
	}
}

// remediationConfig names an instance profile the estate has and
// an appliance AMI, so the plan holds every kind of change.
func remediationConfig(t *testing.T, profile, groups string) string {
	p := filepath.Join(t.TempDir(), "pdr-audit.yaml")
	cfg := "profile: pdr-2020-03\nremediation:\n  security_groups: " + groups + "\n  instance_profile: " + profile + "\n  appliance:\n    image_id: ami-0123456789abcdef0\n    instance_type: c5.xlarge\n"
	if err := os.WriteFile(p, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func writeKey(t *testing.T) string {
	p := filepath.Join(t.TempDir(), "key")
	if err := os.WriteFile(p, []byte("a-test-signing-key-0123456789"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// A target changed by someone else after planning refuses the whole plan,
// and nothing is written.
func TestApplyRefusesAPlanWhoseTargetChanged(t *testing.T) {
	r := newRemediation(t, "demo", "")
	plan := r.plan("plan.json")
	c := plan.Changes[0]
	if c.SecurityGroup == nil {
		t.Fatalf("want the first change to be a security group's: %+v", c)
	}
	api := ec2.NewFromConfig(simtest.Config(r.sim.URL, c.Region, 1))
	_, err := api.AuthorizeSecurityGroupIngress(context.Background(), &ec2.AuthorizeSecurityGroupIngressInput{
		GroupId: aws.String(c.SecurityGroup.GroupID),
		IpPermissions: []ec2types.IpPermission{{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(8443), ToPort: aws.Int32(8443),
			IpRanges: []ec2types.IpRange{{CidrIp: aws.String("192.0.2.0/24")}}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	changed := r.collect("changed.json")
	code, _, stderr := runCLI(t, append([]string{"apply", r.path("plan.json"), "--auto-approve"}, r.aws...)...)
	if code != ExitError || !strings.Contains(stderr, "plan is stale: c001 security-group "+c.SecurityGroup.GroupID+` now has "ingress tcp 8443-8443 192.0.2.0/24"`) {
		t.Fatalf("apply exited %d: %s", code, stderr)
	}
	if _, err := os.Stat(r.path("plan.journal.json")); !os.IsNotExist(err) {
		t.Error("a stale plan wrote a journal")
	}
	if diff := cmp.Diff(string(changed), string(r.collect("after.json"))); diff != "" {
		t.Errorf("a stale plan changed the estate:\n%s", diff)
	}
}

// The planner's output on the demo estate, text and JSON.
func TestPlanOfTheDemoEstateMatchesItsGoldens(t *testing.T) {
	out := filepath.Join(t.TempDir(), "plan.json")
	code, stdout, stderr := runCLI(t, "plan", "--estate", filepath.Join(simtest.EstatesDir(t), "demo"), "-q",
		"--config", remediationConfig(t, "app-s3-reader", "existing"), "--allow-high-risk", "-o", out, "--detailed-exitcode")
	if code != ExitChanges {
		t.Fatalf("plan exited %d, want %d (changes): %s", code, ExitChanges, stderr)
	}
	checkGolden(t, "plan-demo.txt", strings.ReplaceAll(stdout, out, "plan.json"))
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "plan-demo.json", string(b))
	if info, err := os.Stat(out); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("plan file mode %v (%v), want 0600", info.Mode().Perm(), err)
	}
	tf := filepath.Join(t.TempDir(), "plan.tf")
	if code, _, stderr := runCLI(t, "export", "terraform", out, "-o", tf); code != ExitOK {
		t.Fatalf("export terraform exited %d: %s", code, stderr)
	}
	hcl, err := os.ReadFile(tf)
	if err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "plan-demo.tf", string(hcl))
}

// Every rule names a remediation the planner knows.
func TestEveryRuleNamesAKnownRemediation(t *testing.T) {
	engine, err := policy.New(context.Background(), policy.Options{Profile: policy.DefaultProfile})
	if err != nil {
		t.Fatal(err)
	}
	known := []string{string(remediate.Manual)}
	for _, a := range remediate.Actions {
		known = append(known, string(a))
	}
	for _, r := range engine.Rules() {
		if !slices.Contains(known, r.Remediation) {
			t.Errorf("rule %s names the remediation %q; the planner knows %v", r.ID, r.Remediation, known)
		}
	}
}
