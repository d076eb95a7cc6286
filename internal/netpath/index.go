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
	// bounds are the edges of every CIDR the snapshot names in each
	// region (by name, across accounts), by family; two addresses of a
	// region between the same edges are alike to every rule and route a
	// packet from there meets (paths never cross regions: a route out of
	// the VPC ends the walk).
	bounds map[string]*[2][]u128
	// protos are the protocols an "all" query must check, by family.
	protos [2][]int
	// instancesGap is set when some region's instances could not be read,
	// so an unknown id may be one the snapshot could not see.
	instancesGap bool

	// hosts are the interface addresses of each VPC, in address order:
	// who receives what the local route delivers.
	hosts map[hostKey][]hostAddr

	classes map[string]int32
	// memos hold, by the source's region name, the memoised answers:
	// Reach's (memoKey → Verdict with placeholders) and ReachVerdict's,
	// per brief class (eni.brief) and without a path. places are the
	// destinations' classes without their groups (eni.place).
	memos          sync.Map // region name → *regionMemo
	briefs, places map[string]int32
}

// regionMemo is the memo of the answers about sources of one region.
type regionMemo struct{ full, brief sync.Map }

// memoOf returns the memo of a region's sources.
func (e *Engine) memoOf(region string) *regionMemo {
	if m, ok := e.memos.Load(region); ok {
		return m.(*regionMemo)
	}
	m, _ := e.memos.LoadOrStore(region, &regionMemo{})
	return m.(*regionMemo)
}

// Forget drops the memoised answers about sources in the region (by
// name, every account's), for a caller that has asked all it had to ask
// about it and wants the memory back. Later questions are answered as
// before, by walking their paths again.
func (e *Engine) Forget(region string) { e.memos.Delete(region) }

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
	// brief is the interface's class as a source of ReachVerdict, whose
	// answers leave out the path: coarser than class when its groups
	// admit every packet out (see classify). place is its class without
	// its groups, which tells destinations apart until the path meets
	// their groups.
	brief, place int32
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
		members: map[string]*[2]aset{}, ipGroups: map[addrKey][]string{}, classes: map[string]int32{}, briefs: map[string]int32{},
		places: map[string]int32{},
		hosts:  map[hostKey][]hostAddr{},
	}
	if s == nil {
		return e
	}
	cidrs := map[string]*[2][]span{}
	var in *[2][]span // the region being read
	addCIDR := func(c string) {
		if p, ok := parsePrefix(c); ok {
			in[p.fam] = append(in[p.fam], p.sp)
		}
	}
	regionCIDRs := func(name string) *[2][]span {
		if cidrs[name] == nil {
			cidrs[name] = &[2][]span{}
		}
		return cidrs[name]
	}
	named := map[int]bool{}
	for ai := range s.Accounts {
		acct := &s.Accounts[ai]
		for ri := range acct.Regions {
			reg := &acct.Regions[ri]
			r := e.indexRegion(acct.ID, reg, s.Gaps)
			e.regions = append(e.regions, r)
			in = regionCIDRs(reg.Name)
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
			in = regionCIDRs(reg.Name)
			for ti := range reg.RouteTables {
				for _, c := range e.compileRoutes(r, &reg.RouteTables[ti]).cidrs {
					addCIDR(c)
				}
			}
		}
	}
	e.bounds = make(map[string]*[2][]u128, len(cidrs))
	for name, rc := range cidrs {
		bs := &[2][]u128{}
		for f := range rc {
			var b []u128
			for _, sp := range rc[f] {
				b = append(b, sp.lo)
				if sp.hi != maxAddr(family(f)) {
					b = append(b, sp.hi.next())
				}
			}
			slices.SortFunc(b, u128.cmp)
			bs[f] = slices.Compact(b)
		}
		e.bounds[name] = bs
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
	// Group references matter to an interface's class only where a rule
	// that a packet from it can meet names them: the rules of its own
	// region's groups.
	refs := map[string]map[string]bool{}
	for _, g := range e.sgs {
		if refs[g.region.name] == nil {
			refs[g.region.name] = map[string]bool{}
		}
		for _, r := range append(slices.Clone(g.in), g.out...) {
			for _, ref := range r.refs {
				refs[g.region.name][ref] = true
			}
		}
	}
	for _, n := range sortedKeys(e.enis) {
		e.classify(e.enis[n], refs[e.enis[n].region.name])
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

// atom is the stretch of its region's address space (between two edges of
// bounds) that x's address of family f lies in.
func (e *Engine) atom(x *eni, f family) int {
	var edges []u128
	if bs := e.bounds[x.region.name]; bs != nil {
		edges = bs[f]
	}
	atom, _ := slices.BinarySearchFunc(edges, x.addr[f], u128.cmp)
	if atom < len(edges) && edges[atom] == x.addr[f] {
		atom++ // an address equal to an edge starts the next stretch
	}
	return atom
}

// classify gives an interface its equivalence class: interfaces of one
// class get the same answer to every query, except for the names and
// addresses the answer quotes. referenced are the groups that rules of the
// interface's region reference: of the groups holding its address, only
// those can tell it apart.
//
// It also gives the interface its brief class, for the answers of
// ReachVerdict: the same, except that when its groups admit every packet to
// every address (of IPv4, and of IPv6 if it has an IPv6 address: a family
// it lacks is blocked before its groups are met), the groups are left out.
// The source's groups are then met only at the first stage of a path, which
// they pass whatever the traffic, naming nothing but in the path;
// everything else a path from the interface meets (its subnet's ACL and
// routes, gateways, the destination's ACL and groups) sees only its subnet,
// its public address, the stretch of its address and the referenced groups
// that hold it, all in the brief class. Its place is its class without its
// groups: as destinations, interfaces of one place are alike until a path
// meets their groups.
func (e *Engine) classify(x *eni, referenced map[string]bool) {
	var head, tail strings.Builder
	fmt.Fprintf(&head, "%s|%s|%s|%s|%s|%t", x.region.account, x.region.name, x.vpc, x.subnet.id, x.az, x.public)
	for f := range x.has {
		if !x.has[f] {
			tail.WriteString("|-")
			continue
		}
		var held []string
		for _, g := range e.ipGroups[addrKey{family(f), x.addr[f]}] {
			if referenced[g] {
				held = append(held, g)
			}
		}
		fmt.Fprintf(&tail, "|%d|%s", e.atom(x, family(f)), strings.Join(held, ","))
	}
	groups := "|" + strings.Join(x.sgs, ",")
	id := func(classes map[string]int32, key string) int32 {
		id, ok := classes[key]
		if !ok {
			id = int32(len(classes))
			classes[key] = id
		}
		return id
	}
	x.class = id(e.classes, head.String()+groups+tail.String())
	if e.admitsAll(x.sgs, v4) && (!x.has[v6] || e.admitsAll(x.sgs, v6)) {
		groups = "|*"
	}
	x.brief = id(e.briefs, head.String()+groups+tail.String())
	x.place = id(e.places, head.String()+tail.String())
}
