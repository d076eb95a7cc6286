package remediate

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// fakeEC2 answers the calls of a security group change; the second
// authorize call is interrupted (the context is cancelled under it).
type fakeEC2 struct {
	EC2API
	cancel     context.CancelFunc
	authorized int
}

func (f *fakeEC2) DescribeSecurityGroups(_ context.Context, in *ec2.DescribeSecurityGroupsInput, _ ...func(*ec2.Options)) (*ec2.DescribeSecurityGroupsOutput, error) {
	g := ec2types.SecurityGroup{GroupId: aws.String(in.GroupIds[0]), VpcId: aws.String("vpc-1")}
	if f.authorized > 0 && in.GroupIds[0] == "sg-1" {
		g.IpPermissions = []ec2types.IpPermission{{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(7777), ToPort: aws.Int32(7777),
			IpRanges: []ec2types.IpRange{{CidrIp: aws.String("10.0.0.0/16")}}}}
	}
	return &ec2.DescribeSecurityGroupsOutput{SecurityGroups: []ec2types.SecurityGroup{g}}, nil
}

func (f *fakeEC2) AuthorizeSecurityGroupIngress(ctx context.Context, _ *ec2.AuthorizeSecurityGroupIngressInput, _ ...func(*ec2.Options)) (*ec2.AuthorizeSecurityGroupIngressOutput, error) {
	f.authorized++
	if f.authorized == 2 {
		f.cancel()
		return nil, ctx.Err()
	}
	return &ec2.AuthorizeSecurityGroupIngressOutput{Return: aws.Bool(true)}, nil
}

type fakeClients struct{ ec2 EC2API }

func (f fakeClients) EC2(context.Context, string, string) (EC2API, error) { return f.ec2, nil }
func (f fakeClients) IAM(context.Context, string) (IAMAPI, error) {
	return nil, errors.New("no IAM here")
}

func sgChange(id, group string) Change {
	rule := SGRule{Direction: "ingress", Protocol: "tcp", FromPort: 7777, ToPort: 7777, CIDR: "10.0.0.0/16"}
	return Change{ID: id, Action: AddSecurityGroupRules, Account: "1", Region: "r", Resource: Ref{Type: "security-group", ID: group},
		Before: State{}, After: State{"ingress tcp 7777-7777 10.0.0.0/16"},
		SecurityGroup: &SecurityGroupChange{GroupID: group, VPCID: "vpc-1", Rules: []SGRule{rule}}}
}

// An interrupt during a change: the journal says what was applied (with
// its inverse), that the interrupted change failed (with the inverse of
// what it may have done), and that the rest was not attempted.
func TestAnInterruptedApplyReturnsAnExactJournal(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	api := &fakeEC2{cancel: cancel}
	p := &Plan{Changes: []Change{sgChange("c001", "sg-1"), sgChange("c002", "sg-2"), sgChange("c003", "sg-3")}}
	a := &Applier{Clients: fakeClients{api}}
	j, err := a.Apply(ctx, p, "plan.json")
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Apply error = %v, want the interrupt", err)
	}
	want := []string{StatusApplied, StatusFailed, StatusNotAttempted}
	for i, e := range j.Entries {
		if e.Status != want[i] {
			t.Errorf("entry %s: %s, want %s", e.ChangeID, e.Status, want[i])
		}
	}
	if inv := j.Entries[0].Inverse; len(inv) != 1 || inv[0].Op != OpRevokeRules || inv[0].GroupID != "sg-1" {
		t.Errorf("the applied change's inverse = %+v", inv)
	}
	// The interrupted call may have happened: its inverse is journaled
	// (revoking a rule that is not there is harmless), and rollback takes
	// it on.
	if inv := j.Entries[1].Inverse; len(inv) != 1 || inv[0].GroupID != "sg-2" || !j.Entries[1].Undoable() {
		t.Errorf("the interrupted change's inverse = %+v", inv)
	}
	if j.Entries[2].Undoable() {
		t.Errorf("a change not attempted is undoable: %+v", j.Entries[2])
	}
}
