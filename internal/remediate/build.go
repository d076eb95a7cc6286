package remediate

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/pdr-audit/pdr-audit/internal/config"
	"github.com/pdr-audit/pdr-audit/internal/finding"
	"github.com/pdr-audit/pdr-audit/internal/model"
	"github.com/pdr-audit/pdr-audit/internal/netpath"
)

// CorePolicyARN is the AWS managed policy the SSM Agent needs.
const CorePolicyARN = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"

// RuleInfo is what the planner needs of a rule: its METADATA.
type RuleInfo struct {
	// Remediation is the rule's custom.remediation: an Action or "manual".
	Remediation string
	// Help is the rule's help text; its "**To fix:**" paragraph becomes
	// the manual step of a skipped failure.
	Help string
}

// Options configure Build.
type Options struct {
	// Rules maps rule ids to their METADATA. A failure of a rule not in
	// it is skipped.
	Rules map[string]RuleInfo
	// Config supplies the remediation section and how appliances are
	// recognized.
	Config *config.Config
	// AllowHighRisk plans deploy-appliance changes; without it they are
	// skipped.
	AllowHighRisk bool
	// SSMServices are the SSM endpoints instances must reach (the
	// profile's ssm_services); default ssm, ec2messages, ssmmessages.
	SSMServices []string
	ToolVersion string
	Profile     string
	// SnapshotDigest is Digest of the snapshot's file.
	SnapshotDigest string
	// Now stamps the plan.
	Now time.Time
}

// ErrUnknownAction is wrapped when a rule names a remediation this
// package does not know.
var ErrUnknownAction = errors.New("unknown remediation action")

// maxSteps bounds the fixes one blocked path may need (a security group,
// then the network ACLs on both sides with their replies, then the
// destination's group).
const maxSteps = 12

// Build plans the changes that fix the failures in results. It reads only
// its arguments: no AWS call. The snapshot is not modified.
func Build(snap *model.Snapshot, results []finding.Result, opts Options) (*Plan, error) {
	if opts.Config == nil {
		opts.Config = config.Default()
	}
	if len(opts.SSMServices) == 0 {
		opts.SSMServices = []string{"ssm", "ec2messages", "ssmmessages"}
	}
	work, err := cloneSnapshot(snap)
	if err != nil {
		return nil, err
	}
	p := &planner{opts: opts, work: work, changes: map[string]*Change{}, unfixed: map[string]bool{}, dedicated: map[string]string{}}
	p.index()

	var fails []finding.Result
	for _, r := range results {
		if r.Status == finding.Fail {
			fails = append(fails, r)
		}
	}
	finding.Sort(fails)
	// Appliances first: the paths of other rules do not depend on them,
	// but the skipped reasons of "no appliance" failures point at them.
	var appliance, network, iam []finding.Result
	for _, r := range fails {
		info, ok := opts.Rules[r.RuleID]
		if !ok {
			p.skip(r, "the rule's METADATA is not known to the planner", "")
			continue
		}
		switch Action(info.Remediation) {
		case DeployAppliance:
			appliance = append(appliance, r)
		case AddSecurityGroupRules, AddNetworkACLEntries, CreateSSMEndpoints:
			network = append(network, r)
		case AttachSSMPolicy, AssociateInstanceProfile:
			iam = append(iam, r)
		case Manual:
			p.skip(r, "no automatic change fixes this", manualStep(info.Help))
		default:
			return nil, fmt.Errorf("rule %s: %w %q", r.RuleID, ErrUnknownAction, info.Remediation)
		}
	}
	p.planAppliances(appliance)
	for _, r := range network {
		p.planNetwork(r)
	}
	for _, r := range iam {
		p.planIAM(r)
	}
	return p.plan(snap), nil
}

// manualStep is the "**To fix:**" paragraph of a rule's help, on one line.
func manualStep(help string) string {
	_, after, ok := strings.Cut(help, "**To fix:**")
	if !ok {
		return "see the rule's help (pdr-audit rules show)"
	}
	if i := strings.Index(after, "\n\n"); i >= 0 {
		after = after[:i]
	}
	return strings.Join(strings.Fields(after), " ")
}

// planner holds the working copy of the snapshot that planned changes are
// applied to, so each next question is answered as if the earlier changes
// had been made.
type planner struct {
	opts    Options
	work    *model.Snapshot
	engine  *netpath.Engine // nil when the working copy changed
	changes map[string]*Change
	order   []string
	skipped []Skipped
	planned int // placeholder ids handed out
	// unfixed are the results (keys) some of whose problems no change
	// fixes: a change lists them as motivation, never as fixed.
	unfixed map[string]bool
	// dedicated maps a dedicated group's change key to its placeholder id.
	dedicated map[string]string

	instances map[string]*instRef // instance id → where it is
	groups    map[string]*model.SecurityGroup
	acls      map[string]*model.NetworkACL
	regions   map[string]*model.Region // account|region
}

type instRef struct {
	account string
	region  *model.Region
	inst    *model.Instance
}

func (p *planner) index() {
	p.instances = map[string]*instRef{}
	p.groups = map[string]*model.SecurityGroup{}
	p.acls = map[string]*model.NetworkACL{}
	p.regions = map[string]*model.Region{}
	for ai := range p.work.Accounts {
		a := &p.work.Accounts[ai]
		for ri := range a.Regions {
			r := &a.Regions[ri]
			p.regions[a.ID+"|"+r.Name] = r
			for i := range r.Instances {
				p.instances[r.Instances[i].ID] = &instRef{a.ID, r, &r.Instances[i]}
			}
			for i := range r.SecurityGroups {
				p.groups[r.SecurityGroups[i].ID] = &r.SecurityGroups[i]
			}
			for i := range r.NetworkACLs {
				p.acls[r.NetworkACLs[i].ID] = &r.NetworkACLs[i]
			}
		}
	}
}

func (p *planner) net() *netpath.Engine {
	if p.engine == nil {
		p.engine = netpath.New(p.work)
	}
	return p.engine
}

// changed records that the working copy changed: indexes and the
// reachability engine are rebuilt on next use.
func (p *planner) changed() {
	p.engine = nil
	p.index()
}

func (p *planner) skip(r finding.Result, reason, manual string) {
	p.unfixed[r.Key()] = true
	p.skipped = append(p.skipped, Skipped{RuleID: r.RuleID, Account: r.Account, Region: r.Region,
		Resource: r.ResourceID, Reason: reason, Manual: manual})
}

// change returns the change for key, creating it with mk.
func (p *planner) change(key string, mk func() *Change) *Change {
	if c, ok := p.changes[key]; ok {
		return c
	}
	c := mk()
	p.changes[key] = c
	p.order = append(p.order, key)
	return c
}

func (c *Change) motivatedBy(r finding.Result) {
	if !slices.Contains(c.RuleIDs, r.RuleID) {
		c.RuleIDs = append(c.RuleIDs, r.RuleID)
	}
	if !slices.Contains(c.Fixes, r.Key()) {
		c.Fixes = append(c.Fixes, r.Key())
	}
}

// ---------------------------------------------------------------------------
// Network paths: security group rules, network ACL entries, SSM endpoints.

func (p *planner) planNetwork(r finding.Result) {
	info := p.opts.Rules[r.RuleID]
	if len(r.BlockedPaths) == 0 {
		p.skip(r, r.Message, manualStep(info.Help))
		return
	}
	for _, q := range r.BlockedPaths {
		if reason := p.openPath(r, Action(info.Remediation), q); reason != "" {
			p.skip(r, fmt.Sprintf("%s %s/%d → %s: %s", q.From, q.Proto, q.Port, q.To, reason), manualStep(info.Help))
			return
		}
	}
}

// openPath plans changes until the path is allowed, or says why it cannot.
func (p *planner) openPath(r finding.Result, action Action, q finding.Path) string {
	query := netpath.Query{From: q.From, To: q.To, Proto: q.Proto, Port: q.Port}
	for range maxSteps {
		v := p.net().Reach(query)
		switch v.Verdict {
		case netpath.Allowed:
			return ""
		case netpath.Unknown:
			return "the path cannot be evaluated: " + strings.Join(v.Missing, "; ")
		}
		c := v.BlockedBy
		if c == nil {
			return "the path is blocked and no component is named"
		}
		var reason string
		switch c.Kind {
		case netpath.KindSecurityGroup:
			reason = p.fixGroup(r, q, c)
		case netpath.KindNetworkACL:
			reason = p.fixACL(r, q, c)
		case netpath.KindRouteTable, netpath.KindInternetGateway, netpath.KindNATGateway:
			if action == CreateSSMEndpoints && strings.HasPrefix(q.To, "service:") {
				reason = p.planEndpoints(r, q)
			} else {
				reason = "needs a route change (" + c.Reason + "), which pdr-audit does not plan"
			}
		default:
			reason = c.Reason
		}
		if reason != "" {
			return reason
		}
	}
	return fmt.Sprintf("still blocked after %d planned changes", maxSteps)
}

// source is the query's source instance.
func (p *planner) source(q finding.Path) *instRef { return p.instances[q.From] }

// vpcBlock is the CIDR block of vpc holding addr, or addr/32.
func (p *planner) vpcBlock(r *model.Region, vpcID, addr string) string {
	a, err := netip.ParseAddr(addr)
	if err != nil {
		return addr
	}
	for _, v := range r.VPCs {
		if v.ID != vpcID {
			continue
		}
		for _, b := range v.CIDRBlocks {
			if pfx, err := netip.ParsePrefix(b); err == nil && pfx.Contains(a) {
				return pfx.Masked().String()
			}
		}
	}
	return netip.PrefixFrom(a, a.BitLen()).String()
}

// srcPeer is the CIDR standing for the query's source: the VPC block of
// its address, so one rule admits every instance of the VPC.
func (p *planner) srcPeer(q finding.Path) (string, bool) {
	s := p.source(q)
	if s == nil || s.inst.PrivateIP == "" {
		return "", false
	}
	return p.vpcBlock(s.region, s.inst.VPCID, s.inst.PrivateIP), true
}

// dstPeer is the CIDR standing for the query's destination.
func (p *planner) dstPeer(q finding.Path) (string, bool) {
	s := p.source(q)
	if s == nil {
		return "", false
	}
	switch {
	case q.To == "internet":
		return "0.0.0.0/0", true
	case strings.HasPrefix(q.To, "service:"):
		svc := p.serviceName(s.region.Name, strings.TrimPrefix(q.To, "service:"))
		for _, ep := range s.region.VPCEndpoints {
			if ep.VPCID == s.inst.VPCID && ep.ServiceName == svc && ep.PrivateDNSEnabled && strings.EqualFold(ep.Type, "Interface") {
				for _, v := range s.region.VPCs {
					if v.ID == s.inst.VPCID && len(v.CIDRBlocks) > 0 {
						return v.CIDRBlocks[0], true
					}
				}
			}
		}
		return "0.0.0.0/0", true
	case strings.HasPrefix(q.To, "i-"):
		d := p.instances[q.To]
		if d == nil || d.inst.PrivateIP == "" {
			return "", false
		}
		if d.inst.VPCID == s.inst.VPCID {
			return p.vpcBlock(s.region, s.inst.VPCID, d.inst.PrivateIP), true
		}
		return d.inst.PrivateIP + "/32", true
	}
	if pfx, err := netip.ParsePrefix(q.To); err == nil {
		return pfx.Masked().String(), true
	}
	if a, err := netip.ParseAddr(q.To); err == nil {
		return netip.PrefixFrom(a, a.BitLen()).String(), true
	}
	return "", false
}

func (p *planner) serviceName(region, svc string) string {
	return "com.amazonaws." + region + "." + svc
}

// protoName is the security group protocol of a flow.
func protoName(q finding.Path, t *netpath.Traffic) string {
	if q.Proto == netpath.All || t == nil || t.Proto == -1 {
		return "-1"
	}
	switch t.Proto {
	case 6:
		return "tcp"
	case 17:
		return "udp"
	case 1:
		return "icmp"
	}
	return fmt.Sprint(t.Proto)
}

// fixGroup adds the security group rule that admits the blocked flow.
func (p *planner) fixGroup(r finding.Result, q finding.Path, c *netpath.Component) string {
	var candidates []string
	var peer string
	var ok bool
	var inst *instRef // the instance whose groups decide; nil for an endpoint
	if c.Direction == netpath.Egress {
		inst = p.source(q)
		if inst == nil {
			return "the source instance is not in the snapshot"
		}
		candidates = primaryGroups(inst.inst)
		peer, ok = p.dstPeer(q)
	} else {
		if inst = p.instances[q.To]; inst != nil {
			candidates = primaryGroups(inst.inst)
		} else {
			candidates = []string{c.ID}
		}
		peer, ok = p.srcPeer(q)
	}
	if !ok {
		return "cannot tell the address to admit"
	}
	rule := SGRule{Direction: c.Direction, Protocol: protoName(q, c.Traffic), CIDR: peer,
		Description: fmt.Sprintf("%s %s (pdr-audit)", r.RuleID, strings.ToLower(q.Proto)+portText(q))}
	if rule.Protocol != "-1" && c.Traffic != nil {
		rule.FromPort, rule.ToPort = c.Traffic.FromPort, c.Traffic.ToPort
		if rule.Protocol == "icmp" {
			rule.FromPort, rule.ToPort = c.Traffic.FromPort>>8, -1
		}
	}
	if p.opts.Config.Remediation.SecurityGroups == config.GroupsDedicated && inst != nil {
		return p.fixDedicated(r, inst, rule)
	}
	gid := p.chooseGroup(candidates)
	g := p.groups[gid]
	if g == nil {
		return fmt.Sprintf("%s is not in the snapshot", gid)
	}
	if strings.HasPrefix(g.ID, plannedPrefix) {
		return fmt.Sprintf("%s is a group this plan creates and it still blocks", g.ID)
	}
	perm := rule.permission()
	list := &g.Ingress
	if rule.Direction == netpath.Egress {
		list = &g.Egress
	}
	if reason := hasRule(g, *list, rule.Direction, perm); reason != "" {
		return reason
	}
	key := "sg|" + g.ID
	ch := p.change(key, func() *Change {
		before := groupState(g)
		account, region := p.placeOfGroup(g.ID)
		return &Change{Action: AddSecurityGroupRules, Account: account, Region: region,
			Resource: Ref{Type: "security-group", ID: g.ID}, Risk: RiskLow,
			Before: before, BlastRadius: p.groupUsers(g.ID),
			SecurityGroup: &SecurityGroupChange{GroupID: g.ID, VPCID: g.VPCID}}
	})
	*list = append(*list, perm)
	ch.SecurityGroup.Rules = append(ch.SecurityGroup.Rules, rule)
	ch.After = groupState(g)
	ch.motivatedBy(r)
	p.changed()
	return ""
}

// hasRule says why adding perm is no fix when the group already has it.
func hasRule(g *model.SecurityGroup, list []model.Permission, dir string, perm model.Permission) string {
	line := permissionLine(dir, perm)
	for _, have := range list {
		if slices.Contains(permissionLines(dir, have), line) {
			return fmt.Sprintf("%s already has %q and still blocks", g.ID, line)
		}
	}
	return ""
}

// fixDedicated adds the rule to the dedicated PDR group of the instance's
// VPC and role (agents or appliances), planning the group and its
// attachment to the instance the first time.
func (p *planner) fixDedicated(r finding.Result, inst *instRef, rule SGRule) string {
	if len(inst.inst.NetworkInterfaces) > 1 {
		return "the instance has several network interfaces, and pdr-audit attaches a dedicated group to single-interface instances only (use remediation.security_groups: existing)"
	}
	role := "agents"
	if p.isAppliance(inst.inst) {
		role = "appliances"
	}
	vpc := inst.inst.VPCID
	name := "pdr-" + role + "-" + vpc
	key := "dsg|" + inst.account + "|" + inst.region.Name + "|" + name
	id, ok := p.dedicated[key]
	if !ok {
		for _, g := range inst.region.SecurityGroups {
			if g.VPCID == vpc && g.Name == name {
				return fmt.Sprintf("a group named %s already exists in %s (%s): attach it, or use remediation.security_groups: existing", name, vpc, g.ID)
			}
		}
		p.planned++
		id = fmt.Sprintf("%ssg-%d", plannedPrefix, p.planned)
		p.dedicated[key] = id
		ng := &NewSecurityGroup{Name: name, Description: "PDR paths of the " + role + " of " + vpc + " (pdr-audit)"}
		inst.region.SecurityGroups = append(inst.region.SecurityGroups, model.SecurityGroup{ID: id, Name: ng.Name,
			Description: ng.Description, VPCID: vpc, OwnerID: inst.account})
		p.change(key, func() *Change {
			return &Change{Action: AddSecurityGroupRules, Account: inst.account, Region: inst.region.Name,
				Resource: Ref{Type: "vpc", ID: vpc}, Risk: RiskMedium,
				SecurityGroup: &SecurityGroupChange{VPCID: vpc, Create: ng}}
		})
		p.changed()
	}
	ch := p.changes[key]
	sg := ch.SecurityGroup
	groups := primaryGroups(inst.inst)
	if !slices.Contains(groups, id) {
		att := Attachment{InstanceID: inst.inst.ID, Groups: slices.Clone(groups)}
		for i := range inst.inst.NetworkInterfaces {
			n := &inst.inst.NetworkInterfaces[i]
			att.InterfaceID = n.ID
			n.SecurityGroupIDs = append(n.SecurityGroupIDs, id)
		}
		inst.inst.SecurityGroupIDs = append(inst.inst.SecurityGroupIDs, id)
		sg.AttachTo = append(sg.AttachTo, att)
		ch.BlastRadius = append(ch.BlastRadius, inst.inst.ID)
		slices.Sort(ch.BlastRadius)
	}
	g := p.groups[id]
	if g == nil {
		p.changed()
		g = p.groups[id]
	}
	perm := rule.permission()
	list := &g.Ingress
	if rule.Direction == netpath.Egress {
		list = &g.Egress
	}
	if hasRule(g, *list, rule.Direction, perm) == "" {
		*list = append(*list, perm)
		sg.Rules = append(sg.Rules, rule)
	}
	ch.Before, ch.After = DedicatedState(sg, nil, false), DedicatedState(sg, g, true)
	ch.motivatedBy(r)
	p.changed()
	return ""
}

func portText(q finding.Path) string {
	if q.Proto == netpath.TCP || q.Proto == netpath.UDP {
		return fmt.Sprintf("/%d", q.Port)
	}
	return ""
}

// primaryGroups are the groups of an instance's primary interface.
func primaryGroups(i *model.Instance) []string {
	for _, n := range i.NetworkInterfaces {
		if n.DeviceIndex == 0 && len(n.SecurityGroupIDs) > 0 {
			return n.SecurityGroupIDs
		}
	}
	return i.SecurityGroupIDs
}

// pdrPorts are the ports PDR's paths use: a group with rules on them is
// the one that "already carries the instance's PDR rules".
var pdrPorts = []int32{443, 7777, 4138, 123, 53}

// chooseGroup picks, among an interface's groups, the one to add rules to:
// the one already carrying the most PDR rules (or named for PDR), the
// first attached on a tie.
func (p *planner) chooseGroup(ids []string) string {
	best, bestScore := "", -1
	for _, id := range ids {
		g := p.groups[id]
		score := 0
		if g != nil {
			name := strings.ToLower(g.Name + " " + g.Tags["Name"])
			for _, word := range []string{"pdr", "alert logic", "alertlogic", "threat manager", "agent"} {
				if strings.Contains(name, word) {
					score += 10
				}
			}
			for _, perm := range slices.Concat(g.Ingress, g.Egress) {
				if perm.FromPort != nil && perm.ToPort != nil {
					for _, port := range pdrPorts {
						if *perm.FromPort <= port && port <= *perm.ToPort && *perm.ToPort-*perm.FromPort < 1000 {
							score++
						}
					}
				}
			}
		}
		if score > bestScore {
			best, bestScore = id, score
		}
	}
	return best
}

// groupUsers are the instances whose interfaces use the group.
// placeOf returns the account and region of the region holding a resource
// has reports true for.
func (p *planner) placeOf(has func(r *model.Region) bool) (account, region string) {
	for key, r := range p.regions {
		if has(r) {
			account, region, _ = strings.Cut(key, "|")
			return account, region
		}
	}
	return "", ""
}

func (p *planner) placeOfGroup(id string) (string, string) {
	return p.placeOf(func(r *model.Region) bool {
		return slices.ContainsFunc(r.SecurityGroups, func(g model.SecurityGroup) bool { return g.ID == id })
	})
}

func (p *planner) placeOfACL(id string) (string, string) {
	return p.placeOf(func(r *model.Region) bool {
		return slices.ContainsFunc(r.NetworkACLs, func(n model.NetworkACL) bool { return n.ID == id })
	})
}

func (p *planner) groupUsers(id string) []string {
	var out []string
	for iid, ref := range p.instances {
		uses := slices.Contains(ref.inst.SecurityGroupIDs, id)
		for _, n := range ref.inst.NetworkInterfaces {
			uses = uses || slices.Contains(n.SecurityGroupIDs, id)
		}
		if uses {
			out = append(out, iid)
		}
	}
	slices.Sort(out)
	return out
}

// fixACL adds the network ACL entry that admits the blocked flow, numbered
// before the first entry that denies it.
func (p *planner) fixACL(r finding.Result, q finding.Path, c *netpath.Component) string {
	acl := p.acls[c.ID]
	if acl == nil || c.Traffic == nil {
		return c.Reason
	}
	egress := c.Direction == netpath.Egress
	// The peer of the flow at this ACL: the source for a request coming in
	// or a reply going out, the destination otherwise.
	var peer string
	var ok bool
	if egress == c.Traffic.Reply {
		peer, ok = p.srcPeer(q)
	} else {
		peer, ok = p.dstPeer(q)
	}
	if !ok {
		return "cannot tell the address to admit"
	}
	proto := "-1"
	if q.Proto != netpath.All && c.Traffic.Proto != -1 {
		proto = fmt.Sprint(c.Traffic.Proto)
	}
	entry := ACLEntry{Egress: egress, Protocol: proto, CIDR: peer}
	if proto == "6" || proto == "17" {
		entry.FromPort, entry.ToPort = c.Traffic.FromPort, c.Traffic.ToPort
	}
	deny := firstDeny(acl, entry)
	n, ok := freeNumber(acl, egress, deny)
	if !ok {
		return fmt.Sprintf("%s has no free rule number below %d, the first entry that denies it (pdr-audit does not renumber)", acl.ID, deny)
	}
	entry.RuleNumber = n
	key := "acl|" + acl.ID
	ch := p.change(key, func() *Change {
		account, region := p.placeOfACL(acl.ID)
		return &Change{Action: AddNetworkACLEntries, Account: account, Region: region,
			Resource: Ref{Type: "network-acl", ID: acl.ID}, Risk: RiskLow,
			Before: aclState(acl), BlastRadius: p.aclUsers(acl),
			NetworkACL: &NetworkACLChange{ACLID: acl.ID, VPCID: acl.VPCID}}
	})
	acl.Entries = append(acl.Entries, entry.model())
	slices.SortFunc(acl.Entries, func(a, b model.NetworkACLEntry) int {
		return cmp.Or(boolCmp(a.Egress, b.Egress), cmp.Compare(a.RuleNumber, b.RuleNumber))
	})
	ch.NetworkACL.Entries = append(ch.NetworkACL.Entries, entry)
	ch.After = aclState(acl)
	ch.motivatedBy(r)
	p.changed()
	return ""
}

func boolCmp(a, b bool) int {
	switch {
	case a == b:
		return 0
	case !a:
		return -1
	}
	return 1
}

// firstDeny is the number of the first entry, in rule order, that denies
// some of the entry's traffic (32767, the "*" rule, when none does).
func firstDeny(acl *model.NetworkACL, e ACLEntry) int32 {
	entries := slices.Clone(acl.Entries)
	slices.SortFunc(entries, func(a, b model.NetworkACLEntry) int { return cmp.Compare(a.RuleNumber, b.RuleNumber) })
	peer, err := netip.ParsePrefix(e.CIDR)
	for _, x := range entries {
		if x.Egress != e.Egress || x.CIDRBlock == "" || !strings.EqualFold(x.RuleAction, "deny") {
			continue
		}
		if x.Protocol != "-1" && e.Protocol != "-1" && x.Protocol != e.Protocol {
			continue
		}
		if x.PortFrom != nil && x.PortTo != nil && (e.Protocol == "6" || e.Protocol == "17") &&
			(*x.PortTo < e.FromPort || *x.PortFrom > e.ToPort) {
			continue
		}
		if xp, err2 := netip.ParsePrefix(x.CIDRBlock); err == nil && err2 == nil && !xp.Overlaps(peer) {
			continue
		}
		return x.RuleNumber
	}
	return 32767
}

// freeNumber picks the rule number for a new entry placed before the entry
// numbered deny: the next multiple of 10 after the entries below deny if
// it is free and below deny, else the highest free number below deny.
func freeNumber(acl *model.NetworkACL, egress bool, deny int32) (int32, bool) {
	used := map[int32]bool{}
	var below int32
	for _, x := range acl.Entries {
		if x.Egress != egress {
			continue
		}
		used[x.RuleNumber] = true
		if x.RuleNumber < deny && x.RuleNumber > below {
			below = x.RuleNumber
		}
	}
	if n := (below/10 + 1) * 10; n < deny && n <= 32766 && !used[n] {
		return n, true
	}
	for n := min(deny-1, 32766); n >= 1; n-- {
		if !used[n] {
			return n, true
		}
	}
	return 0, false
}

// aclUsers are the instances in the subnets the ACL is associated with.
func (p *planner) aclUsers(acl *model.NetworkACL) []string {
	subnets := map[string]bool{}
	for _, a := range acl.Associations {
		subnets[a.SubnetID] = true
	}
	var out []string
	for id, ref := range p.instances {
		if subnets[ref.inst.SubnetID] {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}

// plannedPrefix marks the ids of resources this plan creates, in the
// working copy only.
const plannedPrefix = "planned-"

// planEndpoints plans the SSM interface endpoints of the source's VPC: one
// subnet per Availability Zone where its failing instances are.
func (p *planner) planEndpoints(r finding.Result, q finding.Path) string {
	s := p.source(q)
	if s == nil {
		return "the source instance is not in the snapshot"
	}
	reg, vpc := s.region, s.inst.VPCID
	var missing []string
	for _, svc := range p.opts.SSMServices {
		name := p.serviceName(reg.Name, svc)
		served := false
		for _, ep := range reg.VPCEndpoints {
			served = served || ep.VPCID == vpc && ep.ServiceName == name && strings.EqualFold(ep.Type, "Interface") &&
				ep.PrivateDNSEnabled && !strings.EqualFold(ep.State, "deleted")
		}
		if !served {
			missing = append(missing, name)
		}
	}
	if len(missing) == 0 {
		return "the VPC's endpoints exist and the path is still blocked at the route"
	}
	// One subnet per AZ: for each AZ of the VPC with instances, the subnet
	// of the smallest instance id there.
	byAZ := map[string]string{}
	var ids []string
	for _, inst := range reg.Instances {
		if inst.VPCID == vpc && inst.State == "running" && inst.SubnetID != "" {
			ids = append(ids, inst.ID)
		}
	}
	slices.Sort(ids)
	for _, id := range ids {
		inst := p.instances[id].inst
		if _, ok := byAZ[inst.AvailabilityZone]; !ok {
			byAZ[inst.AvailabilityZone] = inst.SubnetID
		}
	}
	subnets := slices.Sorted(maps.Values(byAZ))
	var cidrs []string
	for _, v := range reg.VPCs {
		if v.ID == vpc {
			cidrs = v.CIDRBlocks
		}
	}
	if len(cidrs) == 0 {
		return fmt.Sprintf("%s has no IPv4 CIDR in the snapshot", vpc)
	}
	sg := NewSecurityGroup{Name: "pdr-ssm-endpoints-" + vpc,
		Description: "SSM interface endpoints for PDR: HTTPS from the VPC (pdr-audit)"}
	for _, c := range cidrs {
		sg.Ingress = append(sg.Ingress, SGRule{Direction: netpath.Ingress, Protocol: "tcp", FromPort: 443, ToPort: 443,
			CIDR: c, Description: "HTTPS from the VPC to the SSM endpoints"})
	}
	p.planned++
	sgID := fmt.Sprintf("%ssg-%d", plannedPrefix, p.planned)
	group := model.SecurityGroup{ID: sgID, Name: sg.Name, Description: sg.Description, VPCID: vpc, OwnerID: s.account,
		Egress: []model.Permission{{Protocol: "-1", IPv4Ranges: []string{"0.0.0.0/0"}}}}
	for _, rule := range sg.Ingress {
		group.Ingress = append(group.Ingress, rule.permission())
	}
	before := endpointState(reg, vpc)
	reg.SecurityGroups = append(reg.SecurityGroups, group)
	for _, name := range missing {
		p.planned++
		reg.VPCEndpoints = append(reg.VPCEndpoints, model.VPCEndpoint{
			ID: fmt.Sprintf("%svpce-%d", plannedPrefix, p.planned), VPCID: vpc, Type: "Interface", ServiceName: name,
			State: "available", PrivateDNSEnabled: true, SubnetIDs: subnets, SecurityGroupIDs: []string{sgID},
		})
	}
	ch := p.change("vpce|"+vpc, func() *Change {
		return &Change{Action: CreateSSMEndpoints, Account: s.account, Region: reg.Name,
			Resource: Ref{Type: "vpc", ID: vpc}, Risk: RiskMedium, Before: before,
			Endpoints: &EndpointsChange{VPCID: vpc, Services: missing, SubnetIDs: subnets, SecurityGroup: sg, PrivateDNS: true}}
	})
	ch.After = endpointState(reg, vpc)
	ch.motivatedBy(r)
	p.changed()
	return ""
}

// ---------------------------------------------------------------------------
// IAM: instance profiles and the SSM policy.

func (p *planner) planIAM(r finding.Result) {
	info := p.opts.Rules[r.RuleID]
	ref := p.instances[r.ResourceID]
	if ref == nil {
		p.skip(r, "the instance is not in the snapshot", manualStep(info.Help))
		return
	}
	acct := p.account(ref.account)
	profileARN := ref.inst.IAMInstanceProfileARN
	if profileARN == "" {
		name := p.opts.Config.Remediation.InstanceProfile
		if name == "" {
			p.skip(r, "the instance has no instance profile and none is configured",
				"set remediation.instance_profile to an instance profile whose role has AmazonSSMManagedInstanceCore, or "+manualStep(info.Help))
			return
		}
		var prof *model.InstanceProfile
		for i := range acct.InstanceProfiles {
			if acct.InstanceProfiles[i].Name == name {
				prof = &acct.InstanceProfiles[i]
			}
		}
		if prof == nil {
			// The snapshot holds the profiles instances use: one no instance
			// of the account uses may not exist, and its role is unknown.
			p.skip(r, fmt.Sprintf("the configured instance profile %s is not in the snapshot of account %s (no instance uses it), so neither its existence nor its role can be checked", name, ref.account),
				"associate an instance profile whose role has AmazonSSMManagedInstanceCore (aws ec2 associate-iam-instance-profile)")
			return
		}
		ch := p.change("iip|"+ref.inst.ID, func() *Change {
			return &Change{Action: AssociateInstanceProfile, Account: ref.account, Region: ref.region.Name,
				Resource: Ref{Type: "instance", ID: ref.inst.ID}, Risk: RiskLow,
				Before: State{"iam-instance-profile none"}, After: State{"iam-instance-profile " + prof.ARN},
				InstanceProfile: &InstanceProfileChange{InstanceID: ref.inst.ID, ProfileName: name, ProfileARN: prof.ARN}}
		})
		ch.motivatedBy(r)
		ref.inst.IAMInstanceProfileARN = prof.ARN
		p.attachCore(r, ref.account, prof)
		return
	}
	var prof *model.InstanceProfile
	for i := range acct.InstanceProfiles {
		if acct.InstanceProfiles[i].ARN == profileARN {
			prof = &acct.InstanceProfiles[i]
		}
	}
	if prof == nil {
		p.skip(r, "the instance profile "+profileARN+" is not in the snapshot", manualStep(info.Help))
		return
	}
	p.attachCore(r, ref.account, prof)
}

// attachCore plans attaching AmazonSSMManagedInstanceCore to the profile's
// role when it lacks it.
func (p *planner) attachCore(r finding.Result, account string, prof *model.InstanceProfile) {
	if len(prof.Roles) == 0 {
		p.skip(r, "the instance profile "+prof.Name+" has no role", "add a role with AmazonSSMManagedInstanceCore to "+prof.Name)
		return
	}
	for i := range prof.Roles {
		role := &prof.Roles[i]
		if slices.Contains(role.AttachedPolicies, CorePolicyARN) {
			continue
		}
		if !role.PoliciesRead {
			p.skip(r, "the policies of role "+role.Name+" could not be read", "")
			continue
		}
		before := State(slices.Sorted(slices.Values(role.AttachedPolicies)))
		ch := p.change("role|"+account+"|"+role.Name, func() *Change {
			return &Change{Action: AttachSSMPolicy, Account: account, Region: "global",
				Resource: Ref{Type: "iam-role", ID: role.Name}, Risk: RiskLow,
				Before: before, After: State(slices.Sorted(slices.Values(append(slices.Clone(role.AttachedPolicies), CorePolicyARN)))),
				RolePolicy: &RolePolicyChange{RoleName: role.Name, PolicyARN: CorePolicyARN, ProfileName: prof.Name}}
		})
		ch.motivatedBy(r)
	}
}

func (p *planner) account(id string) *model.Account {
	for i := range p.work.Accounts {
		if p.work.Accounts[i].ID == id {
			return &p.work.Accounts[i]
		}
	}
	return &model.Account{ID: id}
}

// ---------------------------------------------------------------------------
// Appliances.

// isAppliance mirrors the policies' recognition (data.pdr.lib.appliance).
func (p *planner) isAppliance(i *model.Instance) bool {
	a := p.opts.Config.Appliances
	for k, v := range a.Tags {
		if have, ok := i.Tags[k]; ok && (v == "*" || have == v) {
			return true
		}
	}
	name := strings.ToLower(i.Tags["Name"])
	for _, part := range a.NameContains {
		if strings.Contains(name, strings.ToLower(part)) {
			return true
		}
	}
	return false
}

func (p *planner) planAppliances(results []finding.Result) {
	if len(results) == 0 {
		return
	}
	launch := p.opts.Config.Remediation.Appliance
	for _, r := range results {
		info := p.opts.Rules[r.RuleID]
		switch {
		case !p.opts.AllowHighRisk:
			p.skip(r, "deploying an appliance is a high-risk change: plan it with --allow-high-risk", manualStep(info.Help))
			continue
		case launch.ImageID == "":
			p.skip(r, "no Threat Manager AMI is configured (remediation.appliance.image_id)", manualStep(info.Help))
			continue
		}
		reg := p.regions[r.Account+"|"+r.Region]
		if reg == nil {
			p.skip(r, "the region is not in the snapshot", "")
			continue
		}
		vpc, az, perAZ := r.ResourceID, "", strings.Contains(r.ResourceID, "/")
		if perAZ {
			vpc, az, _ = strings.Cut(r.ResourceID, "/")
		}
		for {
			have := p.appliancesIn(reg, vpc)
			if perAZ && have[az] > 0 || !perAZ && total(have) >= 2 {
				// Covered, perhaps by appliances this plan launches: they
				// fix this result too.
				for _, key := range p.order {
					if c := p.changes[key]; c.Appliance != nil && c.Appliance.VPCID == vpc && (!perAZ || c.Appliance.AvailabilityZone == az) {
						c.motivatedBy(r)
					}
				}
				break
			}
			target := az
			if !perAZ {
				target = p.leastCoveredAZ(reg, vpc, have)
			}
			if reason := p.deploy(r, reg, vpc, target); reason != "" {
				p.skip(r, reason, manualStep(info.Help))
				break
			}
		}
	}
}

func total(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// appliancesIn counts the running appliances of a VPC per AZ (planned
// ones included).
func (p *planner) appliancesIn(reg *model.Region, vpc string) map[string]int {
	out := map[string]int{}
	for i := range reg.Instances {
		inst := &reg.Instances[i]
		if inst.VPCID == vpc && (inst.State == "running" || inst.State == "pending") && p.isAppliance(inst) {
			out[inst.AvailabilityZone]++
		}
	}
	return out
}

// leastCoveredAZ is the AZ with monitored instances and the fewest
// appliances (the first by name on a tie), else the VPC's first AZ.
func (p *planner) leastCoveredAZ(reg *model.Region, vpc string, have map[string]int) string {
	var azs []string
	for _, inst := range reg.Instances {
		if inst.VPCID == vpc && inst.State == "running" && !p.isAppliance(&inst) && !slices.Contains(azs, inst.AvailabilityZone) {
			azs = append(azs, inst.AvailabilityZone)
		}
	}
	if len(azs) == 0 {
		for _, s := range reg.Subnets {
			if s.VPCID == vpc && !slices.Contains(azs, s.AvailabilityZone) {
				azs = append(azs, s.AvailabilityZone)
			}
		}
	}
	slices.Sort(azs)
	best := ""
	for _, az := range azs {
		if best == "" || have[az] < have[best] {
			best = az
		}
	}
	return best
}

// deploy plans one appliance in a private subnet of az.
func (p *planner) deploy(r finding.Result, reg *model.Region, vpc, az string) string {
	launch := p.opts.Config.Remediation.Appliance
	subnet, viaNAT := p.privateSubnet(reg, vpc, az)
	if subnet == "" {
		return fmt.Sprintf("no private subnet (no public IPs on launch, no route to an internet gateway) in %s of %s", az, vpc)
	}
	var groups []string
	if sg, ok := launch.SecurityGroups[vpc]; ok {
		groups = []string{sg}
	} else {
		for i := range reg.Instances {
			inst := &reg.Instances[i]
			if inst.VPCID == vpc && p.isAppliance(inst) && !strings.HasPrefix(inst.ID, plannedPrefix) {
				groups = primaryGroups(inst)
				break
			}
		}
	}
	if len(groups) == 0 {
		return fmt.Sprintf("no appliance security group for %s: set remediation.appliance.security_groups.%s", vpc, vpc)
	}
	tags := map[string]string{"Name": "Threat Manager (pdr-audit)"}
	for k, v := range p.opts.Config.Appliances.Tags {
		if v == "*" {
			v = "true"
		}
		tags[k] = v
	}
	p.planned++
	id := fmt.Sprintf("%si-%d", plannedPrefix, p.planned)
	before := State{applianceSubnetLine(subnet, az, vpc)}
	reg.Instances = append(reg.Instances, model.Instance{ID: id, State: "pending", InstanceType: launch.InstanceType,
		ImageID: launch.ImageID, AvailabilityZone: az, VPCID: vpc, SubnetID: subnet, SecurityGroupIDs: groups, Tags: tags})
	key := fmt.Sprintf("tm|%s|%d", vpc, p.planned)
	ch := p.change(key, func() *Change {
		return &Change{Action: DeployAppliance, Account: r.Account, Region: reg.Name,
			Resource: Ref{Type: "vpc", ID: vpc}, Risk: RiskHigh, Before: before,
			Appliance: &ApplianceChange{VPCID: vpc, SubnetID: subnet, AvailabilityZone: az, ImageID: launch.ImageID,
				InstanceType: launch.InstanceType, SecurityGroupIDs: groups, Tags: tags}}
	})
	ch.After = State(slices.Sorted(slices.Values(append(slices.Clone(before), applianceLine("(new)", subnet)))))
	if !viaNAT {
		ch.Summary = "warning: no private subnet of " + az + " routes 0.0.0.0/0 to an available NAT gateway, so the appliance will not reach Alert Logic until one does"
	}
	ch.motivatedBy(r)
	p.changed()
	return ""
}

// privateSubnet is a subnet of vpc in az that gives no public IPs and has
// no route to an internet gateway, preferring one whose default route is a
// NAT gateway (an appliance reaches Alert Logic through NAT).
func (p *planner) privateSubnet(reg *model.Region, vpc, az string) (string, bool) {
	best, bestNAT := "", false
	var subnets []model.Subnet
	for _, s := range reg.Subnets {
		if s.VPCID == vpc && s.AvailabilityZone == az && !s.MapPublicIPOnLaunch {
			subnets = append(subnets, s)
		}
	}
	slices.SortFunc(subnets, func(a, b model.Subnet) int { return cmp.Compare(a.ID, b.ID) })
	for _, s := range subnets {
		rt := routeTableOf(reg, vpc, s.ID)
		if rt == nil {
			continue
		}
		igw, nat := false, false
		for _, route := range rt.Routes {
			igw = igw || route.TargetType == model.TargetInternetGateway
			nat = nat || route.DestinationCIDR == "0.0.0.0/0" && route.TargetType == model.TargetNATGateway &&
				route.State != "blackhole" && natAvailable(reg, route.TargetID)
		}
		if igw {
			continue
		}
		if best == "" || nat && !bestNAT {
			best, bestNAT = s.ID, nat
		}
	}
	return best, bestNAT
}

func natAvailable(reg *model.Region, id string) bool {
	for _, n := range reg.NATGateways {
		if n.ID == id {
			return n.State == "available"
		}
	}
	return false
}

func routeTableOf(reg *model.Region, vpc, subnet string) *model.RouteTable {
	var main *model.RouteTable
	for i := range reg.RouteTables {
		t := &reg.RouteTables[i]
		if t.VPCID != vpc {
			continue
		}
		for _, a := range t.Associations {
			if a.SubnetID == subnet {
				return t
			}
			if a.Main {
				main = t
			}
		}
		if t.Main && main == nil {
			main = t
		}
	}
	return main
}

// ---------------------------------------------------------------------------
// The plan.

func (p *planner) plan(orig *model.Snapshot) *Plan {
	plan := &Plan{FormatVersion: FormatVersion, ToolVersion: p.opts.ToolVersion, CreatedAt: p.opts.Now.UTC().Truncate(time.Second),
		Profile: p.opts.Profile, SnapshotDigest: p.opts.SnapshotDigest, Changes: []Change{}, Skipped: p.skipped}
	if plan.Skipped == nil {
		plan.Skipped = []Skipped{}
	}
	accounts := map[string]bool{}
	for _, key := range p.order {
		c := p.changes[key]
		slices.Sort(c.RuleIDs)
		c.Fixes = slices.DeleteFunc(c.Fixes, func(k string) bool { return p.unfixed[k] })
		if c.Fixes == nil {
			c.Fixes = []string{}
		}
		slices.Sort(c.Fixes)
		c.Summary = strings.TrimSpace(summary(c) + "; " + c.Summary)
		c.Summary = strings.TrimSuffix(c.Summary, ";")
		plan.Changes = append(plan.Changes, *c)
		accounts[c.Account] = true
	}
	slices.SortStableFunc(plan.Changes, func(a, b Change) int {
		return cmp.Or(cmp.Compare(slices.Index(Actions, a.Action), slices.Index(Actions, b.Action)),
			cmp.Compare(a.Account, b.Account), cmp.Compare(a.Region, b.Region), cmp.Compare(a.Resource.ID, b.Resource.ID))
	})
	for i := range plan.Changes {
		plan.Changes[i].ID = fmt.Sprintf("c%03d", i+1)
	}
	slices.SortFunc(plan.Skipped, func(a, b Skipped) int {
		return cmp.Or(cmp.Compare(a.RuleID, b.RuleID), cmp.Compare(a.Account, b.Account),
			cmp.Compare(a.Region, b.Region), cmp.Compare(a.Resource, b.Resource))
	})
	plan.Accounts = slices.Sorted(maps.Keys(accounts))
	if plan.Accounts == nil {
		plan.Accounts = []string{}
	}
	plan.Floors = floors(plan.Changes)
	return plan
}

// summary is a change's one line for a person.
func summary(c *Change) string {
	switch c.Action {
	case AddSecurityGroupRules:
		if sg := c.SecurityGroup; sg.Create != nil {
			return fmt.Sprintf("create group %s with %d rule(s) and attach it to %d instance(s)", sg.Create.Name, len(sg.Rules), len(sg.AttachTo))
		}
		return fmt.Sprintf("add %d rule(s) to %s, used by %d instance(s)", len(c.SecurityGroup.Rules), c.Resource.ID, len(c.BlastRadius))
	case AddNetworkACLEntries:
		return fmt.Sprintf("add %d entr(ies) to %s, whose subnets hold %d instance(s)", len(c.NetworkACL.Entries), c.Resource.ID, len(c.BlastRadius))
	case CreateSSMEndpoints:
		return fmt.Sprintf("create %d interface endpoint(s) in %s, with security group %s", len(c.Endpoints.Services), c.Endpoints.VPCID, c.Endpoints.SecurityGroup.Name)
	case AssociateInstanceProfile:
		return fmt.Sprintf("associate instance profile %s with %s", c.InstanceProfile.ProfileName, c.InstanceProfile.InstanceID)
	case AttachSSMPolicy:
		return fmt.Sprintf("attach AmazonSSMManagedInstanceCore to role %s (instance profile %s)", c.RolePolicy.RoleName, c.RolePolicy.ProfileName)
	case DeployAppliance:
		return fmt.Sprintf("launch a Threat Manager appliance (%s, %s) in %s (%s)", c.Appliance.ImageID, c.Appliance.InstanceType, c.Appliance.SubnetID, c.Appliance.AvailabilityZone)
	}
	return string(c.Action)
}
