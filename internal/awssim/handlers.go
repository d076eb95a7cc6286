package awssim

// handler answers one operation. It returns the output document (member
// names as botocore spells them) or the AWS error to answer with.
type handler func(s *Server, c *call) (map[string]any, *APIError)

// handlers is the simulator's one registry of operations, keyed
// "service:Action". An operation missing here answers InvalidAction (or
// UnknownOperationException), as AWS does for an action it does not know.
var handlers = map[string]handler{
	"ec2:DescribeVpcs":                describeList,
	"ec2:DescribeSubnets":             describeList,
	"ec2:DescribeSecurityGroups":      describeList,
	"ec2:DescribeNetworkAcls":         describeList,
	"ec2:DescribeRouteTables":         describeList,
	"ec2:DescribeNatGateways":         describeList,
	"ec2:DescribeInternetGateways":    describeList,
	"ec2:DescribeVpcEndpoints":        describeList,
	"ec2:DescribeManagedPrefixLists":  describeList,
	"ec2:DescribeImages":              describeList,
	"ec2:DescribeInstances":           describeInstances,
	"ec2:GetManagedPrefixListEntries": getPrefixListEntries,
	"ec2:DescribeRegions":             describeRegions,

	"ec2:AuthorizeSecurityGroupIngress":          authorizeIngress,
	"ec2:AuthorizeSecurityGroupEgress":           authorizeEgress,
	"ec2:RevokeSecurityGroupIngress":             revokeIngress,
	"ec2:RevokeSecurityGroupEgress":              revokeEgress,
	"ec2:CreateSecurityGroup":                    createSecurityGroup,
	"ec2:DeleteSecurityGroup":                    deleteSecurityGroup,
	"ec2:CreateNetworkAclEntry":                  createNetworkACLEntry,
	"ec2:DeleteNetworkAclEntry":                  deleteNetworkACLEntry,
	"ec2:CreateVpcEndpoint":                      createVpcEndpoint,
	"ec2:DeleteVpcEndpoints":                     deleteVpcEndpoints,
	"ec2:AssociateIamInstanceProfile":            associateIamInstanceProfile,
	"ec2:DisassociateIamInstanceProfile":         disassociateIamInstanceProfile,
	"ec2:DescribeIamInstanceProfileAssociations": describeIamInstanceProfileAssociations,
	"ec2:ModifyInstanceAttribute":                modifyInstanceAttribute,
	"ec2:RunInstances":                           runInstances,
	"ec2:TerminateInstances":                     terminateInstances,

	"ssm:DescribeInstanceInformation": describeInstanceInformation,
	"ssm:ListInventoryEntries":        listInventoryEntries,
	"ssm:GetInventory":                getInventory,
	"ssm:SendCommand":                 sendCommand,
	"ssm:GetCommandInvocation":        getCommandInvocation,
	"ssm:GetServiceSetting":           getServiceSetting,

	"sts:GetCallerIdentity": getCallerIdentity,
	"sts:AssumeRole":        assumeRole,

	"iam:GetInstanceProfile":       getInstanceProfile,
	"iam:ListAttachedRolePolicies": listAttachedRolePolicies,
	"iam:AttachRolePolicy":         attachRolePolicy,
	"iam:DetachRolePolicy":         detachRolePolicy,

	"organizations:ListAccounts": listAccounts,

	"securityhub:BatchImportFindings": batchImportFindings,
}
