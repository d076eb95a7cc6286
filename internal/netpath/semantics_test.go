package netpath

import (
	"errors"
	"strings"
	"testing"

	"github.com/pdr-audit/pdr-audit/internal/model"
)

// AWS documentation each group of cases is written from.
const (
	docSG       = "https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html"
	docNACL     = "https://docs.aws.amazon.com/vpc/latest/userguide/nacl-rules.html"
	docNACLEph  = "https://docs.aws.amazon.com/vpc/latest/userguide/custom-network-acl.html" // ephemeral ports
	docNACLBase = "https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html"
	docRoutes   = "https://docs.aws.amazon.com/vpc/latest/userguide/route-tables-priority.html"
	docSubnetRT = "https://docs.aws.amazon.com/vpc/latest/userguide/subnet-route-tables.html"
	docIGW      = "https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Internet_Gateway.html"
	docNAT      = "https://docs.aws.amazon.com/vpc/latest/userguide/vpc-nat-gateway.html"
	docPL       = "https://docs.aws.amazon.com/vpc/latest/userguide/managed-prefix-lists.html"
	docEndpoint = "https://docs.aws.amazon.com/vpc/latest/privatelink/privatelink-access-aws-services.html"
)

type semanticCase struct {
	name  string
	doc   string
	setup func(w *world)
	q     Query
	want  string
	// by, kind, dir: the blocking component (Verdict blocked).
	by, kind, dir string
	// reason is part of the blocking component's reason.
	reason string
	// missing is part of some Missing line (Verdict unknown).
	missing string
	// through are ids the path must contain; avoid ids it must not.
	through, avoid []string
}

func tcp(from, to string, port int) Query { return Query{From: from, To: to, Proto: TCP, Port: port} }

func runSemantic(t *testing.T, cases []semanticCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := standard()
			if tc.setup != nil {
				tc.setup(w)
			}
			v := New(w.s).Reach(tc.q)
			t.Logf("%s\n%+v", tc.doc, v)
			if v.Verdict != tc.want {
				t.Fatalf("verdict %s, want %s (%s): %+v", v.Verdict, tc.want, tc.doc, v)
			}
			if tc.want == Blocked {
				if v.BlockedBy == nil {
					t.Fatalf("blocked without a blocking component")
				}
				if tc.by != "" && v.BlockedBy.ID != tc.by {
					t.Errorf("blocked by %s, want %s: %+v", v.BlockedBy.ID, tc.by, v.BlockedBy)
				}
				if tc.kind != "" && v.BlockedBy.Kind != tc.kind {
					t.Errorf("blocking kind %s, want %s", v.BlockedBy.Kind, tc.kind)
				}
				if tc.dir != "" && v.BlockedBy.Direction != tc.dir {
					t.Errorf("blocking direction %s, want %s", v.BlockedBy.Direction, tc.dir)
				}
				if !strings.Contains(v.BlockedBy.Reason, tc.reason) {
					t.Errorf("reason %q, want it to contain %q", v.BlockedBy.Reason, tc.reason)
				}
			} else if v.BlockedBy != nil {
				t.Errorf("%s verdict with a blocking component %+v", v.Verdict, v.BlockedBy)
			}
			if tc.want == Unknown {
				if len(v.Missing) == 0 {
					t.Errorf("unknown without Missing")
				}
				found := false
				for _, m := range v.Missing {
					found = found || strings.Contains(m, tc.missing)
				}
				if !found {
					t.Errorf("missing %q, want a line containing %q", v.Missing, tc.missing)
				}
			} else if len(v.Missing) > 0 {
				t.Errorf("%s verdict with Missing %q", v.Verdict, v.Missing)
			}
			for _, id := range tc.through {
				if !pathHas(v, id) {
					t.Errorf("path lacks %s: %+v", id, v.Path)
				}
			}
			for _, id := range tc.avoid {
				if pathHas(v, id) {
					t.Errorf("path has %s: %+v", id, v.Path)
				}
			}
		})
	}
}

func pathHas(v Verdict, id string) bool {
	for _, c := range v.Path {
		if c.ID == id {
			return true
		}
	}
	return false
}

func TestNetworkACLs(t *testing.T) {
	runSemantic(t, []semanticCase{
		{
			name: "the lowest-numbered matching rule decides: a deny at 90 beats an allow at 100", doc: docNACL,
			setup: func(w *world) {
				w.acl("acl-app", "vpc-1", []string{"subnet-app"},
					entry(100, true, "-1", "allow", "0.0.0.0/0", ""), entry(90, true, "6", "deny", "204.110.219.96/27", "4138"),
					entry(100, false, "-1", "allow", "0.0.0.0/0", ""))
			},
			q:    tcp("i-app", "204.110.219.96/27", 4138),
			want: Blocked, by: "acl-app", kind: KindNetworkACL, dir: Egress,
			reason: "acl-app egress rule 90 denies tcp 4138 to 204.110.219.96/27",
		},
		{
			name: "an allow numbered below a deny decides first", doc: docNACL,
			setup: func(w *world) {
				w.acl("acl-app", "vpc-1", []string{"subnet-app"},
					entry(80, true, "6", "allow", "204.110.219.96/27", "4138"), entry(90, true, "6", "deny", "0.0.0.0/0", "4138"),
					entry(100, true, "-1", "allow", "0.0.0.0/0", ""), entry(100, false, "-1", "allow", "0.0.0.0/0", ""))
			},
			q: tcp("i-app", "204.110.219.96/27", 4138), want: Allowed, through: []string{"acl-app"},
		},
		{
			name: "traffic no rule matches is denied by the * rule", doc: docNACLBase,
			setup: func(w *world) {
				w.acl("acl-app", "vpc-1", []string{"subnet-app"},
					entry(100, true, "6", "allow", "0.0.0.0/0", "22"), entry(100, false, "-1", "allow", "0.0.0.0/0", ""))
			},
			q:    tcp("i-app", "8.8.8.8", 443),
			want: Blocked, by: "acl-app", dir: Egress, reason: "acl-app egress rule * denies tcp 443 to 8.8.8.8",
		},
		{
			name: "with no * entry listed the implicit deny still applies", doc: docNACLBase,
			setup: func(w *world) {
				w.acl("acl-app", "vpc-1", []string{"subnet-app"}, entry(100, false, "-1", "allow", "0.0.0.0/0", ""))
				a := &w.r().NetworkACLs[len(w.r().NetworkACLs)-1]
				a.Entries = a.Entries[:1]
			},
			q:    tcp("i-app", "10.0.2.10", 5432),
			want: Blocked, by: "acl-app", dir: Egress, reason: "no rule allows it",
		},
		{
			name: "stateless: without an outbound rule for the ephemeral ports the reply never leaves the destination subnet", doc: docNACLEph,
			setup: func(w *world) {
				w.acl("acl-db", "vpc-1", []string{"subnet-db"},
					entry(100, false, "6", "allow", "10.0.0.0/16", "5432"), entry(100, true, "6", "allow", "10.0.0.0/16", "5432"))
			},
			q:    tcp("i-app", "i-db", 5432),
			want: Blocked, by: "acl-db", dir: Egress, reason: "acl-db egress rule * denies the reply tcp 1024-5431 to 10.0.1.10", // 5432 itself is allowed by rule 100
		},
		{
			name: "the reply must be allowed on every ephemeral port (1024-65535), not only Linux's 32768-65535", doc: docNACLEph,
			setup: func(w *world) {
				w.acl("acl-app", "vpc-1", []string{"subnet-app"},
					entry(100, true, "-1", "allow", "0.0.0.0/0", ""), entry(100, false, "6", "allow", "0.0.0.0/0", "32768-65535"))
			},
			q:    tcp("i-app", "i-db", 5432),
			want: Blocked, by: "acl-app", dir: Ingress, reason: "the reply tcp 1024-32767 from 10.0.2.10",
		},
		{
			name: "the reply entering the source subnet is checked against the destination's address", doc: docNACLEph,
			setup: func(w *world) {
				w.acl("acl-app", "vpc-1", []string{"subnet-app"},
					entry(100, true, "-1", "allow", "0.0.0.0/0", ""), entry(100, false, "6", "allow", "10.0.0.0/16", "1024-65535"))
			},
			q:    tcp("i-app", "8.8.8.8", 443),
			want: Blocked, by: "acl-app", dir: Ingress, reason: "acl-app ingress rule * denies the reply tcp 1024-65535 from 8.8.8.8",
		},
		{
			name: "traffic between two interfaces of one subnet skips the subnet's ACL", doc: docNACLBase,
			setup: func(w *world) {
				w.acl("acl-deny", "vpc-1", []string{"subnet-app"})
			},
			q: tcp("i-app", "i-app2", 7777), want: Allowed, avoid: []string{"acl-deny"},
		},
		{
			name: "a CIDR partly denied is blocked, naming the rule and the denied part", doc: docNACL,
			setup: func(w *world) {
				w.acl("acl-app", "vpc-1", []string{"subnet-app"},
					entry(50, true, "6", "deny", "204.110.219.112/28", "4138"), entry(100, true, "-1", "allow", "0.0.0.0/0", ""),
					entry(100, false, "-1", "allow", "0.0.0.0/0", ""))
			},
			q:    tcp("i-app", "204.110.219.96/27", 4138),
			want: Blocked, by: "acl-app", reason: "rule 50 denies tcp 4138 to 204.110.219.112/28",
		},
		{
			name: "a deny for other ports does not touch the question's port", doc: docNACL,
			setup: func(w *world) {
				w.acl("acl-app", "vpc-1", []string{"subnet-app"},
					entry(50, true, "6", "deny", "0.0.0.0/0", "22"), entry(100, true, "-1", "allow", "0.0.0.0/0", ""),
					entry(100, false, "-1", "allow", "0.0.0.0/0", ""))
			},
			q: tcp("i-app", "8.8.8.8", 443), want: Allowed,
		},
		{
			name: "a subnet no ACL of the snapshot names is unknown, not allowed", doc: docNACLBase,
			setup: func(w *world) {
				w.r().NetworkACLs[0].Associations = w.r().NetworkACLs[0].Associations[:2] // drops subnet-db
			},
			q: tcp("i-app", "i-db", 5432), want: Unknown, missing: "no network ACL of the snapshot is associated with subnet-db",
		},
	})
}

func TestSecurityGroups(t *testing.T) {
	runSemantic(t, []semanticCase{
		{
			name: "stateful: the reply needs no rule, so a destination with no egress and a source with no ingress still talk", doc: docSG,
			setup: func(w *world) {
				w.sg("sg-db").Egress = nil
				w.sg("sg-open").Ingress = nil
			},
			q: tcp("i-app", "i-db", 5432), want: Allowed, through: []string{"sg-open", "sg-db"},
		},
		{
			name: "no egress rule for the port blocks at the source group", doc: docSG,
			setup: func(w *world) {
				w.sg("sg-open").Egress = []model.Permission{allow("tcp", "443", "0.0.0.0/0")}
			},
			q:    tcp("i-app", "i-db", 7777),
			want: Blocked, by: "sg-open", kind: KindSecurityGroup, dir: Egress, reason: "sg-open has no egress rule for tcp/7777 to 10.0.2.10",
		},
		{
			name: "no ingress rule blocks at the destination group, naming the source address", doc: docSG,
			q:    tcp("i-app", "i-db", 7777),
			want: Blocked, by: "sg-db", dir: Ingress, reason: "sg-db has no ingress rule for tcp/7777 from 10.0.1.10",
		},
		{
			name: "the groups of an interface are OR-ed: one admitting is enough", doc: docSG,
			setup: func(w *world) {
				w.group("sg-7777", "vpc-1", []model.Permission{allow("tcp", "7777", "10.0.1.10/32")}, nil)
				w.inst("i-db").NetworkInterfaces[0].SecurityGroupIDs = []string{"sg-db", "sg-7777"}
			},
			q: tcp("i-app", "i-db", 7777), want: Allowed, through: []string{"sg-7777"},
		},
		{
			name: "a group reference matches the interfaces in the referenced group", doc: docSG,
			setup: func(w *world) {
				w.group("sg-app", "vpc-1", nil, []model.Permission{allow("-1", "", "0.0.0.0/0")})
				w.inst("i-app").NetworkInterfaces[0].SecurityGroupIDs = []string{"sg-app"}
				w.sg("sg-db").Ingress = []model.Permission{allow("tcp", "5432", "sg-app")}
			},
			q: tcp("i-app", "i-db", 5432), want: Allowed,
		},
		{
			name: "a group reference does not match an interface outside the group", doc: docSG,
			setup: func(w *world) {
				w.group("sg-app", "vpc-1", nil, nil)
				w.sg("sg-db").Ingress = []model.Permission{allow("tcp", "5432", "sg-app")}
			},
			q:    tcp("i-app", "i-db", 5432),
			want: Blocked, by: "sg-db", reason: "no ingress rule for tcp/5432 from 10.0.1.10",
		},
		{
			name: "an egress reference to the destination's group admits it", doc: docSG,
			setup: func(w *world) {
				w.sg("sg-open").Egress = []model.Permission{allow("tcp", "5432", "sg-db")}
			},
			q: tcp("i-app", "i-db", 5432), want: Allowed,
		},
		{
			name: "a reference to a group of another account is unknown, with the account named", doc: docSG,
			setup: func(w *world) {
				w.sg("sg-db").Ingress = []model.Permission{{Protocol: "tcp", FromPort: i32p(5432), ToPort: i32p(5432),
					Groups: []model.GroupRef{{GroupID: "sg-foreign", UserID: "444455556666"}}}}
			},
			q: tcp("i-app", "i-db", 5432), want: Unknown, missing: "sg-foreign of account 444455556666",
		},
		{
			name: "another rule admitting the traffic makes the unknown reference irrelevant", doc: docSG,
			setup: func(w *world) {
				w.sg("sg-db").Ingress = []model.Permission{allow("tcp", "5432", "10.0.1.0/24"), {Protocol: "tcp", FromPort: i32p(5432), ToPort: i32p(5432),
					Groups: []model.GroupRef{{GroupID: "sg-foreign", UserID: "444455556666"}}}}
			},
			q: tcp("i-app", "i-db", 5432), want: Allowed,
		},
		{
			name: "an unknown reference cannot admit another port: that part still blocks", doc: docSG,
			setup: func(w *world) {
				w.sg("sg-db").Ingress = []model.Permission{{Protocol: "tcp", FromPort: i32p(5432), ToPort: i32p(5432),
					Groups: []model.GroupRef{{GroupID: "sg-foreign", UserID: "444455556666"}}}}
			},
			q: tcp("i-app", "i-db", 22), want: Blocked, by: "sg-db",
		},
		{
			name: "an egress rule to a managed prefix list admits the list's CIDRs", doc: docPL,
			setup: func(w *world) {
				w.prefixList("pl-dc", true, "204.110.218.96/27", "204.110.219.96/27")
				w.sg("sg-open").Egress = []model.Permission{allow("tcp", "4138", "pl-dc")}
			},
			q: tcp("i-app", "204.110.219.96/27", 4138), want: Allowed, through: []string{"sg-open"},
		},
		{
			name: "a prefix list does not admit what it does not list", doc: docPL,
			setup: func(w *world) {
				w.prefixList("pl-dc", true, "204.110.218.96/27")
				w.sg("sg-open").Egress = []model.Permission{allow("tcp", "4138", "pl-dc")}
			},
			q:    tcp("i-app", "204.110.219.96/27", 4138),
			want: Blocked, by: "sg-open", reason: "to 204.110.219.96/27",
		},
		{
			name: "a prefix list whose entries were not read is unknown", doc: docPL,
			setup: func(w *world) {
				w.prefixList("pl-dc", false)
				w.gap("ec2:GetManagedPrefixListEntries", "pl-dc")
				w.sg("sg-open").Egress = []model.Permission{allow("tcp", "4138", "pl-dc")}
			},
			q: tcp("i-app", "204.110.219.96/27", 4138), want: Unknown, missing: "ec2:GetManagedPrefixListEntries for pl-dc could not be read",
		},
		{
			name: "a CIDR must be covered whole: the union of rules may cover it, a gap blocks naming the uncovered part", doc: docSG,
			setup: func(w *world) {
				w.sg("sg-open").Egress = []model.Permission{allow("tcp", "443", "204.110.219.96/28")}
			},
			q:    tcp("i-app", "204.110.219.96/27", 443),
			want: Blocked, by: "sg-open", reason: "to 204.110.219.112/28",
		},
		{
			name: "rules for the two halves of the internet together admit the internet", doc: docSG,
			setup: func(w *world) {
				w.sg("sg-open").Egress = []model.Permission{allow("tcp", "443", "0.0.0.0/1"), allow("tcp", "443", "128.0.0.0/1")}
			},
			q: tcp("i-app", "internet", 443), want: Allowed,
		},
		{
			name: "icmp asks about echo: a rule for echo requests admits it", doc: docSG,
			setup: func(w *world) {
				w.sg("sg-db").Ingress = []model.Permission{allow("icmp", "8/-1", "10.0.0.0/16")}
			},
			q: Query{From: "i-app", To: "i-db", Proto: ICMP}, want: Allowed,
		},
		{
			name: "icmp: a rule for another ICMP type does not admit echo", doc: docSG,
			setup: func(w *world) {
				w.sg("sg-db").Ingress = []model.Permission{allow("icmp", "3/-1", "10.0.0.0/16")}
			},
			q: Query{From: "i-app", To: "i-db", Proto: ICMP}, want: Blocked, by: "sg-db", reason: "icmp type 8 code 0",
		},
		{
			name: "all traffic needs every protocol and port: a group admitting only tcp blocks, naming what is missing", doc: docSG,
			setup: func(w *world) {
				w.sg("sg-db").Ingress = []model.Permission{allow("tcp", "0-65535", "10.0.0.0/16")}
			},
			q: Query{From: "i-app", To: "i-db", Proto: All}, want: Blocked, by: "sg-db", reason: "has no ingress rule for udp/0-65535",
		},
		{
			name: "all traffic is admitted by protocol -1 rules", doc: docSG,
			setup: func(w *world) {
				w.sg("sg-db").Ingress = []model.Permission{allow("-1", "", "10.0.1.0/24")}
			},
			q: Query{From: "i-app", To: "i-db", Proto: All}, want: Allowed,
		},
		{
			name: "an interface whose group is not in the snapshot is unknown", doc: docSG,
			setup: func(w *world) {
				w.inst("i-db").NetworkInterfaces[0].SecurityGroupIDs = []string{"sg-gone"}
			},
			q: tcp("i-app", "i-db", 5432), want: Unknown, missing: "security group sg-gone is not in the snapshot",
		},
	})
}

func i32p(v int32) *int32 { return &v }

func TestRouting(t *testing.T) {
	runSemantic(t, []semanticCase{
		{
			name: "the longest prefix wins: a /24 to a transit gateway beats 0.0.0.0/0 to the NAT gateway", doc: docRoutes,
			setup: func(w *world) {
				w.rt("rtb-main").Routes = append(w.rt("rtb-main").Routes, route("204.110.219.0/24", "tgw-1"))
			},
			q: tcp("i-app", "204.110.219.100", 443), want: Unknown, missing: "leaves the VPC through tgw-1",
		},
		{
			name: "addresses outside the longer prefix still use the default route", doc: docRoutes,
			setup: func(w *world) {
				w.rt("rtb-main").Routes = append(w.rt("rtb-main").Routes, route("204.110.219.0/24", "tgw-1"))
			},
			q: tcp("i-app", "8.8.8.8", 443), want: Allowed, through: []string{"rtb-main", "nat-1", "igw-1"},
		},
		{
			name: "a CIDR split between routes takes each part its own way: the part leaving through a peering is unknown", doc: docRoutes,
			setup: func(w *world) {
				w.rt("rtb-main").Routes = append(w.rt("rtb-main").Routes, route("8.8.8.0/25", "pcx-1"))
			},
			q: tcp("i-app", "8.8.8.0/24", 443), want: Unknown, missing: "path to 8.8.8.0/25 leaves the VPC through pcx-1",
		},
		{
			name: "a subnet with no explicit association uses the main route table", doc: docSubnetRT,
			q: tcp("i-app", "8.8.8.8", 443), want: Allowed, through: []string{"rtb-main", "nat-1"},
		},
		{
			name: "an explicit association wins over the main table", doc: docSubnetRT,
			setup: func(w *world) {
				w.table("rtb-app", "vpc-1", false, []string{"subnet-app"}, route("10.0.0.0/16", "local"))
			},
			q:    tcp("i-app", "8.8.8.8", 443),
			want: Blocked, by: "rtb-app", kind: KindRouteTable, reason: "rtb-app has no route to 8.8.8.8",
		},
		{
			name: "a blackhole route blocks", doc: docRoutes,
			setup: func(w *world) {
				w.rt("rtb-main").Routes[1] = route("0.0.0.0/0", "blackhole:nat-gone")
			},
			q:    tcp("i-app", "8.8.8.8", 443),
			want: Blocked, by: "rtb-main", reason: "a blackhole",
		},
		{
			name: "the local route keeps VPC traffic inside the VPC whatever the default route", doc: docRoutes,
			setup: func(w *world) {
				w.rt("rtb-main").Routes[1] = route("0.0.0.0/0", "blackhole:nat-gone")
			},
			q: tcp("i-app", "i-db", 5432), want: Allowed,
		},
		{
			name: "a virtual private gateway route leaves the VPC: unknown, not guessed", doc: docRoutes,
			setup: func(w *world) {
				w.rt("rtb-main").Routes = append(w.rt("rtb-main").Routes, route("192.168.0.0/16", "vgw-1"))
			},
			q: tcp("i-app", "192.168.1.1", 22), want: Unknown, missing: "leaves the VPC through vgw-1 (virtual-private-gateway)",
		},
		{
			name: "a static route beats a prefix-list route to the same prefix", doc: docRoutes,
			setup: func(w *world) {
				w.prefixList("pl-x", true, "8.8.8.0/24")
				w.rt("rtb-main").Routes = append(w.rt("rtb-main").Routes, route("pl-x", "tgw-1"), route("8.8.8.0/24", "nat-1"))
			},
			q: tcp("i-app", "8.8.8.8", 443), want: Allowed, through: []string{"nat-1"},
		},
		{
			name: "a prefix-list route carries the list's CIDRs", doc: docRoutes,
			setup: func(w *world) {
				w.prefixList("pl-x", true, "8.8.8.0/24")
				w.rt("rtb-main").Routes = append(w.rt("rtb-main").Routes, route("pl-x", "tgw-1"))
			},
			q: tcp("i-app", "8.8.8.8", 443), want: Unknown, missing: "leaves the VPC through tgw-1",
		},
	})
}

func TestGateways(t *testing.T) {
	runSemantic(t, []semanticCase{
		{
			name: "an internet gateway needs a public IPv4 address on the instance", doc: docIGW,
			setup: func(w *world) {
				w.rt("rtb-pub").Associations = append(w.rt("rtb-pub").Associations, model.RouteTableAssociation{ID: "x", SubnetID: "subnet-app"})
			},
			q:    tcp("i-app", "8.8.8.8", 443),
			want: Blocked, by: "i-app", kind: KindInstance, reason: "i-app has no public IP for igw-1",
		},
		{
			name: "asked by interface id, the interface is the one without a public IP", doc: docIGW,
			setup: func(w *world) {
				w.rt("rtb-pub").Associations = append(w.rt("rtb-pub").Associations, model.RouteTableAssociation{ID: "x", SubnetID: "subnet-app"})
			},
			q:    tcp("eni-app", "8.8.8.8", 443),
			want: Blocked, by: "eni-app", kind: KindNetworkInterface, reason: "eni-app has no public IP for igw-1",
		},
		{
			name: "with a public IP the internet gateway carries the traffic", doc: docIGW,
			q: tcp("i-pub", "internet", 443), want: Allowed, through: []string{"rtb-pub", "igw-1"},
		},
		{
			name: "an internet gateway that is not attached to the VPC blocks", doc: docIGW,
			setup: func(w *world) {
				w.r().InternetGateways[0].Attachments = nil
			},
			q: tcp("i-pub", "8.8.8.8", 443), want: Blocked, by: "igw-1", kind: KindInternetGateway,
		},
		{
			name: "a NAT gateway in a private subnet (no route to an internet gateway) blocks at that subnet's table", doc: docNAT,
			setup: func(w *world) {
				w.r().NATGateways[0].SubnetID = "subnet-db"
				w.table("rtb-db", "vpc-1", false, []string{"subnet-db"}, route("10.0.0.0/16", "local"))
			},
			q:    tcp("i-app", "8.8.8.8", 443),
			want: Blocked, by: "rtb-db", kind: KindRouteTable, reason: "rtb-db (the table of nat-1's subnet subnet-db) has no route to 8.8.8.8",
		},
		{
			name: "a NAT gateway whose subnet routes back to a NAT gateway blocks", doc: docNAT,
			setup: func(w *world) {
				w.r().NATGateways[0].SubnetID = "subnet-db"
			},
			q: tcp("i-app", "8.8.8.8", 443), want: Blocked, by: "rtb-main", reason: "not to an internet gateway",
		},
		{
			name: "a NAT gateway that is not available blocks", doc: docNAT,
			setup: func(w *world) {
				w.r().NATGateways[0].State = "deleted"
			},
			q: tcp("i-app", "8.8.8.8", 443), want: Blocked, by: "nat-1", kind: KindNATGateway, reason: "nat-1 is deleted, not available",
		},
		{
			name: "a private NAT gateway cannot reach the internet", doc: docNAT,
			setup: func(w *world) {
				w.r().NATGateways[0].ConnectivityType = "private"
			},
			q: tcp("i-app", "8.8.8.8", 443), want: Blocked, by: "nat-1", reason: "private NAT gateway",
		},
		{
			name: "the NAT gateway's subnet ACL must let the instance's traffic in", doc: docNAT,
			setup: func(w *world) {
				w.acl("acl-pub", "vpc-1", []string{"subnet-pub"},
					entry(100, true, "-1", "allow", "0.0.0.0/0", ""), entry(100, false, "6", "allow", "0.0.0.0/0", "1024-65535"))
			},
			q:    tcp("i-app", "8.8.8.8", 443),
			want: Blocked, by: "acl-pub", dir: Ingress, reason: "acl-pub ingress rule * denies tcp 443 from 10.0.1.10",
		},
		{
			name: "the NAT gateway's subnet ACL must let the internet's replies in", doc: docNAT,
			setup: func(w *world) {
				w.acl("acl-pub", "vpc-1", []string{"subnet-pub"},
					entry(100, true, "-1", "allow", "0.0.0.0/0", ""), entry(100, false, "-1", "allow", "10.0.0.0/16", ""))
			},
			q:    tcp("i-app", "8.8.8.8", 443),
			want: Blocked, by: "acl-pub", dir: Ingress, reason: "the reply tcp 1024-65535 from 8.8.8.8",
		},
		{
			name: "through an available NAT gateway in a public subnet the internet is reached", doc: docNAT,
			q: tcp("i-app", "internet", 443), want: Allowed, through: []string{"nat-1", "rtb-pub", "igw-1"},
		},
	})
}

func TestInterfaceEndpoints(t *testing.T) {
	ssm := func(w *world) {
		w.group("sg-vpce", "vpc-1", []model.Permission{allow("tcp", "443", "10.0.0.0/16")}, nil)
		w.subnet("subnet-vpce", "vpc-1", "us-east-1a", "10.0.9.0/24")
		w.r().NetworkACLs[0].Associations = append(w.r().NetworkACLs[0].Associations, model.NetworkACLAssociation{SubnetID: "subnet-vpce"})
		w.endpoint("vpce-ssm", "ssm", true, []string{"subnet-vpce"}, "sg-vpce")
	}
	runSemantic(t, []semanticCase{
		{
			name: "with private DNS the service name goes to the endpoint's interfaces, through its groups", doc: docEndpoint,
			setup: ssm, q: tcp("i-db", "service:ssm", 443),
			want: Allowed, through: []string{"vpce-ssm", "sg-vpce"}, avoid: []string{"nat-1"},
		},
		{
			name: "an endpoint group that does not admit the source blocks", doc: docEndpoint,
			setup: func(w *world) {
				ssm(w)
				w.sg("sg-vpce").Ingress = []model.Permission{allow("tcp", "443", "10.0.0.0/24")}
			},
			q:    tcp("i-db", "service:ssm", 443),
			want: Blocked, by: "sg-vpce", dir: Ingress, reason: "sg-vpce has no ingress rule for tcp/443 from 10.0.2.10",
		},
		{
			name: "the endpoint's address is unknown, so the source's rules must cover its whole subnet", doc: docEndpoint,
			setup: func(w *world) {
				ssm(w)
				w.sg("sg-db").Egress = []model.Permission{allow("tcp", "443", "10.0.9.0/25")}
			},
			q:    tcp("i-db", "service:ssm", 443),
			want: Blocked, by: "sg-db", dir: Egress, reason: "to 10.0.9.128-10.0.9.254", // AWS reserves the last address
		},
		{
			name: "an egress reference to the endpoint's group admits the endpoint", doc: docEndpoint,
			setup: func(w *world) {
				ssm(w)
				w.sg("sg-db").Egress = []model.Permission{allow("tcp", "443", "sg-vpce")}
			},
			q: tcp("i-db", "service:ssm", 443), want: Allowed,
		},
		{
			name: "without private DNS the service is reached over the internet", doc: docEndpoint,
			setup: func(w *world) {
				ssm(w)
				w.r().VPCEndpoints[0].PrivateDNSEnabled = false
			},
			q: tcp("i-db", "service:ssm", 443), want: Allowed, through: []string{"nat-1"}, avoid: []string{"vpce-ssm"},
		},
		{
			name: "every subnet of the endpoint must be reachable: private DNS answers with all its interfaces", doc: docEndpoint,
			setup: func(w *world) {
				ssm(w)
				w.subnet("subnet-vpce-b", "vpc-1", "us-east-1b", "10.0.8.0/24")
				w.acl("acl-vpce-b", "vpc-1", []string{"subnet-vpce-b"}, entry(100, true, "-1", "allow", "0.0.0.0/0", ""))
				w.r().VPCEndpoints[0].SubnetIDs = append(w.r().VPCEndpoints[0].SubnetIDs, "subnet-vpce-b")
			},
			q:    tcp("i-db", "service:ssm", 443),
			want: Blocked, by: "acl-vpce-b", dir: Ingress,
		},
		{
			name: "when endpoints cannot be read, whether one exists is unknown", doc: docEndpoint,
			setup: func(w *world) {
				w.gap("ec2:DescribeVpcEndpoints", "")
			},
			q: tcp("i-db", "service:ssm", 443), want: Unknown, missing: "ec2:DescribeVpcEndpoints could not be read",
		},
	})
}

func TestGapsAndUnknowns(t *testing.T) {
	runSemantic(t, []semanticCase{
		{
			name: "unreadable network ACLs make the verdict unknown, never allowed", doc: docNACLBase,
			setup: func(w *world) {
				w.r().NetworkACLs = nil
				w.gap("ec2:DescribeNetworkAcls", "")
			},
			q: tcp("i-app", "i-db", 5432), want: Unknown, missing: "ec2:DescribeNetworkAcls could not be read in 111122223333/us-east-1",
		},
		{
			name: "a definite block before the unreadable component stays blocked", doc: docSG,
			setup: func(w *world) {
				w.r().NetworkACLs = nil
				w.gap("ec2:DescribeNetworkAcls", "")
			},
			q: tcp("i-app", "i-db", 7777), want: Blocked, by: "sg-db",
		},
		{
			name: "a definite block after the unreadable component still blocks: whatever the ACL does, the group drops it", doc: docSG,
			setup: func(w *world) {
				w.r().NetworkACLs = nil
				w.gap("ec2:DescribeNetworkAcls", "")
				w.sg("sg-open").Egress = []model.Permission{allow("tcp", "5432", "10.0.2.0/24")}
			},
			q: tcp("i-app", "i-db", 22), want: Blocked, by: "sg-open",
		},
		{
			name: "unreadable route tables stop the path: where it goes is unknown", doc: docRoutes,
			setup: func(w *world) {
				w.r().RouteTables = nil
				w.gap("ec2:DescribeRouteTables", "")
			},
			q: tcp("i-app", "8.8.8.8", 443), want: Unknown, missing: "ec2:DescribeRouteTables could not be read",
		},
		{
			name: "unreadable security groups make the verdict unknown", doc: docSG,
			setup: func(w *world) {
				w.r().SecurityGroups = nil
				w.gap("ec2:DescribeSecurityGroups", "")
			},
			q: tcp("i-app", "i-db", 5432), want: Unknown, missing: "ec2:DescribeSecurityGroups could not be read",
		},
		{
			name: "unreadable NAT gateways make a path through one unknown", doc: docNAT,
			setup: func(w *world) {
				w.r().NATGateways = nil
				w.gap("ec2:DescribeNatGateways", "")
			},
			q: tcp("i-app", "8.8.8.8", 443), want: Unknown, missing: "ec2:DescribeNatGateways could not be read",
		},
		{
			name: "an address of the VPC that no interface of the snapshot holds is unknown", doc: docRoutes,
			q: tcp("i-app", "10.0.2.99", 443), want: Unknown, missing: "no interface of the snapshot holds 10.0.2.99 in vpc-1",
		},
		{
			name: "an address held by an instance is that instance: its groups apply", doc: docSG,
			q: tcp("i-app", "10.0.2.10", 7777), want: Blocked, by: "sg-db",
		},
		{
			name: "an unknown source while instances could not be read is unknown", doc: docSG,
			setup: func(w *world) {
				w.gap("ec2:DescribeInstances", "")
			},
			q: tcp("i-missing", "8.8.8.8", 443), want: Unknown, missing: "i-missing is not in the snapshot",
		},
	})
}

func TestDestinationsAndOddities(t *testing.T) {
	runSemantic(t, []semanticCase{
		{
			name: "an instance in another VPC with an overlapping address is not reached by the local route", doc: docRoutes,
			setup: func(w *world) {
				w.r().VPCs = append(w.r().VPCs, model.VPC{ID: "vpc-2", CIDRBlocks: []string{"10.0.0.0/16"}})
				w.subnet("subnet-other", "vpc-2", "us-east-1a", "10.0.5.0/24")
				w.acl("acl-other", "vpc-2", []string{"subnet-other"})
				w.instance("i-other", "subnet-other", "10.0.5.5", "", "sg-open")
			},
			q: tcp("i-app", "i-other", 443), want: Blocked, by: "rtb-main", reason: "i-other is in vpc-2",
		},
		{
			name: "the internet is every public address: a deny for private ranges does not touch it", doc: docNACL,
			setup: func(w *world) {
				w.acl("acl-app", "vpc-1", []string{"subnet-app"},
					entry(50, true, "-1", "deny", "172.16.0.0/12", ""), entry(100, true, "-1", "allow", "0.0.0.0/0", ""),
					entry(100, false, "-1", "allow", "0.0.0.0/0", ""))
			},
			q: tcp("i-app", "internet", 443), want: Allowed,
		},
		{
			name: "the internet is blocked by a deny for some public range, which is named", doc: docNACL,
			setup: func(w *world) {
				w.acl("acl-app", "vpc-1", []string{"subnet-app"},
					entry(50, true, "6", "deny", "52.94.0.0/16", "443"), entry(100, true, "-1", "allow", "0.0.0.0/0", ""),
					entry(100, false, "-1", "allow", "0.0.0.0/0", ""))
			},
			q: tcp("i-app", "internet", 443), want: Blocked, by: "acl-app", reason: "rule 50 denies tcp 443 to internet addresses 52.94.0.0/16",
		},
		{
			name: "an instance reaches its own address", doc: docSG,
			q: tcp("i-db", "i-db", 22), want: Allowed,
		},
	})
}

// The answer is memoised per equivalence class, but its words are each
// query's own.
func TestMemoisedAnswersNameEachQuerysOwnEnds(t *testing.T) {
	w := standard()
	w.instance("i-app3", "subnet-app", "10.0.1.12", "", "sg-open")
	e := New(w.s)
	for _, src := range []string{"i-app", "i-app2", "i-app3"} {
		v := e.Reach(tcp(src, "i-db", 7777))
		want := "sg-db has no ingress rule for tcp/7777 from " + map[string]string{"i-app": "10.0.1.10", "i-app2": "10.0.1.11", "i-app3": "10.0.1.12"}[src]
		if v.BlockedBy == nil || v.BlockedBy.Reason != want {
			t.Errorf("%s: %+v, want reason %q", src, v.BlockedBy, want)
		}
	}
	w.r().RouteTables[1].Associations = append(w.r().RouteTables[1].Associations, model.RouteTableAssociation{ID: "x", SubnetID: "subnet-app"})
	e = New(w.s)
	for _, src := range []string{"i-app", "i-app2"} {
		v := e.Reach(tcp(src, "8.8.8.8", 443))
		if v.BlockedBy == nil || v.BlockedBy.ID != src || !strings.HasPrefix(v.BlockedBy.Reason, src+" has no public IP") {
			t.Errorf("%s: %+v", src, v.BlockedBy)
		}
	}
}

func TestValidateRejectsMalformedQueries(t *testing.T) {
	e := New(standard().s)
	tests := []struct {
		name string
		q    Query
		want error
	}{
		{"an unknown protocol", Query{From: "i-app", To: "i-db", Proto: "sctp"}, ErrQuery},
		{"a tcp question without a port", Query{From: "i-app", To: "i-db", Proto: TCP}, ErrQuery},
		{"a port above 65535", Query{From: "i-app", To: "i-db", Proto: UDP, Port: 70000}, ErrQuery},
		{"a source that is no instance or interface id", Query{From: "sg-open", To: "i-db", Proto: TCP, Port: 1}, ErrQuery},
		{"a source the snapshot does not hold", Query{From: "i-nope", To: "i-db", Proto: TCP, Port: 1}, ErrUnknownID},
		{"a destination the snapshot does not hold", Query{From: "i-app", To: "i-nope", Proto: TCP, Port: 1}, ErrUnknownID},
		{"a destination that is no address or name", Query{From: "i-app", To: "example.com", Proto: TCP, Port: 1}, ErrQuery},
		{"an empty service name", Query{From: "i-app", To: "service:", Proto: TCP, Port: 443}, ErrQuery},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := e.Validate(tt.q)
			if err == nil || !errors.Is(err, tt.want) {
				t.Fatalf("Validate = %v, want %v", err, tt.want)
			}
			if v := e.Reach(tt.q); v.Verdict != Unknown || len(v.Missing) != 1 {
				t.Errorf("Reach = %+v, want unknown naming the problem", v)
			}
		})
	}
	if err := e.Validate(Query{From: "eni-app", To: "service:ssm", Proto: "TCP", Port: 443}); err != nil {
		t.Errorf("a well-formed query: %v", err)
	}
}

// Memoised answers must not leak between a self query and another
// interface of the same class.
func TestSelfQueriesDoNotAnswerForTheirClass(t *testing.T) {
	w := standard()
	w.sg("sg-open").Ingress = []model.Permission{allow("tcp", "443", "0.0.0.0/0")}
	e := New(w.s)
	if v := e.Reach(tcp("i-app", "i-app", 22)); v.Verdict != Allowed {
		t.Fatalf("self: %+v", v)
	}
	if v := e.Reach(tcp("i-app", "i-app2", 22)); v.Verdict != Blocked {
		t.Fatalf("to a twin of the same class: %+v", v)
	}
	if v := e.Reach(tcp("i-app2", "10.0.1.0/24", 22)); v.Verdict != Blocked || !strings.Contains(v.BlockedBy.Reason, "from 10.0.1.11") {
		t.Fatalf("a CIDR holding the source: %+v", v.BlockedBy)
	}
	if v := e.Reach(tcp("i-app", "10.0.1.0/24", 22)); v.Verdict != Blocked || !strings.Contains(v.BlockedBy.Reason, "from 10.0.1.10") {
		t.Fatalf("a CIDR holding the source: %+v", v.BlockedBy)
	}
}
