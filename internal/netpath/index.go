package netpath

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/pdr-audit/pdr-audit/internal/model"
)

// EC2 reads whose gaps the engine consults.
const (
	apiSecurityGroups    = "ec2:DescribeSecurityGroups"
	apiNetworkACLs       = "ec2:DescribeNetworkAcls"
	apiRouteTables       = "ec2:DescribeRouteTables"
	apiSubnets           = "ec2:DescribeSubnets"
	apiInstances         = "ec2:DescribeInstances"
	apiNATGateways       = "ec2:DescribeNatGateways"
	apiInternetGateways  = "ec2:DescribeInternetGateways"
	apiVPCEndpoints      = "ec2:DescribeVpcEndpoints"
	apiPrefixLists       = "ec2:DescribeManagedPrefixLists"
	apiPrefixListEntries = "ec2:GetManagedPrefixListEntries"
)

// Engine answers reachability queries over one snapshot. New indexes the
// snapshot once; Reach is then safe for concurrent use. The engine keeps
// no reference to the snapshot's slices after New returns, so later
// changes to the snapshot are not seen.
type Engine struct {
	regions []*regionInfo
	enis    map[string]*eni // by ENI id
	insts   map[string]*eni // by instance id: the primary interface
	sgs     map[string]*sgInfo
	// members are the private addresses of the interfaces in each
	// security group, by family.
	members map[string]*[2]aset
	// ipGroups are, for each interface address, the groups of every
	// interface holding it: the groups whose references match it.
	ipGroups map[addrKey][]string
	// bounds are the edges of every CIDR the snapshot names, by family;
	// two addresses between the same edges are alike to every rule and
	// route.
	bounds [2][]u128
	// protos are the protocols an "all" query must check, by family.
	protos [2][]int
	// instancesGap is set when some region's instances could not be read,
	// so an unknown id may be one the snapshot could not see.
	instancesGap bool

	// hosts are the interface addresses of each VPC, in address order:
	// who receives what the local route delivers.
	hosts map[hostKey][]hostAddr

	classes map[string]int32
	memo    sync.Map // memoKey → Verdict with placeholders
}

type hostKey struct {
	r   *regionInfo
	vpc string
	fam family
}

type hostAddr struct {
	a u128
	x *eni
}

// hostsIn returns the interfaces of vpc holding addresses in addrs.
func (e *Engine) hostsIn(r *regionInfo, vpc string, f family, addrs aset) []hostAddr {
	list := e.hosts[hostKey{r, vpc, f}]
	var out []hostAddr
	for _, sp := range addrs {
		i, _ := slices.BinarySearchFunc(list, sp.lo, func(h hostAddr, t u128) int { return h.a.cmp(t) })
		for ; i < len(list) && list[i].a.cmp(sp.hi) <= 0; i++ {
			out = append(out, list[i])
		}
	}
	return out
}

type addrKey struct {
	fam family
	a   u128
}

// regionInfo is one account-region of the snapshot.
type regionInfo struct {
	account, name string
	gaps          []model.Gap
	subnets       map[string]*subnetInfo
	vpcSubnets    map[string][]*subnetInfo // by VPC, in address order
	naclBySubnet  map[string]*naclInfo
	naclConflict  map[string][]string // subnets named by several NACLs
	rtBySubnet    map[string]*rtInfo
	rtMain        map[string]*rtInfo // by VPC
	nats          map[string]*model.NATGateway
	igws          map[string]*model.InternetGateway
	pls           map[string]*model.PrefixList
	endpoints     []*endpointInfo // by id
	rawEndpoints  []*model.VPCEndpoint
}

// subnetInfo is a subnet; known is false when the snapshot names it (on
// an instance) but does not hold its record.
type subnetInfo struct {
	id, vpc, az string
	region      *regionInfo
	known       bool
	cidr        [2]aset
}

// eni is a network interface of an instance.
type eni struct {
	id, instance string
	region       *regionInfo
	subnet       *subnetInfo
	vpc, az      string
	addr         [2]u128
	has          [2]bool
	public       bool
	sgs          []string
	class        int32
}

// gap returns the gap hiding api (for resource, or for the whole
// listing) in the region, or nil.
func (r *regionInfo) gap(api, resource string) *model.Gap {
	for i := range r.gaps {
		g := &r.gaps[i]
		if g.API == api && (g.Resource == "" || g.Resource == resource) {
			return g
		}
	}
	return nil
}

// gapText says what a gap hides, for Missing.
func (r *regionInfo) gapText(g *model.Gap) string {
	what := g.API
	if g.Resource != "" {
		what += " for " + g.Resource
	}
	why := g.Class
	if g.Code != "" {
		why += ": " + g.Code
	}
	return fmt.Sprintf("%s could not be read in %s/%s (%s)", what, r.account, r.name, why)
}

// missingText explains why the object id, read by api, is absent: the gap
// if there is one, else that the snapshot does not hold it.
func (r *regionInfo) missingText(api, id, what string) string {
	if g := r.gap(api, id); g != nil {
		return r.gapText(g)
	}
	return fmt.Sprintf("%s %s is not in the snapshot of %s/%s", what, id, r.account, r.name)
}

// subnet returns the subnet id of the region, known or not.
func (r *regionInfo) subnet(id string) *subnetInfo {
	if s := r.subnets[id]; s != nil {
		return s
	}
	s := &subnetInfo{id: id, region: r}
	r.subnets[id] = s
	return s
}

// lookupSubnet returns the subnet id of the region without recording
// anything (Reach runs concurrently); a subnet the snapshot does not hold
// comes back unknown, in vpc.
func (r *regionInfo) lookupSubnet(id, vpc string) *subnetInfo {
	if s := r.subnets[id]; s != nil {
		return s
	}
	return &subnetInfo{id: id, vpc: vpc, region: r}
}

// New indexes a snapshot for Reach. It never fails: what the snapshot
// lacks makes the verdicts that need it unknown.
func New(s *model.Snapshot) *Engine {
	e := &Engine{
		enis: map[string]*eni{}, insts: map[string]*eni{}, sgs: map[string]*sgInfo{},
		members: map[string]*[2]aset{}, ipGroups: map[addrKey][]string{}, classes: map[string]int32{},
		hosts: map[hostKey][]hostAddr{},
	}
	if s == nil {
		return e
	}
	var cidrs [2][]span
	addCIDR := func(c string) {
		if p, ok := parsePrefix(c); ok {
			cidrs[p.fam] = append(cidrs[p.fam], p.sp)
		}
	}
	named := map[int]bool{}
	for ai := range s.Accounts {
		acct := &s.Accounts[ai]
		for ri := range acct.Regions {
			reg := &acct.Regions[ri]
			r := e.indexRegion(acct.ID, reg, s.Gaps)
			e.regions = append(e.regions, r)
			for _, v := range reg.VPCs {
				for _, c := range append(slices.Clone(v.CIDRBlocks), v.IPv6CIDRBlocks...) {
					addCIDR(c)
				}
			}
			for _, sn := range reg.Subnets {
				addCIDR(sn.CIDRBlock)
				for _, c := range sn.IPv6CIDRBlocks {
					addCIDR(c)
				}
			}
			for _, pl := range reg.PrefixLists {
				for _, c := range pl.CIDRs {
					addCIDR(c)
				}
			}
			for _, n := range reg.NetworkACLs {
				for _, en := range n.Entries {
					addCIDR(en.CIDRBlock)
					addCIDR(en.IPv6CIDRBlock)
					if p, ok := parseProtocol(en.Protocol); ok && p != protoAny {
						named[p] = true
					}
				}
			}
			for _, t := range reg.RouteTables {
				for _, rt := range t.Routes {
					addCIDR(rt.DestinationCIDR)
					addCIDR(rt.DestinationIPv6CIDR)
				}
			}
			for _, g := range reg.SecurityGroups {
				for _, p := range append(slices.Clone(g.Ingress), g.Egress...) {
					for _, c := range append(slices.Clone(p.IPv4Ranges), p.IPv6Ranges...) {
						addCIDR(c)
					}
					if n, ok := parseProtocol(p.Protocol); ok && n != protoAny {
						named[n] = true
					}
				}
			}
		}
	}
	// Interfaces first: group references match their addresses.
	for ai := range s.Accounts {
		for ri := range s.Accounts[ai].Regions {
			e.indexInstances(e.regionOf(s.Accounts[ai].ID, s.Accounts[ai].Regions[ri].Name), &s.Accounts[ai].Regions[ri])
		}
	}
	for _, m := range e.members {
		m[v4], m[v6] = normalizeSet(m[v4]), normalizeSet(m[v6])
	}
	for k, gs := range e.ipGroups {
		slices.Sort(gs)
		e.ipGroups[k] = slices.Compact(gs)
	}
	for k, hs := range e.hosts {
		// By address, then interface id: a duplicated address (which AWS
		// does not allow within a VPC) goes to the same interface whatever
		// the input order.
		slices.SortFunc(hs, func(a, b hostAddr) int { return cmp.Or(a.a.cmp(b.a), cmp.Compare(a.x.id, b.x.id)) })
		e.hosts[k] = slices.CompactFunc(hs, func(a, b hostAddr) bool { return a.a == b.a })
	}
	for ai := range s.Accounts {
		for ri := range s.Accounts[ai].Regions {
			reg := &s.Accounts[ai].Regions[ri]
			r := e.regionOf(s.Accounts[ai].ID, reg.Name)
			for gi := range reg.SecurityGroups {
				g := &reg.SecurityGroups[gi]
				e.sgs[g.ID] = &sgInfo{id: g.ID, vpc: g.VPCID, region: r}
			}
		}
	}
	for ai := range s.Accounts {
		for ri := range s.Accounts[ai].Regions {
			reg := &s.Accounts[ai].Regions[ri]
			r := e.regionOf(s.Accounts[ai].ID, reg.Name)
			for gi := range reg.SecurityGroups {
				e.compileSG(r, &reg.SecurityGroups[gi])
			}
			for ti := range reg.RouteTables {
				for _, c := range e.compileRoutes(r, &reg.RouteTables[ti]).cidrs {
					addCIDR(c)
				}
			}
		}
	}
	for f := range cidrs {
		var b []u128
		for _, sp := range cidrs[f] {
			b = append(b, sp.lo)
			if sp.hi != maxAddr(family(f)) {
				b = append(b, sp.hi.next())
			}
		}
		slices.SortFunc(b, u128.cmp)
		e.bounds[f] = slices.Compact(b)
	}
	e.protos = protoClasses(named)
	for _, r := range e.regions {
		for _, ep := range r.rawEndpoints {
			if info := e.compileEndpoint(r, ep); info != nil {
				r.endpoints = append(r.endpoints, info)
			}
		}
		// Only New reads these; dropping them keeps no reference to the
		// snapshot.
		r.rawEndpoints, r.pls = nil, nil
	}
	for _, n := range sortedKeys(e.enis) {
		e.classify(e.enis[n])
	}
	return e
}

// protoClasses is what "all" means, by family: the usual protocols, every
// protocol some rule names, and one protocol no rule names (which every
// unnamed protocol behaves like), if any is left.
func protoClasses(named map[int]bool) [2][]int {
	var out [2][]int
	for f, base := range [2][]int{{protoTCP, protoUDP, protoICMP}, {protoTCP, protoUDP, protoICMPv6}} {
		set := map[int]bool{}
		for _, p := range base {
			set[p] = true
		}
		for p := range named {
			set[p] = true
		}
		// One protocol no rule names stands for all of them: GRE when it
		// is free (the one most often met), else the lowest free number.
		if !set[47] {
			set[47] = true
		} else {
			for p := 0; p <= 255; p++ {
				if !set[p] && p != protoICMP && p != protoICMPv6 {
					set[p] = true
					break
				}
			}
		}
		ps := slices.Collect(func(yield func(int) bool) {
			for p := range set {
				if !yield(p) {
					return
				}
			}
		})
		// tcp, udp, icmp first (what a person expects to read about first),
		// then by number.
		rank := func(p int) int {
			switch p {
			case protoTCP:
				return -3
			case protoUDP:
				return -2
			case protoICMP, protoICMPv6:
				return -1
			}
			return p
		}
		slices.SortFunc(ps, func(a, b int) int { return cmp.Compare(rank(a), rank(b)) })
		out[f] = ps
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func (e *Engine) regionOf(account, name string) *regionInfo {
	for _, r := range e.regions {
		if r.account == account && r.name == name {
			return r
		}
	}
	return nil
}

func (e *Engine) indexRegion(account string, reg *model.Region, gaps []model.Gap) *regionInfo {
	r := &regionInfo{
		account: account, name: reg.Name,
		subnets: map[string]*subnetInfo{}, vpcSubnets: map[string][]*subnetInfo{},
		naclBySubnet: map[string]*naclInfo{}, naclConflict: map[string][]string{},
		rtBySubnet: map[string]*rtInfo{}, rtMain: map[string]*rtInfo{},
		nats: map[string]*model.NATGateway{}, igws: map[string]*model.InternetGateway{}, pls: map[string]*model.PrefixList{},
	}
	for _, g := range gaps {
		if g.Account == account && g.Region == reg.Name {
			r.gaps = append(r.gaps, g)
		}
	}
	slices.SortFunc(r.gaps, func(a, b model.Gap) int {
		return cmp.Or(cmp.Compare(a.API, b.API), cmp.Compare(a.Resource, b.Resource), cmp.Compare(a.Code, b.Code), cmp.Compare(a.Class, b.Class))
	})
	for _, sn := range reg.Subnets {
		s := r.subnet(sn.ID)
		s.known, s.vpc, s.az = true, sn.VPCID, sn.AvailabilityZone
		var spans [2][]span
		for _, c := range append([]string{sn.CIDRBlock}, sn.IPv6CIDRBlocks...) {
			if p, ok := parsePrefix(c); ok {
				spans[p.fam] = append(spans[p.fam], p.sp)
			}
		}
		s.cidr = [2]aset{normalizeSet(spans[v4]), normalizeSet(spans[v6])}
		r.vpcSubnets[sn.VPCID] = append(r.vpcSubnets[sn.VPCID], s)
	}
	for _, subs := range r.vpcSubnets {
		slices.SortFunc(subs, func(a, b *subnetInfo) int { return cmp.Compare(a.id, b.id) })
	}
	for i := range reg.NetworkACLs {
		n := compileNACL(&reg.NetworkACLs[i])
		for _, a := range reg.NetworkACLs[i].Associations {
			if prev := r.naclBySubnet[a.SubnetID]; prev != nil && prev.id != n.id {
				r.naclConflict[a.SubnetID] = append(r.naclConflict[a.SubnetID], prev.id, n.id)
			}
			if prev := r.naclBySubnet[a.SubnetID]; prev == nil || n.id < prev.id {
				r.naclBySubnet[a.SubnetID] = n
			}
		}
	}
	// Copies: the engine must not see later changes to the snapshot.
	for _, n := range reg.NATGateways {
		n.Addresses, n.Tags = nil, nil
		r.nats[n.ID] = &n
	}
	for _, g := range reg.InternetGateways {
		g.Attachments, g.Tags = slices.Clone(g.Attachments), nil
		r.igws[g.ID] = &g
	}
	for i := range reg.PrefixLists {
		r.pls[reg.PrefixLists[i].ID] = &reg.PrefixLists[i]
	}
	for i := range reg.VPCEndpoints {
		r.rawEndpoints = append(r.rawEndpoints, &reg.VPCEndpoints[i])
	}
	slices.SortFunc(r.rawEndpoints, func(a, b *model.VPCEndpoint) int { return cmp.Compare(a.ID, b.ID) })
	return r
}

// indexInstances records the interfaces of a region's instances and the
// group memberships their addresses carry.
func (e *Engine) indexInstances(r *regionInfo, reg *model.Region) {
	if r.gap(apiInstances, "") != nil {
		e.instancesGap = true
	}
	for i := range reg.Instances {
		in := &reg.Instances[i]
		if strings.EqualFold(in.State, "terminated") {
			continue
		}
		nics := in.NetworkInterfaces
		if len(nics) == 0 && in.SubnetID != "" {
			// A record without its interface list: the instance-level
			// fields describe the primary interface.
			nics = []model.NetworkInterface{{ID: in.ID, SubnetID: in.SubnetID, PrivateIPs: nonEmpty(in.PrivateIP),
				PublicIP: in.PublicIP, SecurityGroupIDs: in.SecurityGroupIDs}}
		}
		primary := -1
		for j := range nics {
			if primary < 0 || nics[j].DeviceIndex < nics[primary].DeviceIndex ||
				(nics[j].DeviceIndex == nics[primary].DeviceIndex && nics[j].ID < nics[primary].ID) {
				primary = j
			}
		}
		for j := range nics {
			n := &nics[j]
			x := &eni{id: n.ID, instance: in.ID, region: r, subnet: r.subnet(n.SubnetID), vpc: in.VPCID, az: in.AvailabilityZone}
			if x.subnet.known {
				x.vpc, x.az = x.subnet.vpc, x.subnet.az
			} else if x.subnet.vpc == "" {
				x.subnet.vpc = in.VPCID
			}
			x.sgs = sortedUnique(n.SecurityGroupIDs)
			if j == primary && len(x.sgs) == 0 {
				x.sgs = sortedUnique(in.SecurityGroupIDs)
			}
			x.public = n.PublicIP != "" || (j == primary && in.PublicIP != "")
			ips := sortedUnique(n.PrivateIPs)
			if j == primary && in.PrivateIP != "" && (len(ips) == 0 || slices.Contains(ips, in.PrivateIP)) {
				x.setAddr(in.PrivateIP)
			}
			for _, ip := range ips {
				x.setAddr(ip)
			}
			for _, ip := range sortedUnique(n.IPv6Addresses) {
				x.setAddr(ip)
			}
			all := append(slices.Clone(ips), sortedUnique(n.IPv6Addresses)...)
			if j == primary && in.PrivateIP != "" && len(ips) == 0 {
				all = append(all, in.PrivateIP)
			}
			for _, ip := range all {
				p, ok := parsePrefix(ip)
				if !ok || p.sp.lo != p.sp.hi {
					continue
				}
				k := addrKey{p.fam, p.sp.lo}
				e.ipGroups[k] = append(e.ipGroups[k], x.sgs...)
				hk := hostKey{r, x.vpc, p.fam}
				e.hosts[hk] = append(e.hosts[hk], hostAddr{p.sp.lo, x})
				for _, g := range x.sgs {
					m := e.members[g]
					if m == nil {
						m = &[2]aset{}
						e.members[g] = m
					}
					// Normalised once all interfaces are in (New).
					m[p.fam] = append(m[p.fam], p.sp)
				}
			}
			if n.ID != "" {
				if _, dup := e.enis[n.ID]; !dup {
					e.enis[n.ID] = x
				}
			}
			if j == primary {
				if _, dup := e.insts[in.ID]; !dup {
					e.insts[in.ID] = x
				}
			}
		}
	}
}

// setAddr records ip as the interface's address of its family, unless one
// is already set (the first wins: the primary address).
func (x *eni) setAddr(ip string) {
	p, ok := parsePrefix(ip)
	if !ok || p.sp.lo != p.sp.hi || x.has[p.fam] {
		return
	}
	x.addr[p.fam], x.has[p.fam] = p.sp.lo, true
}

func nonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

func sortedUnique(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return slices.Compact(out)
}

// compileSG compiles a security group's permissions. Group members are
// read from e.members, so interfaces must be indexed first.
func (e *Engine) compileSG(r *regionInfo, g *model.SecurityGroup) {
	info := e.sgs[g.ID]
	compile := func(perms []model.Permission, egress bool) []*sgRule {
		var out []*sgRule
		for _, p := range perms {
			proto, ok := parseProtocol(p.Protocol)
			if !ok {
				continue
			}
			rule := &sgRule{proto: proto, ports: ruleSpan(proto, p.FromPort, p.ToPort, p.FromPort, p.ToPort)}
			var spans [2][]span
			var named []string
			for _, c := range append(slices.Clone(p.IPv4Ranges), p.IPv6Ranges...) {
				if pf, ok := parsePrefix(c); ok {
					spans[pf.fam] = append(spans[pf.fam], pf.sp)
					named = append(named, c)
				}
			}
			for _, id := range p.PrefixListIDs {
				named = append(named, id)
				pl := r.pls[id]
				switch {
				case pl == nil:
					rule.unknown = append(rule.unknown, fmt.Sprintf("%s (in %s) names %s: %s", g.ID, ruleWord(egress), id, r.missingText(apiPrefixLists, id, "prefix list")))
				case !pl.EntriesRead:
					why := fmt.Sprintf("the entries of prefix list %s were not read", id)
					if gp := r.gap(apiPrefixListEntries, id); gp != nil {
						why = r.gapText(gp)
					}
					rule.unknown = append(rule.unknown, fmt.Sprintf("%s (in %s) names %s: %s", g.ID, ruleWord(egress), id, why))
				default:
					for _, c := range pl.CIDRs {
						if pf, ok := parsePrefix(c); ok {
							spans[pf.fam] = append(spans[pf.fam], pf.sp)
						}
					}
				}
			}
			for _, ref := range p.Groups {
				named = append(named, ref.GroupID)
				rule.refs = append(rule.refs, ref.GroupID)
				ref := ref
				switch target := e.sgs[ref.GroupID]; {
				case target == nil && ref.UserID != "" && ref.UserID != r.account:
					rule.unknown = append(rule.unknown, fmt.Sprintf("%s (in %s) references %s of account %s, which is not in the snapshot", g.ID, ruleWord(egress), ref.GroupID, ref.UserID))
				case target == nil:
					rule.unknown = append(rule.unknown, fmt.Sprintf("%s (in %s) references %s: %s", g.ID, ruleWord(egress), ref.GroupID, r.missingText(apiSecurityGroups, ref.GroupID, "security group")))
				case target.region.gap(apiInstances, "") != nil:
					rule.unknown = append(rule.unknown, fmt.Sprintf("%s (in %s) references %s, whose members are unknown: %s", g.ID, ruleWord(egress), ref.GroupID, target.region.gapText(target.region.gap(apiInstances, ""))))
				}
				if m := e.members[ref.GroupID]; m != nil {
					for f := range m {
						spans[f] = append(spans[f], m[f]...)
					}
				}
			}
			rule.addrs = [2]aset{normalizeSet(spans[v4]), normalizeSet(spans[v6])}
			slices.Sort(named)
			rule.desc = sgRuleDesc(egress, proto, rule.ports, slices.Compact(named))
			rule.refs = sortedUnique(rule.refs)
			rule.unknown = sortedUnique(rule.unknown)
			out = append(out, rule)
		}
		// Which rule a path credits must not depend on the order AWS
		// listed them in.
		slices.SortFunc(out, func(a, b *sgRule) int {
			return cmp.Or(cmp.Compare(a.proto, b.proto), cmp.Compare(a.ports.lo, b.ports.lo), cmp.Compare(a.ports.hi, b.ports.hi), cmp.Compare(a.desc, b.desc))
		})
		return out
	}
	info.in = compile(g.Ingress, false)
	info.out = compile(g.Egress, true)
}

func ruleWord(egress bool) string {
	if egress {
		return "an egress rule"
	}
	return "an ingress rule"
}

// sgRuleDesc renders a permission: "egress rule allows tcp/443 to
// 10.0.0.0/16, pl-0ab…".
func sgRuleDesc(egress bool, proto int, ports pspan, named []string) string {
	dir, prep := "ingress", "from"
	if egress {
		dir, prep = "egress", "to"
	}
	traffic := protoName(proto)
	if proto != protoAny && hasPorts(proto) && ports != allPorts {
		traffic = trafficText(proto, ports, true)
	}
	const show = 4
	list := strings.Join(named[:min(len(named), show)], ", ")
	if len(named) > show {
		list += " and " + strconv.Itoa(len(named)-show) + " more"
	}
	return fmt.Sprintf("%s rule allows %s %s %s", dir, traffic, prep, list)
}

// classify gives an interface its equivalence class: interfaces of one
// class get the same answer to every query, except for the names and
// addresses the answer quotes.
func (e *Engine) classify(x *eni) {
	var b strings.Builder
	fmt.Fprintf(&b, "%s|%s|%s|%s|%s|%t", x.region.account, x.region.name, x.vpc, x.subnet.id, x.az, x.public)
	b.WriteString("|" + strings.Join(x.sgs, ","))
	for f := range x.has {
		if !x.has[f] {
			b.WriteString("|-")
			continue
		}
		k := addrKey{family(f), x.addr[f]}
		atom, _ := slices.BinarySearchFunc(e.bounds[f], x.addr[f], u128.cmp)
		if atom < len(e.bounds[f]) && e.bounds[f][atom] == x.addr[f] {
			atom++ // an address equal to an edge starts the next stretch
		}
		fmt.Fprintf(&b, "|%d|%s", atom, strings.Join(e.ipGroups[k], ","))
	}
	key := b.String()
	id, ok := e.classes[key]
	if !ok {
		id = int32(len(e.classes))
		e.classes[key] = id
	}
	x.class = id
}
