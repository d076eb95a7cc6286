package remediate

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/pdr-audit/pdr-audit/internal/model"
)

func i32(v int32) *int32 { return &v }

func TestFreeNumberPlacesTheEntryBeforeTheFirstDenyWithoutRenumbering(t *testing.T) {
	acl := &model.NetworkACL{ID: "acl-1", Entries: []model.NetworkACLEntry{
		{RuleNumber: 100, Protocol: "6", RuleAction: "allow", CIDRBlock: "10.0.0.0/16", PortFrom: i32(22), PortTo: i32(22)},
		{RuleNumber: 110, Protocol: "6", RuleAction: "deny", CIDRBlock: "0.0.0.0/0", PortFrom: i32(4000), PortTo: i32(5000)},
		{RuleNumber: 120, Protocol: "-1", RuleAction: "allow", CIDRBlock: "0.0.0.0/0"},
		{RuleNumber: 100, Egress: true, Protocol: "-1", RuleAction: "deny", CIDRBlock: "204.110.218.96/27"},
		{RuleNumber: 1, Egress: true, Protocol: "-1", RuleAction: "allow", CIDRBlock: "10.0.0.0/8"},
		{RuleNumber: 2, Egress: true, Protocol: "-1", RuleAction: "allow", CIDRBlock: "10.0.0.0/8"},
		{RuleNumber: 3, Egress: true, Protocol: "-1", RuleAction: "allow", CIDRBlock: "10.0.0.0/8"},
	}}
	cases := []struct {
		name     string
		entry    ACLEntry
		wantDeny int32
		want     int32
		ok       bool
	}{
		{"a flow a numbered deny refuses goes just after the entries below it",
			ACLEntry{Protocol: "6", CIDR: "0.0.0.0/0", FromPort: 4138, ToPort: 4138}, 110, 109, true},
		{"a flow only the * rule refuses goes after the last entry",
			ACLEntry{Protocol: "17", CIDR: "8.8.8.8/32", FromPort: 53, ToPort: 53}, 32767, 130, true},
		{"a deny of other ports is not the blocker",
			ACLEntry{Protocol: "6", CIDR: "0.0.0.0/0", FromPort: 443, ToPort: 443}, 32767, 130, true},
		{"the next multiple of ten is used when it is below the deny",
			ACLEntry{Egress: true, Protocol: "6", CIDR: "204.110.218.96/27", FromPort: 443, ToPort: 443}, 100, 10, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			deny := firstDeny(acl, c.entry)
			if deny != c.wantDeny {
				t.Fatalf("firstDeny = %d, want %d", deny, c.wantDeny)
			}
			got, ok := freeNumber(acl, c.entry.Egress, deny)
			if got != c.want || ok != c.ok {
				t.Errorf("freeNumber = %d, %v; want %d, %v", got, ok, c.want, c.ok)
			}
		})
	}
	full := &model.NetworkACL{Entries: []model.NetworkACLEntry{{RuleNumber: 1, RuleAction: "deny", Protocol: "-1", CIDRBlock: "0.0.0.0/0"}}}
	if n, ok := freeNumber(full, false, 1); ok {
		t.Errorf("freeNumber below rule 1 = %d, want none", n)
	}
}

func TestManualStepIsTheHelpsToFixParagraph(t *testing.T) {
	help := "Why it matters.\n\n**To fix:** upgrade the kernel\nto one in the list.\n\nMore text."
	if got, want := manualStep(help), "upgrade the kernel to one in the list."; got != want {
		t.Errorf("manualStep = %q, want %q", got, want)
	}
}

func testPlan() *Plan {
	return &Plan{FormatVersion: FormatVersion, ToolVersion: "v1.0.0", CreatedAt: time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC),
		Profile: "pdr-2020-03", Accounts: []string{"111122223333"}, SnapshotDigest: "sha256:00",
		Changes: []Change{{ID: "c001", Action: AttachSSMPolicy, Account: "111122223333", Region: "global",
			Resource: Ref{Type: "iam-role", ID: "app"}, Risk: RiskLow, RuleIDs: []string{"PDR-SSM-003"},
			Before: State{}, After: State{CorePolicyARN},
			RolePolicy: &RolePolicyChange{RoleName: "app", PolicyARN: CorePolicyARN, ProfileName: "app"}}},
		Skipped: []Skipped{}}
}

func encoded(t *testing.T, p *Plan, key []byte) []byte {
	t.Helper()
	if err := Seal(p, key); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := EncodePlan(&buf, p); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestDecodePlanRefusesWhatApplyMustNotRun(t *testing.T) {
	key := []byte("0123456789abcdef0123")
	now := time.Date(2026, 11, 25, 13, 0, 0, 0, time.UTC)
	cases := []struct {
		name string
		data func() []byte
		opts ReadOptions
		want error
	}{
		{"an intact plan is read", func() []byte { return encoded(t, testPlan(), nil) }, ReadOptions{ToolVersion: "v1.0.0", MaxAge: 24 * time.Hour, Now: now}, nil},
		{"an edited change is refused as modified", func() []byte {
			return bytes.Replace(encoded(t, testPlan(), nil), []byte(`"role_name": "app"`), []byte(`"role_name": "admin"`), 1)
		}, ReadOptions{}, ErrModified},
		{"a plan of another format version is refused", func() []byte {
			return bytes.Replace(encoded(t, testPlan(), nil), []byte(`"format_version": 1`), []byte(`"format_version": 9`), 1)
		}, ReadOptions{}, ErrVersion},
		{"a plan of another tool version is refused", func() []byte { return encoded(t, testPlan(), nil) }, ReadOptions{ToolVersion: "v2.0.0"}, ErrVersion},
		{"an unsigned plan is refused when a key is required", func() []byte { return encoded(t, testPlan(), nil) }, ReadOptions{Key: key}, ErrUnsigned},
		{"a plan signed with another key is refused", func() []byte { return encoded(t, testPlan(), []byte("another-key-0123456")) }, ReadOptions{Key: key}, ErrUnsigned},
		{"a plan signed with the key is read", func() []byte { return encoded(t, testPlan(), key) }, ReadOptions{Key: key}, nil},
		{"a plan older than the maximum age is refused", func() []byte { return encoded(t, testPlan(), nil) }, ReadOptions{MaxAge: 30 * time.Minute, Now: now}, ErrTooOld},
		{"an unknown field is refused", func() []byte {
			return bytes.Replace(encoded(t, testPlan(), nil), []byte(`"profile"`), []byte(`"extra": 1, "profile"`), 1)
		}, ReadOptions{}, ErrBadPlan},
		{"a change without its details is refused", func() []byte {
			p := testPlan()
			p.Changes[0].RolePolicy = nil
			return encoded(t, p, nil)
		}, ReadOptions{}, ErrBadPlan},
		{"an unknown action is refused", func() []byte {
			p := testPlan()
			p.Changes[0].Action = "delete-everything"
			return encoded(t, p, nil)
		}, ReadOptions{}, ErrBadPlan},
		{"not JSON is refused", func() []byte { return []byte("{") }, ReadOptions{}, ErrBadPlan},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := DecodePlan(c.data(), c.opts)
			if c.want == nil && err != nil || c.want != nil && !errors.Is(err, c.want) {
				t.Fatalf("DecodePlan error = %v, want %v", err, c.want)
			}
		})
	}
}

func TestRenderShowsAddedLinesWithAPlus(t *testing.T) {
	p := testPlan()
	p.Changes[0].Before = State{"arn:aws:iam::aws:policy/ReadOnlyAccess"}
	p.Changes[0].After = State{CorePolicyARN, "arn:aws:iam::aws:policy/ReadOnlyAccess"}
	if err := Seal(p, nil); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := Render(&buf, p); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{"~ iam-role app {", "+ " + CorePolicyARN, "    arn:aws:iam::aws:policy/ReadOnlyAccess", "Plan: 1 change(s) (1 low, 0 medium, 0 high risk), 0 skipped."} {
		if !strings.Contains(out, want) {
			t.Errorf("render lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "+ arn:aws:iam::aws:policy/ReadOnlyAccess") {
		t.Errorf("an unchanged line is marked added:\n%s", out)
	}
}

func TestFloorsFollowTheMutatingBuckets(t *testing.T) {
	var changes []Change
	for range 1000 {
		changes = append(changes, Change{Action: AddSecurityGroupRules, Account: "1", Region: "r",
			SecurityGroup: &SecurityGroupChange{Rules: []SGRule{{Direction: "ingress"}}}})
	}
	fl := floors(changes)
	if len(fl) != 1 || fl[0].Calls != 1000 || fl[0].Seconds != 190 {
		t.Fatalf("floors = %+v, want 1000 ingress calls taking at least 190 s ((1000-50)/5)", fl)
	}
}
