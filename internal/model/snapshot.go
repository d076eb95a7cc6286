package model

import "time"

// SchemaVersion is the snapshot layout this build writes.
const SchemaVersion = "1"

// ReadableSchemaVersions lists the layouts this build reads.
var ReadableSchemaVersions = []string{SchemaVersion}

// Snapshot is everything pdr-audit observed in one collection or import.
type Snapshot struct {
	SchemaVersion string    `json:"schema_version"`
	Tool          Tool      `json:"tool"`
	CollectedAt   time.Time `json:"collected_at"`
	Scope         Scope     `json:"scope"`
	Accounts      []Account `json:"accounts"`
	// Gaps are the reads that did not succeed. Policies turn what they
	// hide into unknown results.
	Gaps []Gap `json:"gaps"`
}

// Tool identifies the program that wrote a snapshot.
type Tool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// Scope is what the user asked to be observed.
type Scope struct {
	// Source is "collect" (live AWS or a simulator) or "import" (an estate
	// directory read offline).
	Source string `json:"source"`
	// Accounts are the account ids asked for (after --org expansion).
	Accounts []string `json:"accounts"`
	// Regions are the regions asked for (after --regions all expansion).
	Regions []string `json:"regions"`
	// KernelSource is the kernel evidence asked for: inventory,
	// run-command or none.
	KernelSource string `json:"kernel_source"`
}

// Account is one AWS account's observations.
type Account struct {
	ID string `json:"id"`
	// InstanceProfiles are the IAM instance profiles the account's
	// instances use, with their roles' attached managed policies.
	InstanceProfiles []InstanceProfile `json:"instance_profiles"`
	Regions          []Region          `json:"regions"`
}

// Region is one region of an account.
type Region struct {
	Name             string            `json:"name"`
	VPCs             []VPC             `json:"vpcs"`
	Subnets          []Subnet          `json:"subnets"`
	SecurityGroups   []SecurityGroup   `json:"security_groups"`
	NetworkACLs      []NetworkACL      `json:"network_acls"`
	RouteTables      []RouteTable      `json:"route_tables"`
	NATGateways      []NATGateway      `json:"nat_gateways"`
	InternetGateways []InternetGateway `json:"internet_gateways"`
	VPCEndpoints     []VPCEndpoint     `json:"vpc_endpoints"`
	PrefixLists      []PrefixList      `json:"prefix_lists"`
	Instances        []Instance        `json:"instances"`
	// SSMInstances are the nodes SSM's DescribeInstanceInformation lists.
	SSMInstances []SSMInstance `json:"ssm_instances"`
	// Kernels hold the running kernel of instances, with the evidence
	// that decided it.
	Kernels []Kernel `json:"kernels"`
	// DefaultHostManagement is the region's Default Host Management
	// Configuration setting; nil when it could not be read.
	DefaultHostManagement *ServiceSetting `json:"default_host_management"`
}

// Tags are an AWS resource's tags (key → value).
type Tags map[string]string

// VPC is an EC2 VPC.
type VPC struct {
	ID             string   `json:"id"`
	OwnerID        string   `json:"owner_id"`
	State          string   `json:"state"`
	IsDefault      bool     `json:"is_default"`
	CIDRBlocks     []string `json:"cidr_blocks"`
	IPv6CIDRBlocks []string `json:"ipv6_cidr_blocks"`
	Tags           Tags     `json:"tags"`
}

// Subnet is a VPC subnet.
type Subnet struct {
	ID                  string   `json:"id"`
	VPCID               string   `json:"vpc_id"`
	AvailabilityZone    string   `json:"availability_zone"`
	AvailabilityZoneID  string   `json:"availability_zone_id"`
	CIDRBlock           string   `json:"cidr_block"`
	IPv6CIDRBlocks      []string `json:"ipv6_cidr_blocks"`
	MapPublicIPOnLaunch bool     `json:"map_public_ip_on_launch"`
	State               string   `json:"state"`
	Tags                Tags     `json:"tags"`
}

// SecurityGroup is an EC2 security group with its rules as AWS returns
// them (permissions, each with several sources).
type SecurityGroup struct {
	ID          string       `json:"id"`
	Name        string       `json:"name"`
	Description string       `json:"description"`
	VPCID       string       `json:"vpc_id"`
	OwnerID     string       `json:"owner_id"`
	Ingress     []Permission `json:"ingress"`
	Egress      []Permission `json:"egress"`
	Tags        Tags         `json:"tags"`
}

// Permission is one IpPermission: a protocol and port range with the
// sources (ingress) or destinations (egress) it admits.
type Permission struct {
	// Protocol is AWS's IpProtocol: "-1" (all), "tcp", "udp", "icmp",
	// "icmpv6" or a protocol number.
	Protocol string `json:"protocol"`
	// FromPort and ToPort bound the ports (ICMP: type and code); nil when
	// AWS omits them (all traffic).
	FromPort      *int32     `json:"from_port"`
	ToPort        *int32     `json:"to_port"`
	IPv4Ranges    []string   `json:"ipv4_ranges"`
	IPv6Ranges    []string   `json:"ipv6_ranges"`
	PrefixListIDs []string   `json:"prefix_list_ids"`
	Groups        []GroupRef `json:"groups"`
}

// GroupRef is a security-group rule that names another group.
type GroupRef struct {
	GroupID                string `json:"group_id"`
	UserID                 string `json:"user_id"`
	VPCID                  string `json:"vpc_id"`
	VPCPeeringConnectionID string `json:"vpc_peering_connection_id"`
	PeeringStatus          string `json:"peering_status"`
}

// NetworkACL is a VPC network ACL.
type NetworkACL struct {
	ID           string                  `json:"id"`
	VPCID        string                  `json:"vpc_id"`
	IsDefault    bool                    `json:"is_default"`
	Entries      []NetworkACLEntry       `json:"entries"`
	Associations []NetworkACLAssociation `json:"associations"`
	Tags         Tags                    `json:"tags"`
}

// NetworkACLEntry is one numbered NACL rule.
type NetworkACLEntry struct {
	RuleNumber int32  `json:"rule_number"`
	Egress     bool   `json:"egress"`
	Protocol   string `json:"protocol"`
	// RuleAction is "allow" or "deny".
	RuleAction    string `json:"rule_action"`
	CIDRBlock     string `json:"cidr_block"`
	IPv6CIDRBlock string `json:"ipv6_cidr_block"`
	// PortFrom and PortTo are nil when the entry covers every port.
	PortFrom *int32 `json:"port_from"`
	PortTo   *int32 `json:"port_to"`
	ICMPType *int32 `json:"icmp_type"`
	ICMPCode *int32 `json:"icmp_code"`
}

// NetworkACLAssociation ties a subnet to a NACL.
type NetworkACLAssociation struct {
	ID       string `json:"id"`
	SubnetID string `json:"subnet_id"`
}

// RouteTable is a VPC route table.
type RouteTable struct {
	ID    string `json:"id"`
	VPCID string `json:"vpc_id"`
	// Main is true for the VPC's main route table.
	Main         bool                    `json:"main"`
	Routes       []Route                 `json:"routes"`
	Associations []RouteTableAssociation `json:"associations"`
	Tags         Tags                    `json:"tags"`
}

// Route is one route of a route table.
type Route struct {
	DestinationCIDR         string `json:"destination_cidr"`
	DestinationIPv6CIDR     string `json:"destination_ipv6_cidr"`
	DestinationPrefixListID string `json:"destination_prefix_list_id"`
	// TargetType is one of the Target* constants.
	TargetType string `json:"target_type"`
	TargetID   string `json:"target_id"`
	// State is "active" or "blackhole".
	State  string `json:"state"`
	Origin string `json:"origin"`
}

// Route target types.
const (
	TargetLocal                 = "local"
	TargetInternetGateway       = "internet-gateway"
	TargetEgressOnlyIGW         = "egress-only-internet-gateway"
	TargetNATGateway            = "nat-gateway"
	TargetTransitGateway        = "transit-gateway"
	TargetVPCPeering            = "vpc-peering-connection"
	TargetVirtualPrivateGateway = "virtual-private-gateway"
	TargetNetworkInterface      = "network-interface"
	TargetInstance              = "instance"
	TargetVPCEndpoint           = "vpc-endpoint"
	TargetCarrierGateway        = "carrier-gateway"
	TargetLocalGateway          = "local-gateway"
	TargetCoreNetwork           = "core-network"
	TargetUnknown               = "unknown"
)

// RouteTableAssociation ties a subnet (or gateway) to a route table.
type RouteTableAssociation struct {
	ID        string `json:"id"`
	SubnetID  string `json:"subnet_id"`
	GatewayID string `json:"gateway_id"`
	Main      bool   `json:"main"`
	State     string `json:"state"`
}

// NATGateway is a VPC NAT gateway.
type NATGateway struct {
	ID       string `json:"id"`
	VPCID    string `json:"vpc_id"`
	SubnetID string `json:"subnet_id"`
	State    string `json:"state"`
	// ConnectivityType is "public" or "private".
	ConnectivityType string       `json:"connectivity_type"`
	Addresses        []NATAddress `json:"addresses"`
	Tags             Tags         `json:"tags"`
}

// NATAddress is one address of a NAT gateway.
type NATAddress struct {
	PublicIP           string `json:"public_ip"`
	PrivateIP          string `json:"private_ip"`
	AllocationID       string `json:"allocation_id"`
	NetworkInterfaceID string `json:"network_interface_id"`
}

// InternetGateway is an internet gateway and the VPCs it is attached to.
type InternetGateway struct {
	ID          string                      `json:"id"`
	OwnerID     string                      `json:"owner_id"`
	Attachments []InternetGatewayAttachment `json:"attachments"`
	Tags        Tags                        `json:"tags"`
}

// InternetGatewayAttachment is an internet gateway's attachment to a VPC.
type InternetGatewayAttachment struct {
	VPCID string `json:"vpc_id"`
	State string `json:"state"`
}

// VPCEndpoint is a VPC endpoint.
type VPCEndpoint struct {
	ID    string `json:"id"`
	VPCID string `json:"vpc_id"`
	// Type is "Interface", "Gateway" or "GatewayLoadBalancer".
	Type                string   `json:"type"`
	ServiceName         string   `json:"service_name"`
	State               string   `json:"state"`
	PrivateDNSEnabled   bool     `json:"private_dns_enabled"`
	SubnetIDs           []string `json:"subnet_ids"`
	SecurityGroupIDs    []string `json:"security_group_ids"`
	NetworkInterfaceIDs []string `json:"network_interface_ids"`
	RouteTableIDs       []string `json:"route_table_ids"`
	Tags                Tags     `json:"tags"`
}

// PrefixList is a managed prefix list with its entries.
type PrefixList struct {
	ID            string   `json:"id"`
	Name          string   `json:"name"`
	OwnerID       string   `json:"owner_id"`
	AddressFamily string   `json:"address_family"`
	State         string   `json:"state"`
	MaxEntries    *int32   `json:"max_entries"`
	CIDRs         []string `json:"cidrs"`
	// EntriesRead is false when the entries could not be read (a gap).
	EntriesRead bool `json:"entries_read"`
}

// Instance is an EC2 instance.
type Instance struct {
	ID               string `json:"id"`
	State            string `json:"state"`
	InstanceType     string `json:"instance_type"`
	ImageID          string `json:"image_id"`
	AvailabilityZone string `json:"availability_zone"`
	VPCID            string `json:"vpc_id"`
	SubnetID         string `json:"subnet_id"`
	PrivateIP        string `json:"private_ip"`
	PublicIP         string `json:"public_ip"`
	// SecurityGroupIDs are the groups of the primary interface.
	SecurityGroupIDs  []string           `json:"security_group_ids"`
	NetworkInterfaces []NetworkInterface `json:"network_interfaces"`
	// IAMInstanceProfileARN is the associated instance profile, "" if none.
	IAMInstanceProfileARN string    `json:"iam_instance_profile_arn"`
	Architecture          string    `json:"architecture"`
	Platform              string    `json:"platform"`
	PlatformDetails       string    `json:"platform_details"`
	LaunchTime            time.Time `json:"launch_time"`
	Tags                  Tags      `json:"tags"`
}

// NetworkInterface is an instance's network interface.
type NetworkInterface struct {
	ID               string   `json:"id"`
	SubnetID         string   `json:"subnet_id"`
	DeviceIndex      int32    `json:"device_index"`
	PrivateIPs       []string `json:"private_ips"`
	PublicIP         string   `json:"public_ip"`
	IPv6Addresses    []string `json:"ipv6_addresses"`
	SecurityGroupIDs []string `json:"security_group_ids"`
}

// SSMInstance is a node SSM knows (DescribeInstanceInformation).
type SSMInstance struct {
	InstanceID      string    `json:"instance_id"`
	PingStatus      string    `json:"ping_status"`
	LastPingAt      time.Time `json:"last_ping_at"`
	AgentVersion    string    `json:"agent_version"`
	PlatformType    string    `json:"platform_type"`
	PlatformName    string    `json:"platform_name"`
	PlatformVersion string    `json:"platform_version"`
	ResourceType    string    `json:"resource_type"`
	IAMRole         string    `json:"iam_role"`
	ComputerName    string    `json:"computer_name"`
	IPAddress       string    `json:"ip_address"`
}

// Kernel sources, in order of trust.
const (
	KernelFromRunCommand = "run-command"
	KernelFromInventory  = "inventory"
	KernelUnknown        = "unknown"
)

// Kernel is the running kernel of an instance and the evidence for it.
type Kernel struct {
	InstanceID string `json:"instance_id"`
	// Release is the `uname -r` string; "" when unknown.
	Release string `json:"release"`
	// Source is one of the KernelFrom* constants or KernelUnknown.
	Source string `json:"source"`
	// Detail says why a kernel is unknown (e.g. "2 kernel packages in
	// inventory").
	Detail string `json:"detail,omitempty"`
}

// ServiceSetting is an SSM service setting.
type ServiceSetting struct {
	SettingID string `json:"setting_id"`
	Value     string `json:"value"`
	Status    string `json:"status"`
}

// InstanceProfile is an IAM instance profile with its roles.
type InstanceProfile struct {
	Name  string `json:"name"`
	ARN   string `json:"arn"`
	Roles []Role `json:"roles"`
}

// Role is an IAM role with its attached managed policies.
type Role struct {
	Name string `json:"name"`
	ARN  string `json:"arn"`
	// AttachedPolicies are the managed policies' ARNs; nil (with a gap)
	// when they could not be listed.
	AttachedPolicies []string `json:"attached_policies"`
	PoliciesRead     bool     `json:"policies_read"`
}

// Gap classes.
const (
	GapDenied    = "denied"
	GapThrottled = "throttled"
	GapError     = "error"
	GapTimeout   = "timeout"
)

// Gap is a read that did not succeed.
type Gap struct {
	Account string `json:"account"`
	// Region is the region code, or "global" for IAM and Organizations.
	Region string `json:"region"`
	// API is "service:Action", e.g. "ec2:DescribeNetworkAcls".
	API string `json:"api"`
	// Resource narrows the gap to one resource when the read was per
	// resource (an instance profile name, a prefix list id); "" when the
	// whole listing failed.
	Resource string `json:"resource,omitempty"`
	Class    string `json:"class"`
	// Code is the AWS error code ("AccessDenied", "RequestLimitExceeded").
	Code    string `json:"code"`
	Message string `json:"message"`
}
