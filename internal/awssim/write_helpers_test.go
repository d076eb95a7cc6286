package awssim_test

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"

	"github.com/pdr-audit/pdr-audit/internal/awssim"
	"github.com/pdr-audit/pdr-audit/internal/awssim/simtest"
)

// writeSim is a simulator serving a private copy of the demo estate, with
// SDK clients for one region.
type writeSim struct {
	dir string
	ec2 *ec2.Client
	iam *iam.Client
}

// startWriteSim serves a copy of the demo estate; faults, when set, is
// written as its faults.json first.
func startWriteSim(t *testing.T, region, faults string) writeSim {
	t.Helper()
	dir := simtest.CopyEstate(t, filepath.Join(simtest.EstatesDir(t), "demo"))
	if faults != "" {
		writeFaults(t, dir, faults)
	}
	run := simtest.Start(t, dir, awssim.Options{})
	cfg := simtest.Config(run.URL, region, 1)
	return writeSim{dir: dir, ec2: ec2.NewFromConfig(cfg), iam: iam.NewFromConfig(cfg)}
}

func tcpPerm(port int32, cidr string) ec2types.IpPermission {
	return ec2types.IpPermission{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(port), ToPort: aws.Int32(port),
		IpRanges: []ec2types.IpRange{{CidrIp: aws.String(cidr)}}}
}

// group describes one security group.
func (w writeSim) group(t *testing.T, id string) ec2types.SecurityGroup {
	t.Helper()
	out, err := w.ec2.DescribeSecurityGroups(context.Background(), &ec2.DescribeSecurityGroupsInput{GroupIds: []string{id}})
	if err != nil {
		t.Fatalf("describe %s: %v", id, err)
	}
	if len(out.SecurityGroups) != 1 {
		t.Fatalf("describe %s: %d groups", id, len(out.SecurityGroups))
	}
	return out.SecurityGroups[0]
}

// acl describes one network ACL.
func (w writeSim) acl(t *testing.T, id string) ec2types.NetworkAcl {
	t.Helper()
	out, err := w.ec2.DescribeNetworkAcls(context.Background(), &ec2.DescribeNetworkAclsInput{NetworkAclIds: []string{id}})
	if err != nil || len(out.NetworkAcls) != 1 {
		t.Fatalf("describe %s: %v", id, err)
	}
	return out.NetworkAcls[0]
}

// instance describes one instance.
func (w writeSim) instance(t *testing.T, id string) ec2types.Instance {
	t.Helper()
	out, err := w.ec2.DescribeInstances(context.Background(), &ec2.DescribeInstancesInput{InstanceIds: []string{id}})
	if err != nil || len(out.Reservations) != 1 || len(out.Reservations[0].Instances) != 1 {
		t.Fatalf("describe %s: %v", id, err)
	}
	return out.Reservations[0].Instances[0]
}

// sameJSON compares SDK values by their JSON, which covers every exported
// field.
func sameJSON(t *testing.T, what string, want, got any) {
	t.Helper()
	w, _ := json.MarshalIndent(want, "", " ")
	g, _ := json.MarshalIndent(got, "", " ")
	if diff := cmp.Diff(string(w), string(g)); diff != "" {
		t.Errorf("%s differs (-want +got):\n%s", what, diff)
	}
}

// errCode is the AWS error code of err, "" for none.
func errCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}
