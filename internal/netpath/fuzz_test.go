package netpath_test

import (
	"encoding/binary"
	"hash/fnv"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/pdr-audit/pdr-audit/internal/model"
	"github.com/pdr-audit/pdr-audit/internal/netpath"
)

// byteSource is a rand.Source that hands out the fuzz input eight bytes
// at a time, then a PCG stream seeded by a hash of the whole input: every
// draw of the generator is a slice of the input the fuzzer can mutate, and
// any input, however short, still gives a finite, deterministic topology.
type byteSource struct {
	data []byte
	rest *rand.PCG
}

func newByteSource(data []byte) *byteSource {
	h := fnv.New64a()
	h.Write(data)
	sum := h.Sum64()
	return &byteSource{data: data, rest: rand.NewPCG(sum, sum^0x9e3779b97f4a7c15)}
}

func (s *byteSource) Uint64() uint64 {
	if len(s.data) >= 8 {
		v := binary.LittleEndian.Uint64(s.data)
		s.data = s.data[8:]
		return v
	}
	return s.rest.Uint64()
}

// Fuzz input layout: the first byte is the mode (bit 0: mangle the
// topology and question with values no collector writes), the rest feeds
// the generator's draws.
const fuzzMangle = 1

// FuzzReach derives a topology and a question from the input: the
// generator of the differential test (gen_test.go) draws from the bytes.
// Properties: New and Reach never panic; the verdict is allowed, blocked
// or unknown; a blocked verdict names its component (id and kind); asking
// again gives the same answer; and, on the generator's own topologies and
// questions (the differential test's preconditions), the engine agrees
// with the naive evaluator of naive_test.go. In mangle mode the topology
// and question are then bent with values the snapshot's JSON can hold but
// AWS never returns (malformed CIDRs, unknown protocols, ports out of
// range, dangling and repeated ids, unread data without a gap), where only
// the first four properties are checked.
func FuzzReach(f *testing.F) {
	for _, seed := range []uint64{1, 2, 3, 7, 27, 42, 99, 1234} {
		for _, mode := range []byte{0, fuzzMangle} {
			b := make([]byte, 1, 1+8*64)
			b[0] = mode
			r := newRand(seed)
			for range 64 {
				b = binary.LittleEndian.AppendUint64(b, r.Uint64())
			}
			f.Add(b)
		}
	}
	f.Add([]byte{})
	f.Add([]byte{fuzzMangle})
	f.Add(make([]byte, 256))
	f.Fuzz(func(t *testing.T, data []byte) {
		mode := byte(0)
		if len(data) > 0 {
			mode, data = data[0], data[1:]
		}
		r := rand.New(newByteSource(data))
		s := generateTopologyWith(r)
		q := generateQueriesWith(r, s, 1)[0]
		mangled := mode&fuzzMangle != 0
		if mangled {
			mangle(r, s, &q)
		}
		e := netpath.New(clone(s))
		got := e.Reach(q)
		switch got.Verdict {
		case netpath.Allowed, netpath.Blocked, netpath.Unknown:
		default:
			t.Fatalf("verdict %q for %s", got.Verdict, mustJSON(q))
		}
		if got.Verdict == netpath.Blocked && (got.BlockedBy == nil || got.BlockedBy.ID == "" || got.BlockedBy.Kind == "") {
			t.Fatalf("blocked without naming the component: %s\nquestion: %s", mustJSON(got), mustJSON(q))
		}
		if again := e.Reach(q); !cmp.Equal(got, again) {
			t.Fatalf("asked twice, the engine answers differently (-first +again):\n%s", cmp.Diff(got, again))
		}
		if mangled {
			return
		}
		if why := disagreement(got, naiveReach(s, q)); why != "" {
			want := naiveReach(s, q)
			t.Fatalf("%s\nquestion: %s\nengine: %s\nnaive: %s (stage %q, blockers %v)\n%s\ntopology:\n%s",
				why, mustJSON(q), mustJSON(got), want.Verdict, stageNames[want.Stage], want.Blockers, want.Trace(), mustJSON(shrink(s, q)))
		}
	})
}

// Values that a snapshot's JSON may hold but no collector writes.
var (
	mangledCIDRs = []string{"", "10.0.0.0/33", "10.0.0.0/-1", "10.0.0.1/8", "300.1.1.1/32", "1.2.3.4", "::/0",
		"2001:db8::/129", "fe80::1%eth0/64", "0.0.0.0/0 ", "abc", "10.0.0.0/8/8", "::ffff:10.0.0.1/128", "0.0.0.0/0"}
	mangledProtocols = []string{"", "-2", "256", "999999999999", "TCP", "icmpv6", "58", "1", "6", "17", "all", " -1", "0"}
	mangledPorts     = []*int32{nil, i32(-1), i32(-2), i32(0), i32(65535), i32(65536), i32(1 << 30), i32(-1 << 31)}
	mangledIDs       = []string{"", "i-", "eni-", "sg-missing", "subnet-missing", "vpc-missing", "pl-missing", "nat-missing", "igw-missing", "local"}
	mangledTargets   = []string{"", model.TargetUnknown, model.TargetInstance, model.TargetNetworkInterface, model.TargetVPCEndpoint,
		model.TargetEgressOnlyIGW, model.TargetLocal, model.TargetCarrierGateway, "warp-drive"}
	mangledDests = []string{"", "internet", "service:", "service:SSM", "service:ssm", "i-", "eni-", "i-missing",
		"10.0.0.0/0", "0.0.0.0/0", "255.255.255.255", "::1", "2001:db8::/32", "10.0.0.0/33", "1.2.3", "8.8.8.8 "}
)

// mangle bends s and q with 1-8 edits drawn from r.
func mangle(r *rand.Rand, s *model.Snapshot, q *netpath.Query) {
	reg := &s.Accounts[0].Regions[0]
	for n := 1 + r.IntN(8); n > 0; n-- {
		switch r.IntN(16) {
		case 0: // a security-group rule's source
			if len(reg.SecurityGroups) == 0 {
				continue
			}
			g := &reg.SecurityGroups[r.IntN(len(reg.SecurityGroups))]
			p := model.Permission{Protocol: pick(r, mangledProtocols), FromPort: pick(r, mangledPorts), ToPort: pick(r, mangledPorts),
				IPv4Ranges: []string{pick(r, mangledCIDRs)}, IPv6Ranges: []string{pick(r, mangledCIDRs)},
				PrefixListIDs: []string{pick(r, mangledIDs)}, Groups: []model.GroupRef{{GroupID: pick(r, mangledIDs), UserID: pick(r, []string{"", genAccount, genForeignAccount})}}}
			if r.IntN(2) == 0 {
				g.Ingress = append(g.Ingress, p)
			} else {
				g.Egress = append(g.Egress, p)
			}
		case 1: // a network ACL entry
			if len(reg.NetworkACLs) == 0 {
				continue
			}
			a := &reg.NetworkACLs[r.IntN(len(reg.NetworkACLs))]
			a.Entries = append(a.Entries, model.NetworkACLEntry{
				RuleNumber: pick(r, []int32{0, -1, 1, 100, 32766, 32767, 32768, 1 << 30}), Egress: r.IntN(2) == 0,
				Protocol: pick(r, mangledProtocols), RuleAction: pick(r, []string{"allow", "deny", "", "ALLOW", "maybe"}),
				CIDRBlock: pick(r, mangledCIDRs), IPv6CIDRBlock: pick(r, []string{"", "::/0", "bad"}),
				PortFrom: pick(r, mangledPorts), PortTo: pick(r, mangledPorts), ICMPType: pick(r, mangledPorts), ICMPCode: pick(r, mangledPorts)})
		case 2: // a route
			if len(reg.RouteTables) == 0 {
				continue
			}
			t := &reg.RouteTables[r.IntN(len(reg.RouteTables))]
			t.Routes = append(t.Routes, model.Route{DestinationCIDR: pick(r, mangledCIDRs), DestinationIPv6CIDR: pick(r, []string{"", "::/0", "zz"}),
				DestinationPrefixListID: pick(r, mangledIDs), TargetType: pick(r, mangledTargets), TargetID: pick(r, mangledIDs),
				State: pick(r, []string{"active", "blackhole", "", "weird"}), Origin: pick(r, []string{"", "CreateRoute", "EnableVgwRoutePropagation"})})
		case 3: // an instance's addresses and groups
			in := &reg.Instances[r.IntN(len(reg.Instances))]
			in.PrivateIP, in.PublicIP = pick(r, mangledCIDRs), pick(r, mangledCIDRs)
			in.SecurityGroupIDs = append(in.SecurityGroupIDs, pick(r, mangledIDs))
			if len(in.NetworkInterfaces) > 0 && r.IntN(2) == 0 {
				x := &in.NetworkInterfaces[r.IntN(len(in.NetworkInterfaces))]
				x.PrivateIPs = append(x.PrivateIPs, pick(r, mangledCIDRs))
				x.SecurityGroupIDs = append(x.SecurityGroupIDs, pick(r, mangledIDs))
				x.SubnetID = pick(r, append(mangledIDs, in.SubnetID))
			}
		case 4: // an instance without interfaces, or in a subnet not in the snapshot
			in := &reg.Instances[r.IntN(len(reg.Instances))]
			if r.IntN(2) == 0 {
				in.NetworkInterfaces = nil
			} else {
				in.SubnetID, in.VPCID = pick(r, mangledIDs), pick(r, mangledIDs)
			}
		case 5: // a subnet's block or VPC
			if len(reg.Subnets) == 0 {
				continue
			}
			sub := &reg.Subnets[r.IntN(len(reg.Subnets))]
			sub.CIDRBlock, sub.VPCID = pick(r, mangledCIDRs), pick(r, append(mangledIDs, sub.VPCID))
		case 6: // a VPC's blocks
			if len(reg.VPCs) == 0 {
				continue
			}
			v := &reg.VPCs[r.IntN(len(reg.VPCs))]
			v.CIDRBlocks = append(v.CIDRBlocks, pick(r, mangledCIDRs))
			v.IPv6CIDRBlocks = append(v.IPv6CIDRBlocks, pick(r, mangledCIDRs))
		case 7: // a prefix list's entries, or entries unread without a gap
			reg.PrefixLists = append(reg.PrefixLists, model.PrefixList{ID: pick(r, mangledIDs), CIDRs: []string{pick(r, mangledCIDRs)},
				EntriesRead: r.IntN(2) == 0, AddressFamily: pick(r, []string{"IPv4", "IPv6", ""})})
		case 8: // a NAT gateway
			reg.NATGateways = append(reg.NATGateways, model.NATGateway{ID: pick(r, mangledIDs), VPCID: pick(r, mangledIDs),
				SubnetID: pick(r, mangledIDs), State: pick(r, []string{"available", "", "pending"}),
				ConnectivityType: pick(r, []string{"public", "private", ""}), Addresses: []model.NATAddress{{PrivateIP: pick(r, mangledCIDRs)}}})
		case 9: // an internet gateway attached to nothing, or twice
			reg.InternetGateways = append(reg.InternetGateways, model.InternetGateway{ID: pick(r, mangledIDs),
				Attachments: []model.InternetGatewayAttachment{{VPCID: pick(r, mangledIDs), State: pick(r, []string{"available", "attaching", ""})}}})
		case 10: // an endpoint
			reg.VPCEndpoints = append(reg.VPCEndpoints, model.VPCEndpoint{ID: pick(r, mangledIDs), VPCID: pick(r, mangledIDs),
				Type: pick(r, []string{"Interface", "Gateway", ""}), ServiceName: pick(r, []string{"", "com.amazonaws." + genRegion + ".ssm", "ssm"}),
				State: pick(r, []string{"available", "pending", ""}), PrivateDNSEnabled: r.IntN(2) == 0,
				SubnetIDs: []string{pick(r, mangledIDs)}, SecurityGroupIDs: []string{pick(r, mangledIDs)}})
		case 11: // a repeated component id
			switch r.IntN(4) {
			case 0:
				if len(reg.SecurityGroups) > 0 {
					reg.SecurityGroups = append(reg.SecurityGroups, reg.SecurityGroups[r.IntN(len(reg.SecurityGroups))])
				}
			case 1:
				if len(reg.NetworkACLs) > 0 {
					reg.NetworkACLs = append(reg.NetworkACLs, reg.NetworkACLs[r.IntN(len(reg.NetworkACLs))])
				}
			case 2:
				if len(reg.RouteTables) > 0 {
					reg.RouteTables = append(reg.RouteTables, reg.RouteTables[r.IntN(len(reg.RouteTables))])
				}
			default:
				reg.Instances = append(reg.Instances, reg.Instances[r.IntN(len(reg.Instances))])
			}
		case 12: // a gap of any shape
			s.Gaps = append(s.Gaps, model.Gap{Account: pick(r, []string{"", genAccount, "*"}), Region: pick(r, []string{"", genRegion, "global"}),
				API: pick(r, []string{"", "ec2:DescribeInstances", "ec2:DescribeNetworkAcls", "ec2:DescribeRouteTables", "ec2:DescribeSecurityGroups",
					"ec2:DescribeSubnets", "ec2:GetManagedPrefixListEntries", "nonsense"}), Resource: pick(r, mangledIDs), Class: model.GapError})
		case 13: // a component removed, leaving references to it
			switch r.IntN(4) {
			case 0:
				reg.Subnets = slices.Delete(reg.Subnets, 0, min(1, len(reg.Subnets)))
			case 1:
				reg.SecurityGroups = slices.Delete(reg.SecurityGroups, 0, min(1, len(reg.SecurityGroups)))
			case 2:
				reg.VPCs = nil
			default:
				reg.PrefixLists = nil
			}
		case 14: // a question's destination, protocol or port (now and then:
			// most bent questions are refused before the walk)
			if r.IntN(4) != 0 {
				continue
			}
			switch r.IntN(3) {
			case 0:
				q.To = pick(r, mangledDests)
			case 1:
				q.Proto = pick(r, []string{"", "TCP", " udp ", "icmp", "all", "sctp"})
			default:
				q.Port = pick(r, []int{0, -1, 1, 65535, 65536, 1 << 40})
			}
		default: // a question's source (now and then)
			if r.IntN(4) == 0 {
				q.From = pick(r, append(mangledIDs, "eni-"+q.From))
			}
		}
	}
}
