package netpath_test

import (
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/pdr-audit/pdr-audit/internal/model"
	"github.com/pdr-audit/pdr-audit/internal/netpath"
)

var (
	seedFlag = flag.Uint64("seed", 0, "replay only this topology seed in the differential and rule-order tests")
	topoFlag = flag.Int("topologies", 0, "number of random topologies for the differential test (0: default)")
)

// Sizes of the randomised tests: full runs and -short runs.
const (
	diffTopologies      = 3000
	diffTopologiesShort = 300
	questionsPerTopo    = 10
	orderTopologies     = 600
	orderTopologyShort  = 100
	shufflesPerTopology = 3
	maxReportedFailures = 5
)

// regressionCase is a hand-built question with the smallest topology that
// shows it.
type regressionCase struct {
	name     string
	snapshot *model.Snapshot
	query    netpath.Query
	verdict  string // what AWS does, which the naive evaluator must say
}

// regressionCases are questions on which the engine and the naive
// evaluator disagreed, or that the random topologies rarely reach.
// seededCases replay generated ones by seed and question index.
func regressionCases() []regressionCase {
	toGoogle := netpath.Query{From: "i-00000000000000001", To: "8.8.8.8", Proto: netpath.TCP, Port: 443}
	unreadList := func(reg *model.Region, target, targetID string) {
		reg.PrefixLists = []model.PrefixList{{ID: "pl-00000000000000001", Name: "unread", OwnerID: genAccount, AddressFamily: "IPv4"}}
		reg.RouteTables[0].Routes = append(reg.RouteTables[0].Routes, model.Route{
			DestinationPrefixListID: "pl-00000000000000001", TargetType: target, TargetID: targetID, State: "active", Origin: "CreateRoute"})
	}
	withGap := func(s *model.Snapshot) *model.Snapshot {
		s.Gaps = append(s.Gaps, model.Gap{Account: genAccount, Region: genRegion, API: "ec2:GetManagedPrefixListEntries",
			Resource: "pl-00000000000000001", Class: model.GapDenied, Code: "UnauthorizedOperation"})
		return s
	}
	return []regressionCase{
		{
			// The engine's doc lists, within the gateway stage, the NAT
			// gateway subnet's ACL (in, then out) before that subnet's
			// route table, as the source subnet's ACL comes before its
			// route table; the engine names the route table.
			name: "a NAT gateway subnet's ACL denying the traffic out is named before that subnet's route table looping back to the NAT gateway",
			snapshot: natTopology(func(reg *model.Region) {
				reg.NetworkACLs[1].Entries = []model.NetworkACLEntry{allowAll(100, false), denyRest(false), denyRest(true)}
				reg.RouteTables[0].Associations = append(reg.RouteTables[0].Associations, model.RouteTableAssociation{
					ID: "rtbassoc-0000000000000000c", SubnetID: "subnet-0000000000000000b", State: "associated"})
			}),
			query:   toGoogle,
			verdict: netpath.Blocked,
		},
		{
			// VPC User Guide, "How route priority works": the longest
			// prefix wins, then a static route over a prefix-list route.
			// No entry of the unread list can be longer than /32, so the
			// static 8.8.8.8/32 route carries the packet whatever the list
			// holds; the engine answers unknown.
			name: "a static /32 route outranks a route to a prefix list whose entries could not be read (allowed)",
			snapshot: withGap(natTopology(func(reg *model.Region) {
				unreadList(reg, model.TargetTransitGateway, "tgw-00000000000000001")
				reg.RouteTables[0].Routes = append(reg.RouteTables[0].Routes, model.Route{
					DestinationCIDR: "8.8.8.8/32", TargetType: model.TargetNATGateway, TargetID: "nat-00000000000000001", State: "active", Origin: "CreateRoute"})
			})),
			query:   toGoogle,
			verdict: netpath.Allowed,
		},
		{
			name: "a static /32 route outranks a route to a prefix list whose entries could not be read (blocked at the internet gateway)",
			snapshot: withGap(natTopology(func(reg *model.Region) {
				unreadList(reg, model.TargetTransitGateway, "tgw-00000000000000001")
				reg.RouteTables[0].Routes = append(reg.RouteTables[0].Routes, model.Route{
					DestinationCIDR: "8.8.8.8/32", TargetType: model.TargetInternetGateway, TargetID: "igw-00000000000000001", State: "active", Origin: "CreateRoute"})
			})),
			query:   toGoogle,
			verdict: netpath.Blocked,
		},
		{
			name: "a route to an unread prefix list makes the internet path unknown when the list may hold a longer match",
			snapshot: withGap(natTopology(func(reg *model.Region) {
				unreadList(reg, model.TargetTransitGateway, "tgw-00000000000000001")
			})),
			query:   toGoogle,
			verdict: netpath.Unknown,
		},
		{
			// The reply from the internet enters the NAT gateway's subnet
			// (to the NAT gateway's ephemeral port) before it leaves for
			// the source: that subnet's inbound entries must admit it.
			name: "the reply entering the NAT gateway's subnet from the internet is blocked by that subnet's ACL",
			snapshot: natTopology(func(reg *model.Region) {
				reg.NetworkACLs[1].Entries = []model.NetworkACLEntry{
					{RuleNumber: 100, Protocol: "-1", RuleAction: "allow", CIDRBlock: "10.0.0.0/16"}, denyRest(false), allowAll(100, true), denyRest(true)}
			}),
			query:   toGoogle,
			verdict: netpath.Blocked,
		},
		{
			// An internet gateway carries internet-routable traffic
			// (VPC User Guide, "Internet gateways"); 10.1.0.0/16 is
			// private (RFC 1918), so a packet to another VPC's private
			// address sent to the internet gateway never arrives, and the
			// destination's security groups are never consulted. The
			// engine answers allowed.
			name: "a private address of another VPC is not reached through an internet gateway",
			snapshot: natTopology(func(reg *model.Region) {
				reg.RouteTables[0].Routes[1] = model.Route{DestinationCIDR: "0.0.0.0/0", TargetType: model.TargetInternetGateway,
					TargetID: "igw-00000000000000001", State: "active", Origin: "CreateRoute"}
				reg.Instances[0].PublicIP, reg.Instances[0].NetworkInterfaces[0].PublicIP = "3.80.0.10", "3.80.0.10"
				reg.VPCs = append(reg.VPCs, model.VPC{ID: "vpc-00000000000000002", OwnerID: genAccount, State: "available", CIDRBlocks: []string{"10.1.0.0/16"}})
				reg.Subnets = append(reg.Subnets, model.Subnet{ID: "subnet-0000000000000000c", VPCID: "vpc-00000000000000002",
					AvailabilityZone: "us-east-1a", CIDRBlock: "10.1.0.0/24", State: "available"})
				reg.Instances = append(reg.Instances, model.Instance{ID: "i-00000000000000002", State: "running", VPCID: "vpc-00000000000000002",
					SubnetID: "subnet-0000000000000000c", PrivateIP: "10.1.0.10", SecurityGroupIDs: []string{"sg-00000000000000002"},
					NetworkInterfaces: []model.NetworkInterface{{ID: "eni-00000000000000002", SubnetID: "subnet-0000000000000000c",
						PrivateIPs: []string{"10.1.0.10"}, SecurityGroupIDs: []string{"sg-00000000000000002"}}}})
				reg.SecurityGroups = append(reg.SecurityGroups, model.SecurityGroup{ID: "sg-00000000000000002", Name: "closed",
					VPCID: "vpc-00000000000000002", OwnerID: genAccount})
				acl := reg.NetworkACLs[0]
				acl.ID, acl.VPCID = "acl-0000000000000000c", "vpc-00000000000000002"
				acl.Associations = []model.NetworkACLAssociation{{ID: "aclassoc-0000000000000000c", SubnetID: "subnet-0000000000000000c"}}
				reg.NetworkACLs = append(reg.NetworkACLs, acl)
			}),
			query:   netpath.Query{From: "i-00000000000000001", To: "i-00000000000000002", Proto: netpath.TCP, Port: 443},
			verdict: netpath.Blocked,
		},
		{
			name:     "a private instance reaches the internet through an available NAT gateway in a public subnet",
			snapshot: natTopology(nil),
			query:    toGoogle,
			verdict:  netpath.Allowed,
		},
		{
			name: "a NAT gateway that is not available blocks",
			snapshot: natTopology(func(reg *model.Region) {
				reg.NATGateways[0].State = "pending"
			}),
			query:   toGoogle,
			verdict: netpath.Blocked,
		},
	}
}

// seededCases replay generated questions that once disagreed: seed and
// question index (the generator must not change for these to mean the
// same topology).
var seededCases = []struct {
	name  string
	seed  uint64
	query int
}{
	{"generated NAT gateway subnet whose ACL and route table both block", 1164, 0},
	{"generated static /32 route beside a route to an unread prefix list, allowed", 2961, 3},
	{"generated static /32 route beside a route to an unread prefix list, blocked", 1636, 4},
	{"generated instance of another VPC behind the internet gateway route", 27, 8},
}

// disagreement returns "" when the engine's verdict matches the naive one:
// the same verdict and, when blocked, a blocking component (id and kind)
// the naive evaluator found at the earliest blocking stage.
func disagreement(got netpath.Verdict, want naiveVerdict) string {
	if got.Verdict != want.Verdict {
		return fmt.Sprintf("engine says %s, naive evaluator says %s", got.Verdict, want.Verdict)
	}
	if got.Verdict != netpath.Blocked {
		return ""
	}
	if got.BlockedBy == nil {
		return "engine says blocked without naming the blocking component"
	}
	if !slices.Contains(want.Blockers, compKey{got.BlockedBy.ID, got.BlockedBy.Kind}) {
		return fmt.Sprintf("engine names %s (%s) as the blocker; naive evaluator blocks at %s on one of %v",
			got.BlockedBy.ID, got.BlockedBy.Kind, stageNames[want.Stage], want.Blockers)
	}
	return ""
}

func mustJSON(v any) string {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		panic(err)
	}
	return string(b)
}

// report prints everything needed to replay a disagreement.
func report(t *testing.T, seed uint64, index int, s *model.Snapshot, q netpath.Query, got netpath.Verdict, want naiveVerdict, why string) {
	t.Helper()
	small := shrink(s, q)
	t.Errorf("seed %d question %d: %s\nreplay: go test ./internal/netpath/ -run 'Agrees' -seed %d\nquestion: %s\nengine: %s\nnaive: %s (stage %q, blockers %v)\n%s\nsmallest topology that still disagrees:\n%s",
		seed, index, why, seed, mustJSON(q), mustJSON(got), want.Verdict, stageNames[want.Stage], want.Blockers,
		naiveReach(small, q).Trace(), mustJSON(small))
}

func seeds(full, short int) []uint64 {
	if *seedFlag != 0 {
		return []uint64{*seedFlag}
	}
	n := full
	if testing.Short() {
		n = short
	}
	out := make([]uint64, n)
	for i := range out {
		out[i] = uint64(i + 1)
	}
	return out
}

// TestEngineAgreesWithNaiveEvaluator is the differential test: on random
// small topologies, the engine and the packet-by-packet evaluator in
// naive_test.go give the same verdict, and the engine's blocking component
// is one the naive evaluator found first on the path.
func TestEngineAgreesWithNaiveEvaluator(t *testing.T) {
	n := diffTopologies
	if *topoFlag > 0 {
		n = *topoFlag
	}
	failures := 0
	verdicts := map[string]int{}
	for _, seed := range seeds(n, diffTopologiesShort) {
		s := generateTopology(seed)
		e := netpath.New(clone(s))
		for i, q := range generateQueries(seed, s, questionsPerTopo) {
			got := e.Reach(q)
			want := naiveReach(s, q)
			verdicts[want.Verdict]++
			if why := disagreement(got, want); why != "" {
				report(t, seed, i, s, q, got, want, why)
				if failures++; failures >= maxReportedFailures {
					t.Fatalf("stopping after %d disagreements", failures)
				}
			}
		}
	}
	t.Logf("verdicts: %v", verdicts)
}

// TestEngineAgreesOnRegressionCases replays the hand-built and seeded
// questions.
func TestEngineAgreesOnRegressionCases(t *testing.T) {
	for _, tc := range regressionCases() {
		t.Run(tc.name, func(t *testing.T) {
			got := netpath.New(clone(tc.snapshot)).Reach(tc.query)
			want := naiveReach(tc.snapshot, tc.query)
			if want.Verdict != tc.verdict {
				t.Fatalf("the naive evaluator says %s, AWS would say %s:\n%s", want.Verdict, tc.verdict, want.Trace())
			}
			if why := disagreement(got, want); why != "" {
				t.Errorf("%s\nquestion: %s\nengine: %s\nnaive: %s (stage %q, blockers %v)\n%s",
					why, mustJSON(tc.query), mustJSON(got), want.Verdict, stageNames[want.Stage], want.Blockers, want.Trace())
			}
		})
	}
	for _, tc := range seededCases {
		t.Run(tc.name, func(t *testing.T) {
			s := generateTopology(tc.seed)
			q := generateQueries(tc.seed, s, questionsPerTopo)[tc.query]
			got := netpath.New(clone(s)).Reach(q)
			want := naiveReach(s, q)
			if why := disagreement(got, want); why != "" {
				report(t, tc.seed, tc.query, s, q, got, want, why)
			}
		})
	}
}

// TestGeneratedQuestionsReachEveryVerdictAndStage guards the differential
// test against being vacuous: the generator must produce allowed, blocked
// and unknown answers, and blocks at every stage of the path.
func TestGeneratedQuestionsReachEveryVerdictAndStage(t *testing.T) {
	verdicts := map[string]int{}
	stages := map[int]int{}
	for seed := uint64(1); seed <= 400; seed++ {
		s := generateTopology(seed)
		for _, q := range generateQueries(seed, s, questionsPerTopo) {
			v := naiveReach(s, q)
			verdicts[v.Verdict]++
			stages[v.Stage]++
		}
	}
	for _, v := range []string{netpath.Allowed, netpath.Blocked, netpath.Unknown} {
		if verdicts[v] < 40 {
			t.Errorf("only %d of 4000 questions are %s: %v", verdicts[v], v, verdicts)
		}
	}
	for st := stageSourceSG; st <= stageSourceACLReply; st++ {
		if stages[st] == 0 {
			t.Errorf("no question is blocked at the %s stage: %v", stageNames[st], stages)
		}
	}
}

// TestRuleOrderNeverChangesAVerdict is the property test: shuffling the
// order of everything whose order AWS ignores (security groups, their
// rules and rule sources, routes, route tables and associations, network
// ACLs, the slice order of their entries (not their numbers), instances and
// their interfaces, subnets, gateways, endpoints, prefix-list entries, gaps)
// leaves every verdict identical: verdict, blocking component, path and
// words.
func TestRuleOrderNeverChangesAVerdict(t *testing.T) {
	for _, seed := range seeds(orderTopologies, orderTopologyShort) {
		s := generateTopology(seed)
		qs := generateQueries(seed, s, questionsPerTopo)
		base := netpath.New(clone(s))
		want := make([]netpath.Verdict, len(qs))
		for i, q := range qs {
			want[i] = base.Reach(q)
		}
		r := newRand(seed * 7919)
		for k := 0; k < shufflesPerTopology; k++ {
			shuffled := clone(s)
			shuffleSnapshot(r, shuffled)
			e := netpath.New(shuffled)
			for i, q := range qs {
				if diff := cmp.Diff(want[i], e.Reach(q)); diff != "" {
					t.Fatalf("seed %d shuffle %d question %s: verdict changed (-original +shuffled):\n%s\nreplay: go test ./internal/netpath/ -run RuleOrder -seed %d",
						seed, k, mustJSON(q), diff, seed)
				}
			}
		}
	}
}

// clone deep-copies a snapshot through JSON (not model.Marshal, which
// would sort it).
func clone(s *model.Snapshot) *model.Snapshot {
	b, err := json.Marshal(s)
	if err != nil {
		panic(err)
	}
	var out model.Snapshot
	if err := json.Unmarshal(b, &out); err != nil {
		panic(err)
	}
	return &out
}

func shuffle[T any](r *rand.Rand, xs []T) {
	r.Shuffle(len(xs), func(i, j int) { xs[i], xs[j] = xs[j], xs[i] })
}

// shuffleSnapshot reorders every slice whose order carries no meaning.
func shuffleSnapshot(r *rand.Rand, s *model.Snapshot) {
	shuffle(r, s.Gaps)
	for a := range s.Accounts {
		for ri := range s.Accounts[a].Regions {
			reg := &s.Accounts[a].Regions[ri]
			shuffle(r, reg.VPCs)
			shuffle(r, reg.Subnets)
			shuffle(r, reg.SecurityGroups)
			for i := range reg.SecurityGroups {
				g := &reg.SecurityGroups[i]
				for _, perms := range [][]model.Permission{g.Ingress, g.Egress} {
					shuffle(r, perms)
					for j := range perms {
						shuffle(r, perms[j].IPv4Ranges)
						shuffle(r, perms[j].IPv6Ranges)
						shuffle(r, perms[j].PrefixListIDs)
						shuffle(r, perms[j].Groups)
					}
				}
			}
			shuffle(r, reg.NetworkACLs)
			for i := range reg.NetworkACLs {
				shuffle(r, reg.NetworkACLs[i].Entries)
				shuffle(r, reg.NetworkACLs[i].Associations)
			}
			shuffle(r, reg.RouteTables)
			for i := range reg.RouteTables {
				shuffle(r, reg.RouteTables[i].Routes)
				shuffle(r, reg.RouteTables[i].Associations)
			}
			shuffle(r, reg.NATGateways)
			shuffle(r, reg.InternetGateways)
			shuffle(r, reg.VPCEndpoints)
			for i := range reg.VPCEndpoints {
				shuffle(r, reg.VPCEndpoints[i].SecurityGroupIDs)
				shuffle(r, reg.VPCEndpoints[i].SubnetIDs)
				shuffle(r, reg.VPCEndpoints[i].NetworkInterfaceIDs)
			}
			shuffle(r, reg.PrefixLists)
			for i := range reg.PrefixLists {
				shuffle(r, reg.PrefixLists[i].CIDRs)
			}
			shuffle(r, reg.Instances)
			for i := range reg.Instances {
				in := &reg.Instances[i]
				shuffle(r, in.SecurityGroupIDs)
				shuffle(r, in.NetworkInterfaces) // the primary is device index 0, wherever it sits
				for j := range in.NetworkInterfaces {
					shuffle(r, in.NetworkInterfaces[j].SecurityGroupIDs)
				}
			}
		}
	}
}

// ---------------------------------------------------------------------------
// Shrinking: the smallest topology on which the disagreement remains.

// shrink removes parts of s (rules, rule sources, entries, routes,
// uninvolved instances, endpoints, prefix-list entries) one at a time,
// keeping each removal after which the engine and the naive evaluator still
// disagree on q, until no removal does.
func shrink(s *model.Snapshot, q netpath.Query) *model.Snapshot {
	disagrees := func(c *model.Snapshot) bool {
		return disagreement(netpath.New(clone(c)).Reach(q), naiveReach(c, q)) != ""
	}
	cur := clone(s)
	if !disagrees(cur) {
		return cur
	}
	for changed := true; changed; {
		changed = false
		for i := 0; ; i++ {
			next, ok := removal(cur, q, i)
			if !ok {
				break
			}
			if disagrees(next) {
				cur, changed = next, true
				i--
			}
		}
	}
	return cur
}

// removal returns s without its i-th removable part, or false when s has
// fewer than i+1 of them.
func removal(s *model.Snapshot, q netpath.Query, i int) (*model.Snapshot, bool) {
	c := clone(s)
	reg := &c.Accounts[0].Regions[0]
	var cuts []func()
	for gi := range reg.SecurityGroups {
		g := &reg.SecurityGroups[gi]
		for _, dir := range []*[]model.Permission{&g.Ingress, &g.Egress} {
			for pi := range *dir {
				cuts = append(cuts, func() { *dir = slices.Delete(*dir, pi, pi+1) })
				p := &(*dir)[pi]
				for k := range p.IPv4Ranges {
					if len(p.IPv4Ranges)+len(p.Groups)+len(p.PrefixListIDs)+len(p.IPv6Ranges) > 1 {
						cuts = append(cuts, func() { p.IPv4Ranges = slices.Delete(p.IPv4Ranges, k, k+1) })
					}
				}
				for k := range p.Groups {
					if len(p.IPv4Ranges)+len(p.Groups)+len(p.PrefixListIDs)+len(p.IPv6Ranges) > 1 {
						cuts = append(cuts, func() { p.Groups = slices.Delete(p.Groups, k, k+1) })
					}
				}
			}
		}
	}
	for ai := range reg.NetworkACLs {
		a := &reg.NetworkACLs[ai]
		for k := range a.Entries {
			if a.Entries[k].RuleNumber != 32767 {
				cuts = append(cuts, func() { a.Entries = slices.Delete(a.Entries, k, k+1) })
			}
		}
	}
	for ti := range reg.RouteTables {
		t := &reg.RouteTables[ti]
		for k := range t.Routes {
			if t.Routes[k].TargetType != model.TargetLocal {
				cuts = append(cuts, func() { t.Routes = slices.Delete(t.Routes, k, k+1) })
			}
		}
	}
	for k := range reg.Instances {
		in := reg.Instances[k]
		involved := in.ID == q.From || in.ID == q.To || in.PrivateIP == q.To ||
			slices.ContainsFunc(in.NetworkInterfaces, func(e model.NetworkInterface) bool { return e.ID == q.From || e.ID == q.To })
		if !involved {
			cuts = append(cuts, func() { reg.Instances = slices.Delete(reg.Instances, k, k+1) })
		}
	}
	for k := range reg.VPCEndpoints {
		cuts = append(cuts, func() { reg.VPCEndpoints = slices.Delete(reg.VPCEndpoints, k, k+1) })
	}
	for li := range reg.PrefixLists {
		l := &reg.PrefixLists[li]
		for k := range l.CIDRs {
			cuts = append(cuts, func() { l.CIDRs = slices.Delete(l.CIDRs, k, k+1) })
		}
	}
	if i >= len(cuts) {
		return nil, false
	}
	cuts[i]()
	return c, true
}

// TestShrinkKeepsTheQuestionsEnds checks the shrinker never removes the
// instances a question names, so a shrunk replay is still a valid question.
func TestShrinkKeepsTheQuestionsEnds(t *testing.T) {
	s := generateTopology(11)
	q := generateQueries(11, s, 1)[0]
	for i := 0; ; i++ {
		c, ok := removal(s, q, i)
		if !ok {
			break
		}
		reg := c.Accounts[0].Regions[0]
		if !slices.ContainsFunc(reg.Instances, func(in model.Instance) bool {
			return in.ID == q.From || strings.HasPrefix(q.From, "eni-") &&
				slices.ContainsFunc(in.NetworkInterfaces, func(e model.NetworkInterface) bool { return e.ID == q.From })
		}) {
			t.Fatalf("removal %d drops the source of %s", i, mustJSON(q))
		}
	}
}

// ---------------------------------------------------------------------------
// Hand-built topologies for regression cases.

// natTopology is the smallest NAT gateway path: i-00000000000000001
// (10.0.0.10, no public address, one group allowing all egress) in the
// private subnet subnet-0000000000000000a (10.0.0.0/24, ACL
// acl-0000000000000000a allowing everything, route table
// rtb-0000000000000000a sending 0.0.0.0/0 to nat-00000000000000001), and the
// available public NAT gateway in subnet-0000000000000000b (10.0.1.0/24, ACL
// acl-0000000000000000b allowing everything, main route table
// rtb-0000000000000000b sending 0.0.0.0/0 to igw-00000000000000001). edit
// changes the region before the snapshot is returned.
func natTopology(edit func(reg *model.Region)) *model.Snapshot {
	const vpc = "vpc-00000000000000001"
	local := model.Route{DestinationCIDR: "10.0.0.0/16", TargetType: model.TargetLocal, TargetID: "local", State: "active"}
	acl := func(id, subnet string) model.NetworkACL {
		return model.NetworkACL{ID: id, VPCID: vpc, Entries: []model.NetworkACLEntry{
			allowAll(100, false), denyRest(false), allowAll(100, true), denyRest(true),
		}, Associations: []model.NetworkACLAssociation{{ID: "aclassoc-" + id[4:], SubnetID: subnet}}}
	}
	reg := model.Region{
		Name: genRegion,
		VPCs: []model.VPC{{ID: vpc, OwnerID: genAccount, State: "available", CIDRBlocks: []string{"10.0.0.0/16"}}},
		Subnets: []model.Subnet{
			{ID: "subnet-0000000000000000a", VPCID: vpc, AvailabilityZone: "us-east-1a", CIDRBlock: "10.0.0.0/24", State: "available"},
			{ID: "subnet-0000000000000000b", VPCID: vpc, AvailabilityZone: "us-east-1a", CIDRBlock: "10.0.1.0/24", State: "available"},
		},
		SecurityGroups: []model.SecurityGroup{{ID: "sg-00000000000000001", Name: "egress-all", VPCID: vpc, OwnerID: genAccount,
			Egress: []model.Permission{{Protocol: "-1", IPv4Ranges: []string{"0.0.0.0/0"}}}}},
		NetworkACLs: []model.NetworkACL{acl("acl-0000000000000000a", "subnet-0000000000000000a"), acl("acl-0000000000000000b", "subnet-0000000000000000b")},
		RouteTables: []model.RouteTable{
			{ID: "rtb-0000000000000000a", VPCID: vpc, Routes: []model.Route{local,
				{DestinationCIDR: "0.0.0.0/0", TargetType: model.TargetNATGateway, TargetID: "nat-00000000000000001", State: "active"}},
				Associations: []model.RouteTableAssociation{{ID: "rtbassoc-0000000000000000a", SubnetID: "subnet-0000000000000000a", State: "associated"}}},
			{ID: "rtb-0000000000000000b", VPCID: vpc, Main: true, Routes: []model.Route{local,
				{DestinationCIDR: "0.0.0.0/0", TargetType: model.TargetInternetGateway, TargetID: "igw-00000000000000001", State: "active"}},
				Associations: []model.RouteTableAssociation{{ID: "rtbassoc-0000000000000000b", Main: true, State: "associated"}}},
		},
		NATGateways: []model.NATGateway{{ID: "nat-00000000000000001", VPCID: vpc, SubnetID: "subnet-0000000000000000b", State: "available",
			ConnectivityType: "public", Addresses: []model.NATAddress{{PublicIP: "52.1.2.3", PrivateIP: "10.0.1.5"}}}},
		InternetGateways: []model.InternetGateway{{ID: "igw-00000000000000001", OwnerID: genAccount,
			Attachments: []model.InternetGatewayAttachment{{VPCID: vpc, State: "available"}}}},
		Instances: []model.Instance{{ID: "i-00000000000000001", State: "running", VPCID: vpc, SubnetID: "subnet-0000000000000000a",
			PrivateIP: "10.0.0.10", SecurityGroupIDs: []string{"sg-00000000000000001"},
			NetworkInterfaces: []model.NetworkInterface{{ID: "eni-00000000000000001", SubnetID: "subnet-0000000000000000a",
				PrivateIPs: []string{"10.0.0.10"}, SecurityGroupIDs: []string{"sg-00000000000000001"}}}}},
	}
	if edit != nil {
		edit(&reg)
	}
	return &model.Snapshot{SchemaVersion: model.SchemaVersion, Scope: model.Scope{Accounts: []string{genAccount}, Regions: []string{genRegion}},
		Accounts: []model.Account{{ID: genAccount, Regions: []model.Region{reg}}}}
}
