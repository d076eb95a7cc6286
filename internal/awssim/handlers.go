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

	"organizations:ListAccounts": listAccounts,
}
