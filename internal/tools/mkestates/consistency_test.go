package main

import (
	"fmt"
	"net/netip"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// idPattern matches the AWS resource ids the estates use.
var idPattern = regexp.MustCompile(`\b(?:vpc|subnet|sg|acl|rtb|nat|igw|vpce|eni|pl|i|ami)-[0-9a-f]{8,17}\b`)

var regionPattern = regexp.MustCompile(`^[a-z]{2}-[a-z]+-\d$`)

// accountEstate is one single-account estate inside the generated files.
type accountEstate struct {
	root  string // path prefix, e.g. "demo/" or "org/accounts/222233334444/"
	files files
	t     *testing.T
}

func (a accountEstate) doc(rel string) *node {
	b, ok := a.files[a.root+rel]
	if !ok {
		return nil
	}
	n, err := parseNode(b)
	if err != nil {
		a.t.Fatalf("%s%s: %v", a.root, rel, err)
	}
	return n
}

func (a accountEstate) has(rel string) bool {
	_, ok := a.files[a.root+rel]
	return ok
}

func (a accountEstate) regions() []string {
	set := map[string]bool{}
	for p := range a.files {
		rel, ok := strings.CutPrefix(p, a.root)
		if !ok {
			continue
		}
		first, _, _ := strings.Cut(rel, "/")
		if regionPattern.MatchString(first) {
			set[first] = true
		}
	}
	var out []string
	for r := range set {
		out = append(out, r)
	}
	sort.Strings(out)
	return out
}

// accountEstates lists every single-account estate in the files.
func accountEstates(t *testing.T, all files) []accountEstate {
	roots := map[string]bool{}
	for p := range all {
		if strings.HasSuffix(p, "/account.json") {
			roots[strings.TrimSuffix(p, "account.json")] = true
		}
	}
	var out []accountEstate
	for r := range roots {
		out = append(out, accountEstate{root: r, files: all, t: t})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].root < out[j].root })
	return out
}

type ref struct {
	vpc  string
	cidr netip.Prefix
	az   string
	n    *node
}

func prefix(t *testing.T, at, s string) netip.Prefix {
	p, err := netip.ParsePrefix(s)
	if err != nil {
		t.Errorf("%s: bad CIDR %q", at, s)
	}
	return p
}

func addr(t *testing.T, at, s string) netip.Addr {
	a, err := netip.ParseAddr(s)
	if err != nil {
		t.Errorf("%s: bad address %q", at, s)
	}
	return a
}

func checkAccountEstate(t *testing.T, a accountEstate) {
	acct := a.doc("account.json")
	if acct == nil {
		t.Fatalf("%saccount.json missing", a.root)
	}
	accountID := acct.s("Account")
	if !strings.Contains(acct.s("Arn"), ":"+accountID+":") {
		t.Errorf("%saccount.json: Arn %s is not in account %s", a.root, acct.s("Arn"), accountID)
	}
	for _, region := range a.regions() {
		at := a.root + region + "/"
		errf := func(format string, args ...any) { t.Errorf(at+format, args...) }
		ec2 := func(name string) *node {
			n := a.doc(region + "/ec2/" + name + ".json")
			if n == nil {
				return &node{kind: 'o'}
			}
			return n
		}

		vpcs := map[string]ref{}
		for _, v := range ec2("describe-vpcs").list("Vpcs") {
			if v.s("OwnerId") != accountID {
				errf("vpc %s owned by %s", v.s("VpcId"), v.s("OwnerId"))
			}
			vpcs[v.s("VpcId")] = ref{cidr: prefix(t, at, v.s("CidrBlock")), n: v}
		}
		subnets := map[string]ref{}
		for _, s := range ec2("describe-subnets").list("Subnets") {
			id := s.s("SubnetId")
			v, ok := vpcs[s.s("VpcId")]
			if !ok {
				errf("subnet %s in unknown VPC %s", id, s.s("VpcId"))
				continue
			}
			c := prefix(t, at, s.s("CidrBlock"))
			if !v.cidr.Contains(c.Addr()) || c.Bits() < v.cidr.Bits() {
				errf("subnet %s %s outside its VPC's %s", id, c, v.cidr)
			}
			for other, o := range subnets {
				if o.vpc == s.s("VpcId") && o.cidr.Overlaps(c) {
					errf("subnets %s and %s overlap", id, other)
				}
			}
			subnets[id] = ref{vpc: s.s("VpcId"), cidr: c, az: s.s("AvailabilityZone"), n: s}
		}
		pls := map[string]bool{}
		for _, pl := range ec2("describe-managed-prefix-lists").list("PrefixLists") {
			id := pl.s("PrefixListId")
			pls[id] = true
			if !a.has(region + "/ec2/get-managed-prefix-list-entries/" + id + ".json") {
				errf("prefix list %s has no entries file", id)
			}
		}
		sgs := map[string]string{}
		sgList := ec2("describe-security-groups").list("SecurityGroups")
		for _, g := range sgList {
			if _, ok := vpcs[g.s("VpcId")]; !ok {
				errf("group %s in unknown VPC", g.s("GroupId"))
			}
			sgs[g.s("GroupId")] = g.s("VpcId")
		}
		defaultSG := map[string]int{}
		for _, g := range sgList {
			if g.s("GroupName") == "default" {
				defaultSG[g.s("VpcId")]++
			}
			for _, dir := range []string{"IpPermissions", "IpPermissionsEgress"} {
				for _, p := range g.list(dir) {
					for _, pair := range p.list("UserIdGroupPairs") {
						if _, ok := sgs[pair.s("GroupId")]; !ok {
							errf("group %s references unknown group %s", g.s("GroupId"), pair.s("GroupId"))
						}
					}
					for _, pl := range p.list("PrefixListIds") {
						if !pls[pl.s("PrefixListId")] {
							errf("group %s references unknown prefix list %s", g.s("GroupId"), pl.s("PrefixListId"))
						}
					}
				}
			}
		}
		igws := map[string]string{}
		for _, g := range ec2("describe-internet-gateways").list("InternetGateways") {
			for _, att := range g.list("Attachments") {
				igws[g.s("InternetGatewayId")] = att.s("VpcId")
			}
		}
		nats := map[string]*node{}
		for _, n := range ec2("describe-nat-gateways").list("NatGateways") {
			nats[n.s("NatGatewayId")] = n
			s, ok := subnets[n.s("SubnetId")]
			if !ok || s.vpc != n.s("VpcId") {
				errf("NAT gateway %s: subnet %s not in its VPC", n.s("NatGatewayId"), n.s("SubnetId"))
				continue
			}
			for _, ad := range n.list("NatGatewayAddresses") {
				if !s.cidr.Contains(addr(t, at, ad.s("PrivateIp"))) {
					errf("NAT gateway %s address %s outside its subnet", n.s("NatGatewayId"), ad.s("PrivateIp"))
				}
			}
		}
		rtbs := map[string]string{}
		for _, rt := range ec2("describe-route-tables").list("RouteTables") {
			rtbs[rt.s("RouteTableId")] = rt.s("VpcId")
		}
		endpoints := map[string]string{}
		for _, ep := range ec2("describe-vpc-endpoints").list("VpcEndpoints") {
			id, vpc := ep.s("VpcEndpointId"), ep.s("VpcId")
			endpoints[id] = vpc
			for _, s := range ep.list("SubnetIds") {
				if subnets[s.str].vpc != vpc {
					errf("endpoint %s: subnet %s not in its VPC", id, s.str)
				}
			}
			for _, g := range ep.list("Groups") {
				if sgs[g.s("GroupId")] != vpc {
					errf("endpoint %s: group %s not in its VPC", id, g.s("GroupId"))
				}
			}
			for _, r := range ep.list("RouteTableIds") {
				if rtbs[r.str] != vpc {
					errf("endpoint %s: route table %s not in its VPC", id, r.str)
				}
			}
		}

		// Network ACLs: one default per VPC, every subnet associated exactly once.
		defaultACL := map[string]int{}
		aclOf := map[string]int{}
		for _, acl := range ec2("describe-network-acls").list("NetworkAcls") {
			vpc := acl.s("VpcId")
			if acl.get("IsDefault").b {
				defaultACL[vpc]++
			}
			for _, as := range acl.list("Associations") {
				s, ok := subnets[as.s("SubnetId")]
				if !ok || s.vpc != vpc {
					errf("ACL %s associated with subnet %s outside its VPC", acl.s("NetworkAclId"), as.s("SubnetId"))
				}
				if as.s("NetworkAclId") != acl.s("NetworkAclId") {
					errf("ACL %s holds an association of %s", acl.s("NetworkAclId"), as.s("NetworkAclId"))
				}
				aclOf[as.s("SubnetId")]++
			}
		}
		// Route tables: one main per VPC, targets exist, blackholes match NAT state.
		mainRTB := map[string]int{}
		explicit := map[string]int{}
		for _, rt := range ec2("describe-route-tables").list("RouteTables") {
			vpc, id := rt.s("VpcId"), rt.s("RouteTableId")
			for _, as := range rt.list("Associations") {
				if as.get("Main").b {
					mainRTB[vpc]++
					continue
				}
				s, ok := subnets[as.s("SubnetId")]
				if !ok || s.vpc != vpc {
					errf("route table %s associated with subnet %s outside its VPC", id, as.s("SubnetId"))
				}
				explicit[as.s("SubnetId")]++
			}
			local := false
			for _, r := range rt.list("Routes") {
				gw, nat := r.s("GatewayId"), r.s("NatGatewayId")
				switch {
				case gw == "local":
					local = true
					if r.s("DestinationCidrBlock") != vpcs[vpc].n.s("CidrBlock") {
						errf("route table %s: local route for %s", id, r.s("DestinationCidrBlock"))
					}
				case strings.HasPrefix(gw, "igw-"):
					if igws[gw] != vpc {
						errf("route table %s: %s not attached to its VPC", id, gw)
					}
				case strings.HasPrefix(gw, "vpce-"):
					if endpoints[gw] != vpc {
						errf("route table %s: endpoint %s not in its VPC", id, gw)
					}
				case nat != "":
					n := nats[nat]
					if n == nil || n.s("VpcId") != vpc {
						errf("route table %s: NAT gateway %s not in its VPC", id, nat)
						continue
					}
					wantState := "active"
					if n.s("State") != "available" {
						wantState = "blackhole"
					}
					if r.s("State") != wantState {
						errf("route table %s: route to %s (%s) is %s, want %s", id, nat, n.s("State"), r.s("State"), wantState)
					}
				default:
					errf("route table %s: route with no known target", id)
				}
				if pl := r.s("DestinationPrefixListId"); pl != "" && !pls[pl] {
					errf("route table %s: unknown prefix list %s", id, pl)
				}
			}
			if !local {
				errf("route table %s has no local route", id)
			}
		}
		for id := range vpcs {
			if defaultACL[id] != 1 {
				errf("VPC %s has %d default network ACLs", id, defaultACL[id])
			}
			if mainRTB[id] != 1 {
				errf("VPC %s has %d main route tables", id, mainRTB[id])
			}
			if defaultSG[id] != 1 {
				errf("VPC %s has %d default security groups", id, defaultSG[id])
			}
		}
		for id := range subnets {
			if aclOf[id] != 1 {
				errf("subnet %s has %d network ACL associations", id, aclOf[id])
			}
			if explicit[id] > 1 {
				errf("subnet %s has %d route table associations", id, explicit[id])
			}
		}

		// Instances.
		images := map[string]bool{}
		haveImages := a.has(region + "/ec2/describe-images.json")
		for _, im := range ec2("describe-images").list("Images") {
			images[im.s("ImageId")] = true
		}
		instances := map[string]*node{}
		usedIP := map[string]string{}
		for _, res := range ec2("describe-instances").list("Reservations") {
			for _, in := range res.list("Instances") {
				id := in.s("InstanceId")
				if instances[id] != nil {
					errf("instance %s listed twice", id)
				}
				instances[id] = in
				s, ok := subnets[in.s("SubnetId")]
				if !ok || s.vpc != in.s("VpcId") {
					errf("instance %s: subnet %s not in VPC %s", id, in.s("SubnetId"), in.s("VpcId"))
					continue
				}
				if in.get("Placement").s("AvailabilityZone") != s.az {
					errf("instance %s placed in %s but its subnet is in %s", id, in.get("Placement").s("AvailabilityZone"), s.az)
				}
				ip := in.s("PrivateIpAddress")
				if !s.cidr.Contains(addr(t, at, ip)) {
					errf("instance %s address %s outside subnet %s", id, ip, s.cidr)
				}
				if other, dup := usedIP[ip]; dup {
					errf("instances %s and %s share %s", id, other, ip)
				}
				usedIP[ip] = id
				if haveImages && !images[in.s("ImageId")] {
					errf("instance %s: image %s not in describe-images", id, in.s("ImageId"))
				}
				var groups []string
				for _, g := range in.list("SecurityGroups") {
					groups = append(groups, g.s("GroupId"))
					if sgs[g.s("GroupId")] != in.s("VpcId") {
						errf("instance %s: group %s not in its VPC", id, g.s("GroupId"))
					}
				}
				for _, eni := range in.list("NetworkInterfaces") {
					var eg []string
					for _, g := range eni.list("Groups") {
						eg = append(eg, g.s("GroupId"))
					}
					if strings.Join(eg, ",") != strings.Join(groups, ",") {
						errf("instance %s: ENI groups %v differ from SecurityGroups %v", id, eg, groups)
					}
					if eni.s("SubnetId") != in.s("SubnetId") || eni.s("VpcId") != in.s("VpcId") || eni.s("PrivateIpAddress") != ip {
						errf("instance %s: ENI placement differs from the instance's", id)
					}
					if pub := in.s("PublicIpAddress"); pub != "" && eni.get("Association").s("PublicIp") != pub {
						errf("instance %s: public IP %s not on its ENI", id, pub)
					}
				}
				if p := in.get("IamInstanceProfile"); p != nil {
					name := p.s("Arn")[strings.LastIndex(p.s("Arn"), "/")+1:]
					prof := a.doc("iam/get-instance-profile/" + name + ".json")
					if prof == nil {
						errf("instance %s: profile %s has no get-instance-profile file", id, name)
					} else if prof.get("InstanceProfile").s("InstanceProfileId") != p.s("Id") {
						errf("instance %s: profile id %s differs from the profile file's", id, p.s("Id"))
					}
				}
			}
		}

		// SSM.
		ssmDir := region + "/ssm/"
		if !a.has(ssmDir + "get-service-setting/default-ec2-instance-management-role.json") {
			errf("no DHMC service setting")
		}
		registered := map[string]bool{}
		if info := a.doc(ssmDir + "describe-instance-information.json"); info != nil {
			for _, ii := range info.list("InstanceInformationList") {
				id := ii.s("InstanceId")
				registered[id] = true
				if strings.HasPrefix(id, "mi-") {
					continue
				}
				in := instances[id]
				if in == nil {
					errf("SSM knows %s, which EC2 does not", id)
					continue
				}
				if ii.s("IPAddress") != in.s("PrivateIpAddress") {
					errf("SSM address of %s is %s, EC2's %s", id, ii.s("IPAddress"), in.s("PrivateIpAddress"))
				}
				if (ii.s("PlatformType") == "Windows") != (in.s("Platform") == "windows") {
					errf("SSM and EC2 disagree on whether %s is Windows", id)
				}
			}
		}
		for p := range a.files {
			rel, ok := strings.CutPrefix(p, a.root+ssmDir)
			if !ok {
				continue
			}
			parts := strings.Split(rel, "/")
			var id string
			switch parts[0] {
			case "list-inventory-entries":
				id = parts[1]
			case "get-command-invocation":
				id = strings.TrimSuffix(parts[1], ".json")
			default:
				continue
			}
			if !registered[id] {
				errf("%s holds evidence for %s, which SSM does not know", rel, id)
			}
			if got := a.doc(ssmDir + rel).s("InstanceId"); got != id {
				errf("%s holds InstanceId %s", rel, got)
			}
		}
	}

	// IAM: every role inside a profile has its attached-policy file.
	for p := range a.files {
		rel, ok := strings.CutPrefix(p, a.root+"iam/get-instance-profile/")
		if !ok {
			continue
		}
		prof := a.doc("iam/get-instance-profile/" + rel).get("InstanceProfile")
		if prof.s("InstanceProfileName")+".json" != rel {
			t.Errorf("%s: profile named %s", p, prof.s("InstanceProfileName"))
		}
		for _, r := range prof.list("Roles") {
			if !a.has("iam/list-attached-role-policies/" + r.s("RoleName") + ".json") {
				t.Errorf("%s: role %s has no list-attached-role-policies file", p, r.s("RoleName"))
			}
		}
	}
}

func TestEveryEstateIsConsistentAcrossFiles(t *testing.T) {
	all := allEstateFiles(t)
	estates := accountEstates(t, all)
	if len(estates) < 3 {
		t.Fatalf("found only %d estates", len(estates))
	}
	for _, a := range estates {
		t.Run(strings.TrimSuffix(a.root, "/"), func(t *testing.T) {
			a.t = t
			checkAccountEstate(t, a)
		})
	}
}

func TestTheDemoHasEnoughInstancesToPage(t *testing.T) {
	all := generate()
	a := accountEstate{root: "demo/", files: all, t: t}
	regions := a.regions()
	if fmt.Sprint(regions) != "[eu-west-1 us-east-1]" {
		t.Fatalf("demo regions %v", regions)
	}
	for _, r := range regions {
		n := 0
		for _, res := range a.doc(r + "/ec2/describe-instances.json").list("Reservations") {
			n += len(res.list("Instances"))
		}
		if n < 12 {
			t.Errorf("%s has %d instances; paging at 5 needs at least 12", r, n)
		}
		if k := len(a.doc(r + "/ssm/describe-instance-information.json").list("InstanceInformationList")); k < 12 {
			t.Errorf("%s: SSM knows %d nodes; paging at 5 needs at least 12", r, k)
		}
	}
}

func TestTheOrganizationNeedsTwoPagesOfAccounts(t *testing.T) {
	all := generate()
	list, err := parseNode(all["org/organizations/list-accounts.json"])
	if err != nil {
		t.Fatal(err)
	}
	accounts := list.list("Accounts")
	if len(accounts) <= 20 {
		t.Errorf("%d accounts fit in one page of 20", len(accounts))
	}
	seen := map[string]bool{}
	for _, acc := range accounts {
		id := acc.s("Id")
		if seen[id] {
			t.Errorf("account %s listed twice", id)
		}
		seen[id] = true
		if !strings.HasPrefix(acc.s("Arn"), "arn:aws:organizations::"+orgManagementID+":account/o-") || !strings.HasSuffix(acc.s("Arn"), "/"+id) {
			t.Errorf("account %s has Arn %s", id, acc.s("Arn"))
		}
		b, ok := all["org/accounts/"+id+"/account.json"]
		if !ok {
			t.Errorf("account %s has no estate directory", id)
			continue
		}
		n, _ := parseNode(b)
		if n.s("Account") != id {
			t.Errorf("accounts/%s/account.json says %s", id, n.s("Account"))
		}
	}
	for p := range all {
		if rest, ok := strings.CutPrefix(p, "org/accounts/"); ok {
			if id, _, _ := strings.Cut(rest, "/"); !seen[id] {
				t.Errorf("directory accounts/%s is not a listed account", id)
			}
		}
	}
	for _, id := range []string{orgManagementID, "222233334444", "333344445555", "444455556666"} {
		if !seen[id] {
			t.Errorf("account %s is not listed", id)
		}
	}
}
