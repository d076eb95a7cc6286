package remediate

import (
	"time"
)

// FormatVersion is the version of the plan and journal file formats.
// Apply refuses any other.
const FormatVersion = 1

// Action is one kind of change the planner can make. The set is closed.
type Action string

// Actions, named as the rules' METADATA (custom.remediation) names them.
const (
	// AddSecurityGroupRules adds ingress or egress rules to a security group.
	AddSecurityGroupRules Action = "add-security-group-rules"
	// AddNetworkACLEntries adds network ACL entries, numbered before the
	// first entry that blocks.
	AddNetworkACLEntries Action = "add-network-acl-entries"
	// CreateSSMEndpoints creates the ssm, ec2messages and ssmmessages
	// interface endpoints of a VPC, with their security group.
	CreateSSMEndpoints Action = "create-ssm-endpoints"
	// AssociateInstanceProfile associates an instance profile with an
	// instance that has none.
	AssociateInstanceProfile Action = "associate-instance-profile"
	// AttachSSMPolicy attaches AmazonSSMManagedInstanceCore to a role.
	AttachSSMPolicy Action = "attach-ssm-policy"
	// DeployAppliance launches a Threat Manager appliance. High risk.
	DeployAppliance Action = "deploy-appliance"
	// Manual is what a rule names when no automatic change fixes it: its
	// failures go to Plan.Skipped.
	Manual Action = "manual"
)

// Actions lists every action the planner can plan, in plan order.
var Actions = []Action{AddSecurityGroupRules, AddNetworkACLEntries, CreateSSMEndpoints,
	AssociateInstanceProfile, AttachSSMPolicy, DeployAppliance}

// Risk says how much could go wrong if a change did something unexpected.
type Risk string

// Risks.
const (
	// RiskLow: adds a narrow permission or an association.
	RiskLow Risk = "low"
	// RiskMedium: adds resources (endpoints, groups) that cost money or
	// change DNS resolution in a VPC.
	RiskMedium Risk = "medium"
	// RiskHigh: launches instances; planned only with --allow-high-risk.
	RiskHigh Risk = "high"
)

// Plan is a reviewable set of changes, written by `pdr-audit plan` and
// executed by `pdr-audit apply`.
type Plan struct {
	FormatVersion int    `json:"format_version"`
	ToolVersion   string `json:"tool_version"`
	// CreatedAt is when the plan was written (UTC).
	CreatedAt time.Time `json:"created_at"`
	// Profile is the requirement profile the audit used.
	Profile string `json:"profile"`
	// Accounts are the accounts the plan changes, sorted.
	Accounts []string `json:"accounts"`
	// SnapshotDigest is the sha256 of the snapshot the plan was made from
	// ("sha256:<hex>").
	SnapshotDigest string `json:"snapshot_digest"`
	// Changes are applied in order.
	Changes []Change `json:"changes"`
	// Skipped lists failures no change fixes, with the manual step.
	Skipped []Skipped `json:"skipped"`
	// Floors states, per mutating API and region, the shortest time AWS's
	// throttling allows for the plan's calls.
	Floors []Floor `json:"execution_floor,omitempty"`
	// Digest is the sha256 over the changes and the snapshot digest; a plan
	// whose digest does not match was modified after it was written.
	Digest string `json:"digest"`
	// Signature is an HMAC-SHA256 of Digest, when the plan was signed.
	Signature string `json:"signature,omitempty"`
}

// Change is one planned change to one resource.
type Change struct {
	// ID is stable within the plan: "c001", "c002", …
	ID       string `json:"id"`
	Action   Action `json:"action"`
	Account  string `json:"account"`
	Region   string `json:"region"` // "global" for IAM
	Resource Ref    `json:"resource"`
	Risk     Risk   `json:"risk"`
	// RuleIDs are the rules whose failures motivated the change, sorted.
	RuleIDs []string `json:"rule_ids"`
	// Fixes are the results (rule|account|region|resource keys) the change
	// is expected to fix, sorted.
	Fixes []string `json:"fixes"`
	// Summary is one line for a person.
	Summary string `json:"summary"`
	// BlastRadius lists other resources the change affects (every other
	// instance using a security group or a network ACL's subnets).
	BlastRadius []string `json:"blast_radius,omitempty"`
	// Before is the target's relevant state when planned; After what it
	// will be. Apply compares Before with what it reads.
	Before State `json:"before"`
	After  State `json:"after"`

	// Exactly one of the following is set, by Action.
	SecurityGroup   *SecurityGroupChange   `json:"security_group,omitempty"`
	NetworkACL      *NetworkACLChange      `json:"network_acl,omitempty"`
	Endpoints       *EndpointsChange       `json:"endpoints,omitempty"`
	InstanceProfile *InstanceProfileChange `json:"instance_profile,omitempty"`
	RolePolicy      *RolePolicyChange      `json:"role_policy,omitempty"`
	Appliance       *ApplianceChange       `json:"appliance,omitempty"`
}

// Ref names a resource.
type Ref struct {
	Type string `json:"type"` // security-group, network-acl, vpc, instance, iam-role
	ID   string `json:"id"`
}

// State is a resource's relevant state as a list of canonical lines
// (sorted), e.g. the rules of a security group in one direction, the
// entries of a network ACL, the interface endpoints of a VPC. Comparing
// two States is comparing two lists of strings.
type State []string

// SecurityGroupChange adds rules to one security group: an existing one
// (GroupID), or a dedicated PDR group the change creates (Create, with
// GroupID empty) and attaches to instances (AttachTo).
type SecurityGroupChange struct {
	GroupID  string            `json:"group_id"`
	VPCID    string            `json:"vpc_id"`
	Rules    []SGRule          `json:"rules"`
	Create   *NewSecurityGroup `json:"create,omitempty"`
	AttachTo []Attachment      `json:"attach_to,omitempty"`
}

// Attachment adds the dedicated group to an instance's primary interface,
// beside the groups it has.
type Attachment struct {
	InstanceID  string   `json:"instance_id"`
	InterfaceID string   `json:"interface_id"`
	Groups      []string `json:"groups"`
}

// SGRule is one security group rule: exactly one of CIDR and GroupID.
type SGRule struct {
	Direction string `json:"direction"` // ingress or egress
	// Protocol is tcp, udp, icmp or -1 (all).
	Protocol    string `json:"protocol"`
	FromPort    int32  `json:"from_port"`
	ToPort      int32  `json:"to_port"`
	CIDR        string `json:"cidr,omitempty"`
	GroupID     string `json:"group_id,omitempty"`
	Description string `json:"description"`
}

// NetworkACLChange adds entries to one network ACL.
type NetworkACLChange struct {
	ACLID   string     `json:"acl_id"`
	VPCID   string     `json:"vpc_id"`
	Entries []ACLEntry `json:"entries"`
}

// ACLEntry is one network ACL entry to create. Protocol is the IANA number
// as text ("6" tcp, "17" udp, "-1" all).
type ACLEntry struct {
	RuleNumber int32  `json:"rule_number"`
	Egress     bool   `json:"egress"`
	Protocol   string `json:"protocol"`
	CIDR       string `json:"cidr"`
	FromPort   int32  `json:"from_port"`
	ToPort     int32  `json:"to_port"`
}

// EndpointsChange creates interface endpoints in one VPC, and the security
// group they use.
type EndpointsChange struct {
	VPCID string `json:"vpc_id"`
	// Services are full service names, e.g. com.amazonaws.us-east-1.ssm.
	Services  []string `json:"services"`
	SubnetIDs []string `json:"subnet_ids"`
	// SecurityGroup is created first; the endpoints use it.
	SecurityGroup NewSecurityGroup `json:"security_group"`
	PrivateDNS    bool             `json:"private_dns"`
}

// NewSecurityGroup is a security group the plan creates.
type NewSecurityGroup struct {
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Ingress     []SGRule `json:"ingress"`
}

// InstanceProfileChange associates an instance profile with an instance.
type InstanceProfileChange struct {
	InstanceID  string `json:"instance_id"`
	ProfileName string `json:"profile_name"`
	ProfileARN  string `json:"profile_arn"`
}

// RolePolicyChange attaches a managed policy to a role.
type RolePolicyChange struct {
	RoleName    string `json:"role_name"`
	PolicyARN   string `json:"policy_arn"`
	ProfileName string `json:"profile_name"`
}

// ApplianceChange launches one Threat Manager appliance.
type ApplianceChange struct {
	VPCID            string            `json:"vpc_id"`
	SubnetID         string            `json:"subnet_id"`
	AvailabilityZone string            `json:"availability_zone"`
	ImageID          string            `json:"image_id"`
	InstanceType     string            `json:"instance_type"`
	SecurityGroupIDs []string          `json:"security_group_ids"`
	Tags             map[string]string `json:"tags"`
}

// Skipped is a failure no automatic change fixes.
type Skipped struct {
	RuleID   string `json:"rule_id"`
	Account  string `json:"account"`
	Region   string `json:"region"`
	Resource string `json:"resource"`
	Reason   string `json:"reason"`
	// Manual is the step a person takes instead.
	Manual string `json:"manual"`
}

// Floor is the shortest time AWS's throttling allows for a plan's calls of
// one mutating API in one account and region.
type Floor struct {
	Account string  `json:"account"`
	Region  string  `json:"region"`
	API     string  `json:"api"`
	Calls   int     `json:"calls"`
	Seconds float64 `json:"seconds"`
}
