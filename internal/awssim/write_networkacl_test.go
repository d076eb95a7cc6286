package awssim_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// analytics-tm-a's ACL (eu-west-1): egress 90, 91, 92 deny tcp/4138, 100
// allow, 32767 deny; ingress 100 allow, 32767 deny.
const tmACL = "acl-0c9a789bd61d2105f"

func TestWriteNetworkAclEntries(t *testing.T) {
	ctx := context.Background()
	entry := func(rule int32, egress bool) *ec2.CreateNetworkAclEntryInput {
		return &ec2.CreateNetworkAclEntryInput{
			NetworkAclId: aws.String(tmACL), Egress: aws.Bool(egress), RuleNumber: aws.Int32(rule),
			Protocol: aws.String("tcp"), RuleAction: ec2types.RuleActionAllow, CidrBlock: aws.String("204.110.218.96/27"),
			PortRange: &ec2types.PortRange{From: aws.Int32(4138), To: aws.Int32(4138)},
		}
	}
	rules := func(acl ec2types.NetworkAcl) string {
		var out []string
		for _, e := range acl.Entries {
			dir := "i"
			if aws.ToBool(e.Egress) {
				dir = "e"
			}
			out = append(out, dir+strconv.Itoa(int(aws.ToInt32(e.RuleNumber))))
		}
		return strings.Join(out, " ")
	}
	tests := []struct {
		name string
		run  func(t *testing.T, w writeSim)
	}{
		{"create then describe shows the entry in rule order", func(t *testing.T, w writeSim) {
			if _, err := w.ec2.CreateNetworkAclEntry(ctx, entry(80, true)); err != nil {
				t.Fatal(err)
			}
			acl := w.acl(t, tmACL)
			if got := rules(acl); got != "e80 e90 e91 e92 e100 e32767 i100 i32767" {
				t.Errorf("entries = %s", got)
			}
			e := acl.Entries[0]
			if aws.ToString(e.Protocol) != "6" || e.RuleAction != ec2types.RuleActionAllow || aws.ToInt32(e.PortRange.From) != 4138 ||
				aws.ToString(e.CidrBlock) != "204.110.218.96/27" {
				t.Errorf("entry = %+v", e)
			}
		}},
		{"an ingress entry takes its place among the ingress entries", func(t *testing.T, w writeSim) {
			if _, err := w.ec2.CreateNetworkAclEntry(ctx, entry(200, false)); err != nil {
				t.Fatal(err)
			}
			if got := rules(w.acl(t, tmACL)); got != "e90 e91 e92 e100 e32767 i100 i200 i32767" {
				t.Errorf("entries = %s", got)
			}
		}},
		{"an existing rule number of the same direction is NetworkAclEntryAlreadyExists", func(t *testing.T, w writeSim) {
			_, err := w.ec2.CreateNetworkAclEntry(ctx, entry(90, true))
			assertAPIError(t, err, "NetworkAclEntryAlreadyExists", http.StatusBadRequest)
			if !strings.Contains(err.Error(), "The network acl entry identified by 90 already exists.") {
				t.Errorf("message: %v", err)
			}
		}},
		{"the same rule number in the other direction is another entry", func(t *testing.T, w writeSim) {
			if _, err := w.ec2.CreateNetworkAclEntry(ctx, entry(90, false)); err != nil {
				t.Fatal(err)
			}
		}},
		{"an unknown ACL is InvalidNetworkAclID.NotFound", func(t *testing.T, w writeSim) {
			in := entry(80, true)
			in.NetworkAclId = aws.String("acl-00000000000000000")
			_, err := w.ec2.CreateNetworkAclEntry(ctx, in)
			assertAPIError(t, err, "InvalidNetworkAclID.NotFound", http.StatusBadRequest)
		}},
		{"a rule number above 32766 is refused", func(t *testing.T, w writeSim) {
			_, err := w.ec2.CreateNetworkAclEntry(ctx, entry(32767, true))
			assertAPIError(t, err, "InvalidParameterValue", http.StatusBadRequest)
		}},
		{"tcp without a port range is MissingParameter", func(t *testing.T, w writeSim) {
			in := entry(80, true)
			in.PortRange = nil
			_, err := w.ec2.CreateNetworkAclEntry(ctx, in)
			assertAPIError(t, err, "MissingParameter", http.StatusBadRequest)
		}},
		{"delete removes the entry and restores the ACL", func(t *testing.T, w writeSim) {
			before := w.acl(t, tmACL)
			if _, err := w.ec2.CreateNetworkAclEntry(ctx, entry(80, true)); err != nil {
				t.Fatal(err)
			}
			if _, err := w.ec2.DeleteNetworkAclEntry(ctx, &ec2.DeleteNetworkAclEntryInput{
				NetworkAclId: aws.String(tmACL), Egress: aws.Bool(true), RuleNumber: aws.Int32(80),
			}); err != nil {
				t.Fatal(err)
			}
			sameJSON(t, "ACL", before, w.acl(t, tmACL))
		}},
		{"deleting an entry that does not exist is InvalidNetworkAclEntry.NotFound", func(t *testing.T, w writeSim) {
			_, err := w.ec2.DeleteNetworkAclEntry(ctx, &ec2.DeleteNetworkAclEntryInput{
				NetworkAclId: aws.String(tmACL), Egress: aws.Bool(false), RuleNumber: aws.Int32(90),
			})
			assertAPIError(t, err, "InvalidNetworkAclEntry.NotFound", http.StatusBadRequest)
			if !strings.Contains(err.Error(), "no ingress entry with number 90") {
				t.Errorf("message: %v", err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.run(t, startWriteSim(t, "eu-west-1", "")) })
	}
}
