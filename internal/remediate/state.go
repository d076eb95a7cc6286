package remediate

import (
	"bytes"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/pdr-audit/pdr-audit/internal/model"
)

// The canonical text of a target's state. The planner writes it into
// Before/After from the snapshot; apply computes it the same way from what
// it reads back, converted to the snapshot's types, and compares.

// GroupState is a security group's rules, one line per rule and peer.
func GroupState(g *model.SecurityGroup) State { return groupState(g) }

func groupState(g *model.SecurityGroup) State {
	out := State{}
	for _, p := range g.Ingress {
		out = append(out, permissionLines("ingress", p)...)
	}
	for _, p := range g.Egress {
		out = append(out, permissionLines("egress", p)...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// DedicatedState is the state of a dedicated-group change: whether the
// group exists (g, nil when absent; created marks it as the change's own)
// and the groups of each instance it is attached to, the change's group
// written "(new)".
func DedicatedState(sg *SecurityGroupChange, g *model.SecurityGroup, attached bool) State {
	out := State{}
	if g == nil {
		out = append(out, "group "+sg.Create.Name+" absent")
	} else {
		out = append(out, "group "+sg.Create.Name+" (new)")
		for _, l := range groupState(g) {
			out = append(out, "group (new) "+l)
		}
	}
	for _, a := range sg.AttachTo {
		groups := slices.Clone(a.Groups)
		if attached {
			groups = append(groups, "(new)")
		}
		slices.Sort(groups)
		out = append(out, "instance "+a.InstanceID+" groups "+strings.Join(groups, ","))
	}
	slices.Sort(out)
	return out
}

// permissionLines is one line per peer of a permission.
func permissionLines(dir string, p model.Permission) []string {
	head := dir + " " + permProto(p)
	var out []string
	for _, c := range p.IPv4Ranges {
		out = append(out, head+" "+c)
	}
	for _, c := range p.IPv6Ranges {
		out = append(out, head+" "+c)
	}
	for _, c := range p.PrefixListIDs {
		out = append(out, head+" "+c)
	}
	for _, g := range p.Groups {
		out = append(out, head+" "+g.GroupID)
	}
	return out
}

// permissionLine is the line of a one-peer permission.
func permissionLine(dir string, p model.Permission) string {
	lines := permissionLines(dir, p)
	if len(lines) == 0 {
		return ""
	}
	return lines[0]
}

func permProto(p model.Permission) string {
	proto := strings.ToLower(p.Protocol)
	switch proto {
	case "-1", "all":
		return "all"
	case "6":
		proto = "tcp"
	case "17":
		proto = "udp"
	case "1":
		proto = "icmp"
	}
	from, to := int32(-1), int32(-1)
	if p.FromPort != nil {
		from = *p.FromPort
	}
	if p.ToPort != nil {
		to = *p.ToPort
	}
	return fmt.Sprintf("%s %d-%d", proto, from, to)
}

// permission is the rule as the snapshot holds it.
func (r SGRule) permission() model.Permission {
	p := model.Permission{Protocol: r.Protocol}
	if r.Protocol != "-1" {
		from, to := r.FromPort, r.ToPort
		p.FromPort, p.ToPort = &from, &to
	}
	if r.CIDR != "" {
		p.IPv4Ranges = []string{r.CIDR}
	}
	if r.GroupID != "" {
		p.Groups = []model.GroupRef{{GroupID: r.GroupID}}
	}
	return p
}

// ACLState is a network ACL's entries, one line each.
func ACLState(n *model.NetworkACL) State { return aclState(n) }

func aclState(n *model.NetworkACL) State {
	out := State{}
	for _, e := range n.Entries {
		dir := "ingress"
		if e.Egress {
			dir = "egress"
		}
		cidr := e.CIDRBlock
		if cidr == "" {
			cidr = e.IPv6CIDRBlock
		}
		ports := ""
		if e.PortFrom != nil && e.PortTo != nil {
			ports = fmt.Sprintf(" %d-%d", *e.PortFrom, *e.PortTo)
		}
		out = append(out, fmt.Sprintf("%s %05d %s proto %s %s%s", dir, e.RuleNumber, strings.ToLower(e.RuleAction), e.Protocol, cidr, ports))
	}
	slices.Sort(out)
	return out
}

// model is the entry as the snapshot holds it.
func (e ACLEntry) model() model.NetworkACLEntry {
	m := model.NetworkACLEntry{RuleNumber: e.RuleNumber, Egress: e.Egress, Protocol: e.Protocol, RuleAction: "allow", CIDRBlock: e.CIDR}
	if e.Protocol == "6" || e.Protocol == "17" {
		from, to := e.FromPort, e.ToPort
		m.PortFrom, m.PortTo = &from, &to
	}
	return m
}

// EndpointState lists a VPC's interface endpoints with private DNS.
func EndpointState(endpoints []model.VPCEndpoint, vpc string) State {
	out := State{}
	for _, ep := range endpoints {
		if ep.VPCID != vpc || !strings.EqualFold(ep.Type, "Interface") || strings.EqualFold(ep.State, "deleted") {
			continue
		}
		id := ep.ID
		if strings.HasPrefix(id, plannedPrefix) {
			id = "(new)"
		}
		dns := "no private DNS"
		if ep.PrivateDNSEnabled {
			dns = "private DNS"
		}
		out = append(out, fmt.Sprintf("%s %s %s", ep.ServiceName, id, dns))
	}
	slices.Sort(out)
	return out
}

func endpointState(reg *model.Region, vpc string) State { return EndpointState(reg.VPCEndpoints, vpc) }

// cloneSnapshot deep-copies a snapshot through its own encoding.
func cloneSnapshot(s *model.Snapshot) (*model.Snapshot, error) {
	var buf bytes.Buffer
	if err := model.Encode(&buf, s); err != nil {
		return nil, fmt.Errorf("copy snapshot: %w", err)
	}
	out, err := model.Decode(buf.Bytes())
	if err != nil {
		return nil, fmt.Errorf("copy snapshot: %w", err)
	}
	return out, nil
}

// Mutating API buckets (AWS EC2 API throttling): the token bucket's size
// and refill per second. Security group rule changes have a bucket of
// their own; IAM publishes no rate and is assumed to match.
type bucket struct{ size, refill float64 }

var (
	mutatingBucket = bucket{50, 5}
	sgBucket       = bucket{50, 5}
)

// callsOf are the mutating API calls a change makes, by API.
func callsOf(c *Change) map[string]int {
	switch c.Action {
	case AddSecurityGroupRules:
		in, out := 0, 0
		extra := map[string]int{}
		if c.SecurityGroup.Create != nil {
			extra = map[string]int{"ec2:CreateSecurityGroup": 1, "ec2:RevokeSecurityGroupEgress": 1,
				"ec2:ModifyInstanceAttribute": len(c.SecurityGroup.AttachTo)}
		}
		for _, r := range c.SecurityGroup.Rules {
			if r.Direction == "egress" {
				out = 1
			} else {
				in = 1
			}
		}
		m := extra
		if in > 0 {
			m["ec2:AuthorizeSecurityGroupIngress"] = 1
		}
		if out > 0 {
			m["ec2:AuthorizeSecurityGroupEgress"] = 1
		}
		return m
	case AddNetworkACLEntries:
		return map[string]int{"ec2:CreateNetworkAclEntry": len(c.NetworkACL.Entries)}
	case CreateSSMEndpoints:
		return map[string]int{"ec2:CreateSecurityGroup": 1, "ec2:AuthorizeSecurityGroupIngress": 1,
			"ec2:CreateVpcEndpoint": len(c.Endpoints.Services)}
	case AssociateInstanceProfile:
		return map[string]int{"ec2:AssociateIamInstanceProfile": 1}
	case AttachSSMPolicy:
		return map[string]int{"iam:AttachRolePolicy": 1}
	case DeployAppliance:
		return map[string]int{"ec2:RunInstances": 1}
	}
	return nil
}

// floors computes, per account, region and API, the shortest time the
// plan's calls can take under AWS's buckets: max(0, (k−B)/r).
func floors(changes []Change) []Floor {
	type key struct{ account, region, api string }
	calls := map[key]int{}
	for i := range changes {
		for api, n := range callsOf(&changes[i]) {
			calls[key{changes[i].Account, changes[i].Region, api}] += n
		}
	}
	var out []Floor
	for k, n := range calls {
		b := mutatingBucket
		if strings.Contains(k.api, "SecurityGroupIngress") || strings.Contains(k.api, "SecurityGroupEgress") {
			b = sgBucket
		}
		secs := math.Max(0, (float64(n)-b.size)/b.refill)
		out = append(out, Floor{Account: k.account, Region: k.region, API: k.api, Calls: n, Seconds: math.Round(secs*10) / 10})
	}
	slices.SortFunc(out, func(a, b Floor) int {
		return strings.Compare(a.Account+a.Region+a.API, b.Account+b.Region+b.API)
	})
	return out
}
