package policy

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/pdr-audit/pdr-audit/internal/awssim"
	"github.com/pdr-audit/pdr-audit/internal/awssim/synth"
	"github.com/pdr-audit/pdr-audit/internal/collect"
	ssmcollect "github.com/pdr-audit/pdr-audit/internal/collect/ssm"
	"github.com/pdr-audit/pdr-audit/internal/finding"
	"github.com/pdr-audit/pdr-audit/internal/model"
	"github.com/pdr-audit/pdr-audit/internal/netpath"
)

// syntheticSnapshot imports a generated organization: accounts × regions
// × VPCs, appliances, SSM coverage below 100%, instance profiles.
func syntheticSnapshot(t *testing.T, o synth.Options) *model.Snapshot {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "estate")
	if _, err := synth.Generate(dir, o); err != nil {
		t.Fatal(err)
	}
	est, err := awssim.LoadEstate(dir)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := awssim.NewServer(est, awssim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cfg := awssim.SDKConfig(awssim.InProcessEndpoint, "us-east-1")
	cfg.HTTPClient = awssim.InProcessClient(srv)
	opts := collect.Options{
		Regions: synth.RegionCodes[:o.Regions], Org: o.Accounts > 1, KernelSource: ssmcollect.KernelSourceNone,
		Concurrency: 4, Tool: model.Tool{Name: "pdr-audit", Version: "test"}, Source: "import",
	}
	if opts.Org {
		opts.RoleName = "OrganizationAccountAccessRole"
	}
	snap, err := collect.Collect(context.Background(), cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	snap.Normalize()
	return snap
}

// withGaps adds coverage gaps of every scope a part must see: a region's
// instance listing, an IAM read of one instance profile (region
// "global"), a region no account of the snapshot has, and an account the
// snapshot could not enter.
func withGaps(snap *model.Snapshot) *model.Snapshot {
	a := snap.Accounts[len(snap.Accounts)-1]
	r := a.Regions[len(a.Regions)-1]
	profile := ""
	for _, i := range r.Instances {
		if i.IAMInstanceProfileARN != "" {
			profile = i.IAMInstanceProfileARN
		}
	}
	snap.Gaps = append(snap.Gaps,
		model.Gap{Account: a.ID, Region: r.Name, API: "ssm:DescribeInstanceInformation", Class: model.GapDenied, Code: "AccessDenied", Message: "no"},
		model.Gap{Account: a.ID, Region: "global", API: "iam:GetInstanceProfile", Resource: profile, Class: model.GapThrottled, Code: "Throttling", Message: "slow"},
		model.Gap{Account: a.ID, Region: "ap-south-2", API: "ec2:DescribeInstances", Class: model.GapError, Code: "InternalError", Message: "oops"},
		model.Gap{Account: "999988887777", Region: "global", API: "sts:AssumeRole", Class: model.GapDenied, Code: "AccessDenied", Message: "no"},
	)
	snap.Normalize()
	return snap
}

func TestTheCatalogEvaluatedPartByPartEqualsOneEvaluationOfTheWholeSnapshot(t *testing.T) {
	o := synth.Defaults()
	o.Seed, o.Accounts, o.Regions, o.VPCs, o.Instances = 7, 3, 2, 3, 45
	snap := withGaps(syntheticSnapshot(t, o))
	ctx := context.Background()
	for _, profile := range Profiles {
		e, err := New(ctx, Options{Profile: profile})
		if err != nil {
			t.Fatal(err)
		}
		input, err := toValue(snap)
		if err != nil {
			t.Fatal(err)
		}
		whole, err := e.evaluate(withNetwork(ctx, netpath.New(snap)), e.parted, input)
		if err != nil {
			t.Fatal(err)
		}
		want := merge(whole)
		for _, size := range []int{1, 20, 1000} {
			old := partSize
			partSize = size
			got, err := e.Evaluate(ctx, snap)
			partSize = old
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s, parts of %d instances: results differ from one evaluation (-whole +parts):\n%s", profile, size, diff)
			}
		}
		if len(want) == 0 || !hasRule(want, "PDR-COV-001", "999988887777/global/sts:AssumeRole") ||
			!hasRule(want, "PDR-COV-001", snap.Accounts[len(snap.Accounts)-1].ID+"/ap-south-2/ec2:DescribeInstances") {
			t.Errorf("%s: the gaps outside the snapshot's regions are not reported", profile)
		}
	}
}

func hasRule(rs []finding.Result, rule, resource string) bool {
	for _, r := range rs {
		if r.RuleID == rule && r.ResourceID == resource {
			return true
		}
	}
	return false
}

func TestPartsHoldWholeVPCsOfOneRegionAndEveryGapOfItOrOfNoRegion(t *testing.T) {
	snap := &model.Snapshot{
		Accounts: []model.Account{
			{ID: "111111111111", Regions: []model.Region{
				{Name: "eu-west-1", Instances: []model.Instance{{ID: "i-1", VPCID: "vpc-a"}, {ID: "i-2", VPCID: "vpc-b"}, {ID: "i-3", VPCID: "vpc-b"}}},
				{Name: "us-east-1"},
			}},
			{ID: "222222222222", Regions: []model.Region{
				{Name: "eu-west-1", Instances: []model.Instance{{ID: "i-4", VPCID: "vpc-a"}}},
			}},
		},
		Gaps: []model.Gap{
			{Account: "111111111111", Region: "eu-west-1", API: "ec2:DescribeNetworkAcls"},
			{Account: "111111111111", Region: "us-east-1", API: "ec2:DescribeInstances"},
			{Account: "111111111111", Region: "global", API: "iam:GetInstanceProfile"},
		},
	}
	snap.Normalize()
	old := partSize
	partSize = 2
	defer func() { partSize = old }()
	plans := planParts(snap)
	type part struct {
		Region    string
		Instances []string
		Gaps      []string
	}
	var got []part
	for _, p := range plans {
		in := p.input(snap)
		x := part{Region: p.region}
		for _, a := range in.Accounts {
			for _, r := range a.Regions {
				for _, i := range r.Instances {
					x.Instances = append(x.Instances, a.ID+"/"+i.ID)
				}
			}
		}
		for _, g := range in.Gaps {
			x.Gaps = append(x.Gaps, g.Region+"/"+g.API)
		}
		got = append(got, x)
	}
	want := []part{
		// vpc-a spans both accounts and stays whole; vpc-b does not fit
		// beside it.
		{"eu-west-1", []string{"111111111111/i-1", "222222222222/i-4"}, []string{"eu-west-1/ec2:DescribeNetworkAcls", "global/iam:GetInstanceProfile"}},
		{"eu-west-1", []string{"111111111111/i-2", "111111111111/i-3"}, []string{"eu-west-1/ec2:DescribeNetworkAcls", "global/iam:GetInstanceProfile"}},
		// A region without instances is a part of its own, for its gaps.
		{"us-east-1", nil, []string{"global/iam:GetInstanceProfile", "us-east-1/ec2:DescribeInstances"}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("parts (-want +got):\n%s", diff)
	}
}

func TestTheInputBuiltFromTheSnapshotIsWhatItsJSONParsesTo(t *testing.T) {
	o := synth.Defaults()
	o.Seed, o.Accounts, o.Regions, o.VPCs, o.Instances = 3, 2, 1, 1, 12
	snap := withGaps(syntheticSnapshot(t, o))
	// Fields the synthetic estate leaves empty: omitempty, nil pointers
	// and slices.
	r := &snap.Accounts[0].Regions[0]
	r.Kernels = append(r.Kernels, model.Kernel{InstanceID: "i-x", Source: model.KernelUnknown, Detail: "2 kernel packages"})
	r.DefaultHostManagement = nil
	r.Instances[0].Tags = nil
	r.Instances[0].NetworkInterfaces = nil
	var buf bytes.Buffer
	if err := model.Encode(&buf, snap); err != nil {
		t.Fatal(err)
	}
	want, err := ast.ValueFromReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	got, err := toValue(snap)
	if err != nil {
		t.Fatal(err)
	}
	if got.Compare(want) != 0 {
		t.Fatalf("toValue(snapshot) differs from what its JSON parses to")
	}
	// The catalog's input of a part keeps the snapshot's layout.
	p := planParts(snap)[0]
	in, err := toValue(p.input(snap))
	if err != nil {
		t.Fatal(err)
	}
	acct := in.(ast.Object).Get(ast.StringTerm("accounts")).Value.(*ast.Array).Elem(0).Value.(ast.Object)
	region := acct.Get(ast.StringTerm("regions")).Value.(*ast.Array).Elem(0).Value.(ast.Object)
	inst := region.Get(ast.StringTerm("instances")).Value.(*ast.Array).Elem(0)
	wantInst := want.(ast.Object).Get(ast.StringTerm("accounts")).Value.(*ast.Array).Elem(0).Value.(ast.Object).
		Get(ast.StringTerm("regions")).Value.(*ast.Array).Elem(0).Value.(ast.Object).
		Get(ast.StringTerm("instances")).Value.(*ast.Array).Elem(0)
	if inst.Value.Compare(wantInst.Value) != 0 {
		t.Errorf("an instance of the part's input is %v, want %v", inst, wantInst)
	}
}

func TestAUserModuleInTheCatalogsPackagesHasTheCatalogEvaluatedWhole(t *testing.T) {
	tests := []struct {
		name, pkg string
		parted    bool
	}{
		{"a package of its own", "acme.vpc.named", true},
		{"a package under data.pdr", "pdr.acme.named", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writePolicy(t, map[string]string{"named.rego": strings.Replace(userRuleHeader, "package acme.vpc.named", "package "+tt.pkg, 1) + `
results contains {"resource_id": vpc.id, "resource_type": "vpc", "account": acct.id, "region": region.name, "status": "fail", "message": "checked"} if {
	some acct in input.accounts
	some region in acct.regions
	some vpc in region.vpcs
}
`})
			e, err := New(context.Background(), Options{PolicyDirs: []string{dir}})
			if err != nil {
				t.Fatal(err)
			}
			if got := e.parted != nil; got != tt.parted {
				t.Errorf("catalog evaluated in parts: %v, want %v", got, tt.parted)
			}
			rs, err := e.Evaluate(context.Background(), snapshotWithVPCs("vpc-a"))
			if err != nil {
				t.Fatal(err)
			}
			if got := userResults(rs); len(got) != 1 || got[0].ResourceID != "vpc-a" {
				t.Errorf("the user's rule gave %+v, want one result for vpc-a", got)
			}
		})
	}
}
