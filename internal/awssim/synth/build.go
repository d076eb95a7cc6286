package synth

import (
	"fmt"
	"net/netip"
	"strconv"
	"time"
)

// buildAccounts picks the accounts' ids, names and instance profiles.
func buildAccounts(o *Options) []*account {
	g := newRNG(o.Seed, "accounts")
	used := map[string]bool{}
	var out []*account
	for i := range o.Accounts {
		id := ""
		for id == "" || used[id] {
			id = fmt.Sprintf("%012d", 100000000000+g.r.Int64N(899999999999))
		}
		used[id] = true
		name := fmt.Sprintf("synth-%03d", i)
		if i == 0 {
			name = "synth-management"
		}
		a := &account{
			id: id, name: name, email: "aws+" + name + "@example.com", management: i == 0,
			joined: epoch.AddDate(-4, 0, 0).Add(time.Duration(i)*53*time.Hour + time.Duration(g.intn(86_400_000))*time.Millisecond),
		}
		mk := func(name, roleName string, share float64, policies ...[2]string) {
			a.profiles = append(a.profiles, &profile{
				name: name, id: "AIPA" + g.upper(17), arn: "arn:aws:iam::" + id + ":instance-profile/" + name,
				share: share,
				role: role{
					name: roleName, id: "AROA" + g.upper(17), arn: "arn:aws:iam::" + id + ":role/" + roleName,
					policies: policies,
				},
			})
		}
		mk("app-ssm-core", "app-ssm-core-role", 0.60, policySSMCore, policyCWAgent)
		mk("legacy-ec2-ssm", "legacy-ec2-ssm-role", 0.15, policyEC2RoleSSM)
		mk("app-s3-reader", "app-s3-reader-role", 0.10, policyS3ReadOnly)
		out = append(out, a)
	}
	return out
}

var (
	policySSMCore    = [2]string{"AmazonSSMManagedInstanceCore", "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"}
	policyEC2RoleSSM = [2]string{"AmazonEC2RoleforSSM", "arn:aws:iam::aws:policy/service-role/AmazonEC2RoleforSSM"}
	policyCWAgent    = [2]string{"CloudWatchAgentServerPolicy", "arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy"}
	policyS3ReadOnly = [2]string{"AmazonS3ReadOnlyAccess", "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"}
	policyDHMC       = [2]string{"AmazonSSMManagedEC2InstanceDefaultPolicy", "arn:aws:iam::aws:policy/AmazonSSMManagedEC2InstanceDefaultPolicy"}
)

// dhmcRoleName is the role Default Host Management Configuration uses.
const dhmcRoleName = "AWSSystemsManagerDefaultEC2InstanceManagementRole"

// corporate is the on-premises range management access comes from.
const corporate = "10.255.0.0/16"

// buildRegion generates one account-region.
func buildRegion(o *Options, acct *account, ai, ri int) (*region, error) {
	name := RegionCodes[ri]
	r := &region{o: o, acct: acct, name: name, g: newRNG(o.Seed, fmt.Sprintf("region/%d/%d", ai, ri)), groups: o.groups()}
	g := r.g
	for i := range 3 {
		r.azs[i] = name + string(rune('a'+i))
		r.azIDs[i] = fmt.Sprintf("%s-az%d", azPrefix[name], i+1)
	}
	r.dhmc = g.chance(0.4)
	if r.dhmc {
		acct.dhmcRole = true
	}
	r.s3PL = "pl-" + g.hex8()
	for range 3 + g.intn(4) {
		r.s3CIDRs = append(r.s3CIDRs, fmt.Sprintf("%d.%d.0.0/%d", []int{52, 3, 54, 16}[g.intn(4)], 2*g.intn(120), 15+g.intn(5)))
	}
	for v := range o.VPCs {
		r.vpcs = append(r.vpcs, r.buildVPC(v))
	}
	r.buildGroups()
	if err := r.buildInstances(); err != nil {
		return nil, fmt.Errorf("%s %s: %w", acct.id, name, err)
	}
	return r, nil
}

func (r *region) id(prefix string) string { return prefix + "-" + r.g.hex17() }

func (r *region) buildVPC(n int) *vpc {
	g := r.g
	second := n
	first := 10
	if n >= 250 {
		first, second = 172, 16+n-250
	}
	v := &vpc{
		n: n, id: r.id("vpc"), name: fmt.Sprintf("vpc-%02d", n),
		cidr:  netip.MustParsePrefix(fmt.Sprintf("%d.%d.0.0/16", first, second)),
		dhcp:  "dopt-" + g.hex17(),
		assoc: r.id("vpc-cidr-assoc"),
		igw:   r.id("igw"),
	}
	base := v.cidr.Addr().As4()
	for t := range numTiers {
		for az := range 3 {
			l := subnetLayout[t][az]
			p := netip.PrefixFrom(netip.AddrFrom4([4]byte{base[0], base[1], byte(l.third), 0}), l.bits)
			v.subnets[t][az] = &subnet{v: v, id: r.id("subnet"), tier: t, az: az, prefix: p}
		}
	}
	for az := range 3 {
		s := v.subnets[tierWeb][az]
		n := &nat{id: "nat-" + g.hex17(), alloc: r.id("eipalloc"), eni: r.id("eni"), s: s, publicIP: r.publicIP()}
		ip, _ := s.allocIP()
		n.privateIP = ip
		v.nats[az] = n
		v.rtbPrivate[az] = r.id("rtb")
	}
	v.rtbMain, v.rtbMainAsc, v.rtbPublic = r.id("rtb"), r.id("rtbassoc"), r.id("rtb")
	v.endpoint = r.id("vpce")
	v.aclDefault = r.id("acl")
	if g.chance(0.5) {
		v.aclData = r.id("acl")
	}
	return v
}

func (r *region) publicIP() string {
	g := r.g
	return fmt.Sprintf("%d.%d.%d.%d", []int{3, 18, 34, 52, 54}[g.intn(5)], 1+g.intn(254), 1+g.intn(254), 1+g.intn(254))
}

func tcp(from, to int) perm { return perm{proto: "tcp", from: from, to: to} }
func all() perm             { return perm{proto: "-1"} }

func (p perm) cidr(block, desc string) perm {
	p.cidrs = append(append([]cidr(nil), p.cidrs...), cidr{block, desc})
	return p
}

func (p perm) group(gr *group) perm {
	p.groups = append(append([]*group(nil), p.groups...), gr)
	return p
}

func (p perm) prefixList(id string) perm {
	p.pls = append(append([]string(nil), p.pls...), id)
	return p
}

func (r *region) addGroup(v *vpc, name, desc string) *group {
	gr := &group{v: v, id: r.id("sg"), name: name, desc: desc}
	v.sgs = append(v.sgs, gr)
	return gr
}

// buildGroups gives every VPC its structural groups, then spreads the
// remaining groups over the VPCs' tiers as per-service groups that admit
// their tier's upstream and, now and then, another service group.
func (r *region) buildGroups() {
	g := r.g
	egressAll := []perm{all().cidr("0.0.0.0/0", "")}
	for _, v := range r.vpcs {
		vc := v.cidr.String()
		v.sgDefault = r.addGroup(v, "default", "default VPC security group")
		v.sgDefault.ingress = []perm{all().group(v.sgDefault)}
		v.sgDefault.egress = egressAll
		v.sgMgmt = r.addGroup(v, "shared-management", "SSH and RDP from the corporate network")
		v.sgMgmt.ingress = []perm{tcp(22, 22).cidr(corporate, "corporate SSH"), tcp(3389, 3389).cidr(corporate, "corporate RDP")}
		v.sgMgmt.egress = egressAll
		v.sgMon = r.addGroup(v, "shared-monitoring", "metrics scraping from the monitoring hosts")
		v.sgMon.ingress = []perm{tcp(9100, 9100).group(v.sgMon), tcp(9100, 9100).cidr(corporate, "")}
		v.sgMon.egress = egressAll
		web := r.addGroup(v, "tier-web", "public web tier")
		web.ingress = []perm{tcp(443, 443).cidr("0.0.0.0/0", "HTTPS"), tcp(80, 80).cidr("0.0.0.0/0", "HTTP redirect")}
		web.egress = egressAll
		app := r.addGroup(v, "tier-app", "application tier")
		app.ingress = []perm{tcp(8080, 8080).group(web)}
		app.egress = egressAll
		data := r.addGroup(v, "tier-data", "data tier")
		data.ingress = []perm{tcp(5432, 5432).group(app), tcp(6379, 6379).group(app)}
		data.egress = []perm{all().cidr(vc, "")}
		v.sgTier = [numTiers]*group{web, app, data}
		v.sgTM = r.addGroup(v, "alertlogic-threat-manager", "Alert Logic Threat Manager appliance")
		v.sgTM.ingress = []perm{tcp(7777, 7777).cidr(vc, "agents to appliance"), tcp(443, 443).cidr(vc, "agents to appliance")}
		v.sgTM.egress = []perm{
			tcp(443, 443).cidr("0.0.0.0/0", "Alert Logic data center"),
			tcp(4138, 4138).cidr("204.110.218.96/27", "Alert Logic data center").cidr("204.110.219.96/27", "Alert Logic data center"),
			perm{proto: "udp", from: 53, to: 53}.cidr("0.0.0.0/0", "DNS"),
		}
	}
	extra := r.groups - structuralGroups*len(r.vpcs)
	for i := range extra {
		v := r.vpcs[i%len(r.vpcs)]
		t := (i / len(r.vpcs)) % numTiers
		port := 8000 + (i % 1000)
		gr := r.addGroup(v, fmt.Sprintf("svc-%s-%04d", tierNames[t], i), "service "+strconv.Itoa(i)+" in the "+tierNames[t]+" tier")
		var in perm
		switch t {
		case tierWeb:
			in = tcp(port, port).cidr("0.0.0.0/0", "")
		case tierApp:
			in = tcp(port, port).group(v.sgTier[tierWeb])
		default:
			in = tcp(port, port).group(v.sgTier[tierApp])
		}
		gr.ingress = []perm{in}
		if g.chance(0.3) {
			gr.ingress = append(gr.ingress, tcp(22, 22).cidr(corporate, ""))
		}
		if prev := v.services[t]; len(prev) > 0 && g.chance(0.4) {
			peer := prev[g.intn(len(prev))]
			gr.ingress = append(gr.ingress, tcp(port, port).group(peer))
		}
		if g.chance(0.05) {
			// A careless rule: SSH from anywhere.
			gr.ingress = append(gr.ingress, tcp(22, 22).cidr("0.0.0.0/0", ""))
		}
		gr.egress = []perm{all().cidr("0.0.0.0/0", "")}
		if t == tierApp && g.chance(0.2) {
			gr.egress = append(gr.egress, tcp(443, 443).prefixList(r.s3PL))
		}
		v.services[t] = append(v.services[t], gr)
	}
}

// buildInstances places the appliances (two per VPC, in two Availability
// Zones or, in about a quarter of the VPCs, both in one, leaving two
// zones without one) and spreads the other instances over VPCs, tiers and
// zones.
func (r *region) buildInstances() error {
	o, g := r.o, r.g
	perVPC := make([]int, len(r.vpcs))
	for i := range o.Instances - 2*len(r.vpcs) {
		perVPC[i%len(r.vpcs)]++
	}
	launchBase := epoch.AddDate(-1, 0, 0)
	for vi, v := range r.vpcs {
		azs := [2]int{0, 1}
		if g.chance(0.25) {
			azs[1] = 0
		}
		for k, az := range azs {
			in := &instance{
				name: fmt.Sprintf("alertlogic-tm-%s-%d", v.name, k+1), s: v.subnets[tierWeb][az], tier: tierWeb,
				appliance: true, groups: []*group{v.sgTM}, itype: "c5.xlarge",
				launch: launchBase.Add(time.Duration(g.intn(200*24)) * time.Hour),
			}
			if err := r.place(in, true); err != nil {
				return err
			}
		}
		for k := range perVPC[vi] {
			t := tierApp
			switch x := g.intn(100); {
			case x < 15:
				t = tierWeb
			case x >= 75:
				t = tierData
			}
			in := &instance{
				name: fmt.Sprintf("%s-%s-%05d", v.name, tierNames[t], k), s: v.subnets[t][g.intn(3)], tier: t,
				itype:  instanceTypes[g.intn(len(instanceTypes))],
				launch: launchBase.Add(time.Duration(g.intn(360*24*60)) * time.Minute),
			}
			in.groups = []*group{v.sgTier[t], v.sgMgmt}
			if g.chance(0.5) {
				in.groups = append(in.groups, v.sgMon)
			}
			if svc := v.services[t]; len(svc) > 0 {
				in.groups = append(in.groups, svc[g.intn(len(svc))])
			}
			r.decideOS(in)
			if err := r.place(in, t == tierWeb && g.chance(0.6)); err != nil {
				return err
			}
		}
	}
	return nil
}

// decideOS picks the platform, kernel, state, SSM registration and
// profile of a workload instance.
func (r *region) decideOS(in *instance) {
	o, g := r.o, r.g
	in.stopped = g.chance(o.StoppedShare)
	in.windows = g.chance(o.WindowsShare)
	if in.windows {
		w := windowsReleases[g.intn(len(windowsReleases))]
		in.winName, in.winVersion = w.name, w.version
	} else {
		in.platform = pickPlatform(g, o.Catalog)
		p := in.platform
		if len(p.Unlisted) == 0 || g.chance(o.ListedShare) {
			in.kernels = []string{p.Listed[g.intn(len(p.Listed))]}
			in.listed = true
		} else {
			in.kernels = []string{p.Unlisted[g.intn(len(p.Unlisted))]}
		}
		if g.chance(0.03) {
			// An upgrade installed but not yet booted: two kernel packages,
			// which inventory alone cannot decide between.
			other := p.Listed[g.intn(len(p.Listed))]
			if other != in.kernels[0] {
				in.kernels = append(in.kernels, other)
			}
		}
	}
	if g.chance(o.SSMCoverage) {
		in.ssm = ssmOnline
		if in.stopped || g.chance(0.04) {
			in.ssm = ssmLost
		}
		in.agent = agentVersions[g.intn(len(agentVersions))]
		in.inventory = !in.windows && !g.chance(0.02)
	}
	x := g.r.Float64()
	for _, p := range r.acct.profiles {
		if x < p.share {
			in.profile = p
			break
		}
		x -= p.share
	}
}

// pickPlatform draws a Linux platform, common families more often.
func pickPlatform(g *rng, c *Catalog) *Platform {
	total := 0
	for _, p := range c.Platforms {
		total += max(familyWeight[p.Family], 1)
	}
	x := g.intn(total)
	for i := range c.Platforms {
		w := max(familyWeight[c.Platforms[i].Family], 1)
		if x < w {
			return &c.Platforms[i]
		}
		x -= w
	}
	return &c.Platforms[len(c.Platforms)-1]
}

// place gives an instance its ids and address and files it in a
// reservation: consecutive instances of a subnet share one now and then.
func (r *region) place(in *instance, public bool) error {
	g := r.g
	ip, err := in.s.allocIP()
	if err != nil {
		return err
	}
	in.ip = ip
	if public {
		in.publicIP = r.publicIP()
	}
	in.id = r.id("i")
	in.eni, in.eniAttach, in.vol = r.id("eni"), r.id("eni-attach"), r.id("vol")
	in.mac = fmt.Sprintf("0e:%02x:%02x:%02x:%02x:%02x", g.intn(256), g.intn(256), g.intn(256), g.intn(256), g.intn(256))
	if n := len(r.insts); n > 0 && r.insts[n-1].s == in.s && !in.appliance && !r.insts[n-1].appliance && g.chance(0.3) {
		prev := r.insts[n-1]
		in.res, in.token, in.launch = prev.res, prev.token, prev.launch
	} else {
		in.res, in.token = r.id("r"), g.uuid()
		r.resCount++
	}
	r.insts = append(r.insts, in)
	return nil
}
