package fault

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestParseDelayAndBodyRules(t *testing.T) {
	got, err := Parse("f.json", []byte(`[
	  {"action": "ec2:DescribeVpcs", "delay": "1m30s"},
	  {"region": "eu-west-1", "action": "ssm:DescribeInstanceInformation", "body": "truncated", "first": 2},
	  {"action": "iam:GetInstanceProfile", "body": "malformed"}
	]`))
	if err != nil {
		t.Fatal(err)
	}
	want := []Rule{
		{Account: "*", Region: "*", Action: "ec2:DescribeVpcs", Delay: 90 * time.Second},
		{Account: "*", Region: "eu-west-1", Action: "ssm:DescribeInstanceInformation", Body: BodyTruncated, First: 2},
		{Account: "*", Region: "*", Action: "iam:GetInstanceProfile", Body: BodyMalformed},
	}
	if diff := cmp.Diff(want, got, cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".Pos" }, cmp.Ignore())); diff != "" {
		t.Errorf("rules (-want +got):\n%s", diff)
	}
}

func TestParseRejectsBadDelayAndBodyRules(t *testing.T) {
	tests := []struct {
		name, data, key, msg string
	}{
		{"a delay without a unit", `[{"action": "ec2:DescribeVpcs", "delay": "30"}]`, "delay", `want a positive duration such as "30s", got "30"`},
		{"a zero delay", `[{"action": "ec2:DescribeVpcs", "delay": "0s"}]`, "delay", "want a positive duration"},
		{"a delay given as a number", `[{"action": "ec2:DescribeVpcs", "delay": 30}]`, "delay", "got the number 30"},
		{"an unknown way to spoil a body", `[{"action": "ec2:DescribeVpcs", "body": "empty"}]`, "body", `want "truncated" or "malformed", got "empty"`},
		{"an error and a delay in one rule", `[{"action": "ec2:DescribeVpcs", "error": "InternalError", "delay": "1s"}]`, "delay", `"error" and "delay" exclude each other`},
		{"a delay and a body in one rule", `[{"action": "ec2:DescribeVpcs", "body": "truncated", "delay": "1s"}]`, "body", `"delay" and "body" exclude each other`},
		{"a rule that does nothing", `[{"action": "ec2:DescribeVpcs", "first": 1}]`, "", `missing "error" (or "delay" or "body")`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("f.json", []byte(tt.data))
			perr, ok := err.(*ParseError)
			if !ok {
				t.Fatalf("err = %v, want a *ParseError", err)
			}
			if perr.Index != 0 || perr.Key != tt.key || !strings.Contains(perr.Msg, tt.msg) {
				t.Errorf("error %q (index %d, key %q); want index 0, key %q, message containing %q", err, perr.Index, perr.Key, tt.key, tt.msg)
			}
		})
	}
}

func TestDecideTellsEveryKindOfRule(t *testing.T) {
	delay := Rule{Action: "ec2:DescribeVpcs", Delay: time.Minute, First: 1}
	body := Rule{Action: "ec2:DescribeSubnets", Body: BodyMalformed}
	deny := Rule{Action: "ec2:DescribeInstances", Error: "UnauthorizedOperation"}
	in := New([]Rule{delay, body, deny})

	if got, hit := in.Decide(acctA, "eu-west-1", "ec2:DescribeVpcs"); !hit || !cmp.Equal(got, delay) {
		t.Errorf("first DescribeVpcs: Decide = %+v, %v; want the delay rule", got, hit)
	}
	if got, hit := in.Decide(acctA, "eu-west-1", "ec2:DescribeVpcs"); hit {
		t.Errorf("second DescribeVpcs: Decide = %+v; want it let through (first: 1)", got)
	}
	if got, hit := in.Decide(acctA, "eu-west-1", "ec2:DescribeSubnets"); !hit || got.Body != BodyMalformed {
		t.Errorf("DescribeSubnets: Decide = %+v, %v; want the body rule", got, hit)
	}
	if code, hit := in.Check(acctA, "eu-west-1", "ec2:DescribeSubnets"); hit || code != "" {
		t.Errorf("Check of a body rule = %q, %v; want nothing (Check speaks for error rules)", code, hit)
	}
	if got, hit := in.Decide(acctA, "eu-west-1", "ec2:DescribeInstances"); !hit || got.Error != "UnauthorizedOperation" {
		t.Errorf("DescribeInstances: Decide = %+v, %v; want the error rule", got, hit)
	}
	if got := in.Fired(); !cmp.Equal(got, []int{1, 2, 1}) {
		t.Errorf("Fired() = %v; want [1 2 1] (Check counts a body rule's call too)", got)
	}
}

func TestDecidePersistentLeavesDelaysOut(t *testing.T) {
	in := New([]Rule{
		{Action: "ec2:DescribeVpcs", Delay: time.Minute},
		{Action: "ec2:DescribeVpcs", Error: "UnauthorizedOperation"},
		{Action: "ec2:DescribeSubnets", Body: BodyTruncated},
		{Action: "ec2:DescribeInstances", Body: BodyTruncated, First: 1},
	})
	tests := []struct {
		action string
		want   bool
	}{
		{"ec2:DescribeVpcs", false},      // a delay is no failed read, and it shadows the later rule
		{"ec2:DescribeSubnets", true},    // a persistent spoiled body is
		{"ec2:DescribeInstances", false}, // a transient one is not
	}
	for _, tt := range tests {
		if _, hit := in.DecidePersistent(acctA, "eu-west-1", tt.action); hit != tt.want {
			t.Errorf("DecidePersistent(%s) = %v, want %v", tt.action, hit, tt.want)
		}
	}
	if got := in.Fired(); !cmp.Equal(got, []int{0, 0, 0, 0}) {
		t.Errorf("Fired() = %v; DecidePersistent must not count calls", got)
	}
}
