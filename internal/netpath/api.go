package netpath

// Verdicts.
const (
	Allowed = "allowed"
	Blocked = "blocked"
	Unknown = "unknown"
)

// Protocols a query may name.
const (
	TCP  = "tcp"
	UDP  = "udp"
	ICMP = "icmp"
	All  = "all"
)

// Component kinds named in paths and blocking components.
const (
	KindSecurityGroup    = "security-group"
	KindNetworkACL       = "network-acl"
	KindRouteTable       = "route-table"
	KindInternetGateway  = "internet-gateway"
	KindNATGateway       = "nat-gateway"
	KindVPCEndpoint      = "vpc-endpoint"
	KindInstance         = "instance"
	KindNetworkInterface = "network-interface"
	KindGateway          = "gateway" // transit gateway, peering, virtual private gateway: the path leaves the VPC
)

// Directions.
const (
	Ingress = "ingress"
	Egress  = "egress"
)

// Query asks whether traffic from From can reach To.
//
// From is an instance id (i-…) or a network interface id (eni-…). To is an
// instance id, a network interface id, an IPv4 address, an IPv4 CIDR
// (every address in it must be reachable), "internet" (any public
// address: rules must cover 0.0.0.0/0), or "service:<name>" for an AWS
// service of the source's region reached privately through an interface
// endpoint with private DNS, else over the internet ("service:ssm",
// "service:ec2messages", "service:ssmmessages").
type Query struct {
	From  string `json:"from"`
	To    string `json:"to"`
	Proto string `json:"proto"` // tcp, udp, icmp or all
	// Port is the destination port (tcp/udp); ignored for icmp and all.
	Port int `json:"port"`
}

// Verdict is the answer to a Query.
type Verdict struct {
	Verdict string `json:"verdict"`
	// BlockedBy is the first component that blocks (Verdict blocked), in
	// path order: source SG egress, source NACL outbound, route, gateway,
	// destination NACL inbound, destination SG ingress, then the replies'
	// NACLs.
	BlockedBy *Component `json:"blocked_by,omitempty"`
	// Path lists the components traversed and the rule that admitted each
	// (Verdict allowed), or those traversed before the blocking one.
	Path []Component `json:"path"`
	// Missing says what could not be observed (Verdict unknown): a gap, a
	// referenced group in another account, an unread prefix list.
	Missing []string `json:"missing,omitempty"`
}

// Component is one element of a path.
type Component struct {
	ID        string `json:"id"`
	Kind      string `json:"kind"`
	Direction string `json:"direction,omitempty"`
	// Rule is the rule that decided, e.g. "rule 100 allows tcp 443 to
	// 0.0.0.0/0", "egress rule allows tcp 4138 to 204.110.219.96/27",
	// "route 0.0.0.0/0 → nat-0ab…".
	Rule string `json:"rule,omitempty"`
	// Reason is a sentence for a person, e.g. "acl-0ab… egress rule 90
	// denies tcp 4138 to 204.110.219.96/27".
	Reason string `json:"reason,omitempty"`
	// Traffic is, on a blocking security group or network ACL, the whole
	// flow it was asked to admit: what a remediation must allow there.
	Traffic *Traffic `json:"-"`
}

// Traffic is one flow through a component: an IANA protocol number (-1:
// every protocol) and its inclusive port range (0-65535 for protocols
// without ports; type<<8|code for ICMP), and whether it is the reply of
// the query's traffic (which network ACLs see, security groups do not).
type Traffic struct {
	Proto    int
	FromPort int32
	ToPort   int32
	Reply    bool
}
