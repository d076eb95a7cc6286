package netpath

import (
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/pdr-audit/pdr-audit/internal/model"
)

// bigEstate builds an estate of vpcs VPCs with perVPC monitored instances
// each, shaped like a PDR deployment: three AZs, a public and a private
// subnet per AZ (the private ones behind their AZ's NAT gateway, with a
// custom ACL), two Threat Manager appliances per VPC, an agent group
// referencing the appliance group, a dozen application groups, a
// data-center prefix list, and interface endpoints for SSM in every other
// VPC.
func bigEstate(vpcs, perVPC int) (s *model.Snapshot, monitored [][]string, appliances [][]string) {
	s = &model.Snapshot{SchemaVersion: model.SchemaVersion, CollectedAt: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		Accounts: []model.Account{{ID: testAccount, Regions: []model.Region{{Name: testRegion}}}}}
	r := &s.Accounts[0].Regions[0]
	r.PrefixLists = []model.PrefixList{{ID: "pl-dc", CIDRs: []string{"204.110.218.96/27", "204.110.219.96/27", "208.71.209.32/27"}, EntriesRead: true}}
	for v := 0; v < vpcs; v++ {
		vpc := fmt.Sprintf("vpc-%04d", v)
		cidr := fmt.Sprintf("10.%d.0.0/16", v)
		r.VPCs = append(r.VPCs, model.VPC{ID: vpc, CIDRBlocks: []string{cidr}})
		igw := "igw-" + vpc[4:]
		r.InternetGateways = append(r.InternetGateways, model.InternetGateway{ID: igw, Attachments: []model.InternetGatewayAttachment{{VPCID: vpc, State: "available"}}})
		pubACL := model.NetworkACL{ID: "acl-pub-" + vpc[4:], VPCID: vpc, Entries: []model.NetworkACLEntry{
			entry(100, false, "-1", "allow", cidr, ""), entry(120, false, "6", "allow", "0.0.0.0/0", "1024-65535"),
			entry(130, false, "17", "allow", "0.0.0.0/0", "1024-65535"), entry(100, true, "-1", "allow", "0.0.0.0/0", ""),
			entry(32767, false, "-1", "deny", "0.0.0.0/0", ""), entry(32767, true, "-1", "deny", "0.0.0.0/0", "")}}
		privACL := model.NetworkACL{ID: "acl-priv-" + vpc[4:], VPCID: vpc, Entries: []model.NetworkACLEntry{
			entry(90, true, "6", "deny", "203.0.113.0/24", ""), entry(100, true, "-1", "allow", "0.0.0.0/0", ""),
			entry(100, false, "-1", "allow", cidr, ""), entry(110, false, "6", "allow", "0.0.0.0/0", "1024-65535"),
			entry(120, false, "17", "allow", "0.0.0.0/0", "1024-65535"),
			entry(32767, false, "-1", "deny", "0.0.0.0/0", ""), entry(32767, true, "-1", "deny", "0.0.0.0/0", "")}}
		pubRT := model.RouteTable{ID: "rtb-pub-" + vpc[4:], VPCID: vpc, Routes: []model.Route{route(cidr, "local"), route("0.0.0.0/0", igw)}}
		main := model.RouteTable{ID: "rtb-main-" + vpc[4:], VPCID: vpc, Main: true, Routes: []model.Route{route(cidr, "local")},
			Associations: []model.RouteTableAssociation{{ID: "rtbassoc-main-" + vpc[4:], Main: true}}}
		r.RouteTables = append(r.RouteTables, main)
		var privSubnets []string
		for az := 0; az < 3; az++ {
			zone := testRegion + string(rune('a'+az))
			pub, priv := fmt.Sprintf("subnet-pub-%04d-%d", v, az), fmt.Sprintf("subnet-priv-%04d-%d", v, az)
			r.Subnets = append(r.Subnets,
				model.Subnet{ID: pub, VPCID: vpc, AvailabilityZone: zone, CIDRBlock: fmt.Sprintf("10.%d.%d.0/24", v, az)},
				model.Subnet{ID: priv, VPCID: vpc, AvailabilityZone: zone, CIDRBlock: fmt.Sprintf("10.%d.%d.0/20", v, 16*(az+1))})
			privSubnets = append(privSubnets, priv)
			pubACL.Associations = append(pubACL.Associations, model.NetworkACLAssociation{SubnetID: pub})
			privACL.Associations = append(privACL.Associations, model.NetworkACLAssociation{SubnetID: priv})
			pubRT.Associations = append(pubRT.Associations, model.RouteTableAssociation{SubnetID: pub})
			nat := fmt.Sprintf("nat-%04d-%d", v, az)
			r.NATGateways = append(r.NATGateways, model.NATGateway{ID: nat, VPCID: vpc, SubnetID: pub, State: "available", ConnectivityType: "public"})
			r.RouteTables = append(r.RouteTables, model.RouteTable{ID: fmt.Sprintf("rtb-priv-%04d-%d", v, az), VPCID: vpc,
				Routes:       []model.Route{route(cidr, "local"), route("0.0.0.0/0", nat)},
				Associations: []model.RouteTableAssociation{{SubnetID: priv}}})
		}
		r.RouteTables = append(r.RouteTables, pubRT)
		r.NetworkACLs = append(r.NetworkACLs, pubACL, privACL)
		tm, agent, vpce := "sg-tm-"+vpc[4:], "sg-agent-"+vpc[4:], "sg-vpce-"+vpc[4:]
		r.SecurityGroups = append(r.SecurityGroups,
			model.SecurityGroup{ID: tm, VPCID: vpc,
				Ingress: []model.Permission{allow("tcp", "443", cidr), allow("tcp", "7777", agent)},
				Egress: []model.Permission{allow("-1", "", cidr), allow("tcp", "443", "pl-dc"), allow("tcp", "4138", "pl-dc"),
					allow("udp", "123", "204.110.219.96/27", "208.71.209.32/27"), allow("tcp", "80", "0.0.0.0/0")}},
			model.SecurityGroup{ID: agent, VPCID: vpc,
				Ingress: []model.Permission{allow("-1", "", tm)},
				Egress:  []model.Permission{allow("tcp", "7777", tm), allow("tcp", "443", "0.0.0.0/0")}},
			model.SecurityGroup{ID: vpce, VPCID: vpc, Ingress: []model.Permission{allow("tcp", "443", cidr)}})
		var apps []string
		for a := 0; a < 12; a++ {
			id := fmt.Sprintf("sg-app-%04d-%02d", v, a)
			apps = append(apps, id)
			r.SecurityGroups = append(r.SecurityGroups, model.SecurityGroup{ID: id, VPCID: vpc,
				Ingress: []model.Permission{allow("tcp", fmt.Sprint(8000+a), cidr)}, Egress: []model.Permission{allow("-1", "", "0.0.0.0/0")}})
		}
		if v%2 == 0 {
			for _, svc := range []string{"ssm", "ec2messages", "ssmmessages"} {
				r.VPCEndpoints = append(r.VPCEndpoints, model.VPCEndpoint{ID: fmt.Sprintf("vpce-%04d-%s", v, svc), VPCID: vpc, Type: "Interface",
					ServiceName: "com.amazonaws." + testRegion + "." + svc, State: "available", PrivateDNSEnabled: true,
					SubnetIDs: privSubnets, SecurityGroupIDs: []string{vpce}})
			}
		}
		var mon, tms []string
		add := func(id, subnet, ip string, groups ...string) {
			r.Instances = append(r.Instances, model.Instance{ID: id, State: "running", VPCID: vpc, SubnetID: subnet, PrivateIP: ip,
				NetworkInterfaces: []model.NetworkInterface{{ID: "eni-" + id[2:], SubnetID: subnet, PrivateIPs: []string{ip}, SecurityGroupIDs: groups}}})
		}
		for k := 0; k < 2; k++ {
			id := fmt.Sprintf("i-tm-%04d-%d", v, k)
			add(id, privSubnets[k], fmt.Sprintf("10.%d.%d.5", v, 16*(k+1)), tm)
			tms = append(tms, id)
		}
		for n := 0; n < perVPC; n++ {
			az := n % 3
			id := fmt.Sprintf("i-%04d-%05d", v, n)
			host := 10 + n/3
			ip := fmt.Sprintf("10.%d.%d.%d", v, 16*(az+1)+host/250, host%250+1)
			add(id, privSubnets[az], ip, agent, apps[n%len(apps)], apps[(n/7)%len(apps)])
			mon = append(mon, id)
		}
		monitored = append(monitored, mon)
		appliances = append(appliances, tms)
	}
	return s, monitored, appliances
}

// auditQuestions asks, for every monitored instance, what PDR's rules ask:
// agent ports to each appliance of its VPC, TCP 443 to the internet, the
// three SSM services, and each appliance's ALL traffic to it.
func auditQuestions(e *Engine, monitored, appliances [][]string) (queries, blocked int) {
	for v := range monitored {
		for _, id := range monitored[v] {
			ask := func(q Query) {
				queries++
				if e.Reach(q).Verdict == Blocked {
					blocked++
				}
			}
			for _, tm := range appliances[v] {
				ask(Query{From: id, To: tm, Proto: TCP, Port: 443})
				ask(Query{From: id, To: tm, Proto: TCP, Port: 7777})
				ask(Query{From: tm, To: id, Proto: All})
			}
			ask(Query{From: id, To: "internet", Proto: TCP, Port: 443})
			for _, svc := range []string{"ssm", "ec2messages", "ssmmessages"} {
				ask(Query{From: id, To: "service:" + svc, Proto: TCP, Port: 443})
			}
		}
	}
	return queries, blocked
}

// BenchmarkReachEstate50k indexes a 50,000-instance estate and asks every
// monitored instance's questions, with a cold memo each time.
func BenchmarkReachEstate50k(b *testing.B) {
	s, monitored, appliances := bigEstate(20, 2500)
	instances := 0
	for _, m := range monitored {
		instances += len(m)
	}
	b.ResetTimer()
	var queries int
	for b.Loop() {
		queries, _ = auditQuestions(New(s), monitored, appliances)
	}
	perOp := b.Elapsed().Seconds() / float64(b.N)
	b.ReportMetric(float64(instances)/perOp, "instances/s")
	b.ReportMetric(float64(queries)/perOp, "queries/s")
}

// BenchmarkNew50k measures indexing alone.
func BenchmarkNew50k(b *testing.B) {
	s, _, _ := bigEstate(20, 2500)
	b.ResetTimer()
	for b.Loop() {
		New(s)
	}
}

// The benchmark's estate must answer as designed, or its speed means
// nothing: everything is allowed except TCP 443 to the internet (the
// private ACL denies 203.0.113.0/24 on TCP).
func TestBenchmarkEstateAnswersAsDesigned(t *testing.T) {
	s, monitored, appliances := bigEstate(2, 30)
	e := New(s)
	for v := range monitored {
		for _, id := range monitored[v] {
			for _, tm := range appliances[v] {
				for _, q := range []Query{{From: id, To: tm, Proto: TCP, Port: 7777}, {From: tm, To: id, Proto: All}} {
					if got := e.Reach(q); got.Verdict != Allowed {
						t.Fatalf("%+v: %+v", q, got)
					}
				}
			}
			if got := e.Reach(Query{From: id, To: "service:ssm", Proto: TCP, Port: 443}); got.Verdict != Allowed {
				t.Fatalf("%s to ssm: %+v", id, got)
			}
			if got := e.Reach(Query{From: id, To: "internet", Proto: TCP, Port: 443}); got.Verdict != Allowed {
				t.Fatalf("%s to the internet: %+v", id, got)
			}
			if got := e.Reach(Query{From: id, To: "203.0.113.7", Proto: TCP, Port: 443}); got.Verdict != Blocked {
				t.Fatalf("%s to 203.0.113.7: %+v", id, got)
			}
		}
	}
}

// Reach is safe for concurrent use, and concurrent answers are the
// sequential ones.
func TestReachIsSafeForConcurrentUse(t *testing.T) {
	s, monitored, appliances := bigEstate(2, 40)
	var qs []Query
	for v := range monitored {
		for _, id := range monitored[v] {
			qs = append(qs, Query{From: id, To: appliances[v][0], Proto: TCP, Port: 7777}, Query{From: id, To: "service:ssm", Proto: TCP, Port: 443},
				Query{From: appliances[v][1], To: id, Proto: All}, Query{From: id, To: "10.0.0.0/8", Proto: UDP, Port: 53})
		}
	}
	want := make([]Verdict, len(qs))
	seq := New(s)
	for i, q := range qs {
		want[i] = seq.Reach(q)
	}
	e := New(s)
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range qs {
				k := (i*7 + g*13) % len(qs)
				if got := e.Reach(qs[k]); !reflect.DeepEqual(got, want[k]) {
					errs <- fmt.Sprintf("%+v: %+v, want %+v", qs[k], got, want[k])
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
