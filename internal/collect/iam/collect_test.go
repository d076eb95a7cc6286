package iamcollect_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/pdr-audit/pdr-audit/internal/collect/gap"
	iamcollect "github.com/pdr-audit/pdr-audit/internal/collect/iam"
	"github.com/pdr-audit/pdr-audit/internal/model"
)

const (
	coreARN   = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"
	legacyARN = "arn:aws:iam::aws:policy/service-role/AmazonEC2RoleforSSM"
	s3ARN     = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
)

func profileARN(pathAndName string) string {
	return "arn:aws:iam::" + testAccount + ":instance-profile/" + pathAndName
}

func roleARN(name string) string { return "arn:aws:iam::" + testAccount + ":role/" + name }

func profileDoc(path, name string, roles ...string) map[string]any {
	rs := []any{}
	for _, r := range roles {
		rs = append(rs, map[string]any{
			"Path": "/", "RoleName": r, "RoleId": "AROA5ANKFILC3UIODNHAV", "Arn": roleARN(r),
			"CreateDate": "2023-06-01T14:22:09+00:00",
			"AssumeRolePolicyDocument": map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{
				"Effect": "Allow", "Principal": map[string]any{"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole",
			}}},
		})
	}
	return map[string]any{"InstanceProfile": map[string]any{
		"Path": path, "InstanceProfileName": name, "InstanceProfileId": "AIPAI4JQL6RLAZS3FCFUM",
		"Arn": profileARN(path[1:] + name), "CreateDate": "2023-06-01T14:22:10+00:00", "Roles": rs, "Tags": []any{},
	}}
}

func policiesDoc(arns ...string) map[string]any {
	ps := []any{}
	for _, a := range arns {
		ps = append(ps, map[string]any{"PolicyName": a[len("arn:aws:iam::aws:policy/"):], "PolicyArn": a})
	}
	return map[string]any{"AttachedPolicies": ps}
}

// iamEstate holds profiles sharing a role, a profile under a path, a
// profile without a role and a role without policies.
func iamEstate() map[string]any {
	return map[string]any{
		"iam/get-instance-profile/pdr-ssm-instance":    profileDoc("/", "pdr-ssm-instance", "pdr-ssm-role"),
		"iam/get-instance-profile/pdr-ssm-web":         profileDoc("/team/web/", "pdr-ssm-web", "pdr-ssm-role"),
		"iam/get-instance-profile/legacy":              profileDoc("/", "legacy", "legacy-role"),
		"iam/get-instance-profile/bare":                profileDoc("/", "bare", "bare-role"),
		"iam/get-instance-profile/empty":               profileDoc("/", "empty"),
		"iam/list-attached-role-policies/pdr-ssm-role": policiesDoc(s3ARN, coreARN),
		"iam/list-attached-role-policies/legacy-role":  policiesDoc(legacyARN),
	}
}

func collect(t *testing.T, s *sim, arns []string) ([]model.InstanceProfile, []model.Gap) {
	t.Helper()
	set := &gap.Set{}
	got := iamcollect.Collect(context.Background(), s.client, arns, gap.Scope{Set: set, Account: testAccount, Region: "global"})
	return got, set.List()
}

func TestCollectReadsProfilesRolesAndPolicies(t *testing.T) {
	s := startSim(t, writeEstate(t, iamEstate()))
	got, gaps := collect(t, s, []string{
		profileARN("pdr-ssm-instance"), profileARN("team/web/pdr-ssm-web"), profileARN("pdr-ssm-instance"),
		profileARN("legacy"), profileARN("bare"), profileARN("empty"), profileARN("missing"), "",
	})
	calls := s.callCounts(t)
	want := []model.InstanceProfile{
		{Name: "bare", ARN: profileARN("bare"), Roles: []model.Role{
			{Name: "bare-role", ARN: roleARN("bare-role"), AttachedPolicies: []string{}, PoliciesRead: true},
		}},
		{Name: "empty", ARN: profileARN("empty"), Roles: []model.Role{}},
		{Name: "legacy", ARN: profileARN("legacy"), Roles: []model.Role{
			{Name: "legacy-role", ARN: roleARN("legacy-role"), AttachedPolicies: []string{legacyARN}, PoliciesRead: true},
		}},
		// Unreadable: still listed, with no roles, so policies say unknown.
		{Name: "missing", ARN: profileARN("missing"), Roles: []model.Role{}},
		{Name: "pdr-ssm-instance", ARN: profileARN("pdr-ssm-instance"), Roles: []model.Role{
			{Name: "pdr-ssm-role", ARN: roleARN("pdr-ssm-role"), AttachedPolicies: []string{s3ARN, coreARN}, PoliciesRead: true},
		}},
		{Name: "pdr-ssm-web", ARN: profileARN("team/web/pdr-ssm-web"), Roles: []model.Role{
			{Name: "pdr-ssm-role", ARN: roleARN("pdr-ssm-role"), AttachedPolicies: []string{s3ARN, coreARN}, PoliciesRead: true},
		}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("profiles (-want +got):\n%s", diff)
	}
	if len(gaps) != 1 {
		t.Fatalf("gaps = %+v, want one for the missing profile", gaps)
	}
	g := gaps[0]
	g.Message = ""
	wantGap := model.Gap{Account: testAccount, Region: "global", API: "iam:GetInstanceProfile", Resource: "missing", Class: model.GapError, Code: "NoSuchEntity"}
	if g != wantGap {
		t.Errorf("gap = %+v, want %+v", gaps[0], wantGap)
	}
	if calls["GetInstanceProfile"] != 6 {
		t.Errorf("%d GetInstanceProfile calls, want 6 (one per distinct profile)", calls["GetInstanceProfile"])
	}
	if calls["ListAttachedRolePolicies"] != 3 {
		t.Errorf("%d ListAttachedRolePolicies calls, want 3 (one per distinct role)", calls["ListAttachedRolePolicies"])
	}
}

func TestCollectRecordsUnreadablePolicies(t *testing.T) {
	files := iamEstate()
	files["faults"] = []any{map[string]any{"account": "*", "region": "*", "action": "iam:ListAttachedRolePolicies", "error": "AccessDenied"}}
	s := startSim(t, writeEstate(t, files))
	got, gaps := collect(t, s, []string{profileARN("pdr-ssm-instance"), profileARN("team/web/pdr-ssm-web")})
	for _, p := range got {
		if len(p.Roles) != 1 {
			t.Fatalf("profile %s has roles %+v, want pdr-ssm-role", p.Name, p.Roles)
		}
		if r := p.Roles[0]; r.PoliciesRead || r.AttachedPolicies != nil {
			t.Errorf("profile %s role %+v: want PoliciesRead false and nil policies", p.Name, r)
		}
	}
	for i := range gaps {
		gaps[i].Message = ""
	}
	want := []model.Gap{{Account: testAccount, Region: "global", API: "iam:ListAttachedRolePolicies", Resource: "pdr-ssm-role", Class: model.GapDenied, Code: "AccessDenied"}}
	if diff := cmp.Diff(want, gaps); diff != "" {
		t.Errorf("gaps (-want +got):\n%s", diff)
	}
}

func TestCollectRecordsDeniedProfiles(t *testing.T) {
	files := iamEstate()
	files["faults"] = []any{map[string]any{"account": "*", "region": "*", "action": "iam:GetInstanceProfile", "error": "AccessDenied"}}
	s := startSim(t, writeEstate(t, files))
	got, gaps := collect(t, s, []string{profileARN("legacy"), profileARN("team/web/pdr-ssm-web")})
	want := []model.InstanceProfile{
		{Name: "legacy", ARN: profileARN("legacy"), Roles: []model.Role{}},
		{Name: "pdr-ssm-web", ARN: profileARN("team/web/pdr-ssm-web"), Roles: []model.Role{}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("profiles (-want +got):\n%s", diff)
	}
	for i := range gaps {
		gaps[i].Message = ""
	}
	wantGaps := []model.Gap{
		{Account: testAccount, Region: "global", API: "iam:GetInstanceProfile", Resource: "legacy", Class: model.GapDenied, Code: "AccessDenied"},
		{Account: testAccount, Region: "global", API: "iam:GetInstanceProfile", Resource: "pdr-ssm-web", Class: model.GapDenied, Code: "AccessDenied"},
	}
	if diff := cmp.Diff(wantGaps, gaps); diff != "" {
		t.Errorf("gaps (-want +got):\n%s", diff)
	}
	if n := s.callCounts(t)["ListAttachedRolePolicies"]; n != 0 {
		t.Errorf("%d ListAttachedRolePolicies calls, want none", n)
	}
}

func TestProfileName(t *testing.T) {
	tests := []struct {
		name   string
		arn    string
		want   string
		wantOK bool
	}{
		{"a profile at the root path is its name", "arn:aws:iam::111122223333:instance-profile/pdr-ssm", "pdr-ssm", true},
		{"a profile under a path is its last segment", "arn:aws:iam::111122223333:instance-profile/team/web/pdr-ssm", "pdr-ssm", true},
		{"another partition works", "arn:aws-us-gov:iam::111122223333:instance-profile/pdr-ssm", "pdr-ssm", true},
		{"a role ARN is not a profile", "arn:aws:iam::111122223333:role/pdr-ssm", "", false},
		{"a path without a name is not a profile", "arn:aws:iam::111122223333:instance-profile/team/", "", false},
		{"a bare name is not an ARN", "pdr-ssm", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := iamcollect.ProfileName(tt.arn)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("ProfileName(%q) = (%q, %v), want (%q, %v)", tt.arn, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestCollectListsAnUnparsableARNAsAGap(t *testing.T) {
	s := startSim(t, writeEstate(t, iamEstate()))
	bad := roleARN("pdr-ssm-role")
	got, gaps := collect(t, s, []string{bad})
	want := []model.InstanceProfile{{ARN: bad, Roles: []model.Role{}}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("profiles (-want +got):\n%s", diff)
	}
	if len(gaps) != 1 || gaps[0].API != "iam:GetInstanceProfile" || gaps[0].Resource != bad || gaps[0].Class != model.GapError {
		t.Errorf("gaps = %+v, want one iam:GetInstanceProfile error gap for %s", gaps, bad)
	}
	if n := s.callCounts(t)["GetInstanceProfile"]; n != 0 {
		t.Errorf("%d GetInstanceProfile calls, want none", n)
	}
}
