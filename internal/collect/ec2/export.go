package ec2collect

import (
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/pdr-audit/pdr-audit/internal/model"
)

// The conversions collection uses, for code that re-reads single resources
// (remediation's stale checks and verification) and must see them exactly
// as a snapshot does.

// SecurityGroup converts an EC2 security group to the snapshot's type.
func SecurityGroup(g types.SecurityGroup) model.SecurityGroup { return convertSecurityGroup(g) }

// NetworkACL converts an EC2 network ACL to the snapshot's type.
func NetworkACL(n types.NetworkAcl) model.NetworkACL { return convertNetworkACL(n) }

// VPCEndpoint converts an EC2 VPC endpoint to the snapshot's type.
func VPCEndpoint(e types.VpcEndpoint) model.VPCEndpoint { return convertVPCEndpoint(e) }

// Instance converts an EC2 instance to the snapshot's type.
func Instance(i types.Instance) model.Instance { return convertInstance(i) }
