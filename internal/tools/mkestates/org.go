package main

import (
	"fmt"
	"strings"
	"time"
)

// org is the organization estate: the management account's view of the
// organization and one single-account estate per listed account.
type org struct {
	mgmtID   string
	orgID    string
	accounts []*orgAccount
}

// orgAccount is one account as organizations list-accounts prints it.
type orgAccount struct {
	id, name, email string
	method          string
	joined          time.Time
	e               *estate
	story           string // one line for the README
}

const orgManagementID = "999988887777"

func buildOrg() *org {
	o := &org{mgmtID: orgManagementID}
	seed := &estate{key: "org"}
	o.orgID = "o-" + seed.rawHex("organization")[:10]

	add := func(id, name, method string, joined time.Time, story string) *orgAccount {
		a := &orgAccount{id: id, name: name, email: "aws+" + name + "@example.com", method: method, joined: joined, story: story}
		a.e = &estate{key: "org/" + id, accountID: id}
		if id == o.mgmtID {
			a.e.callerID = a.e.upperID("AIDA", "user/pdr-audit")
			a.e.callerARN = "arn:aws:iam::" + id + ":user/pdr-audit"
		} else {
			a.e.callerID = a.e.upperID("AROA", "role/OrganizationAccountAccessRole") + ":pdr-audit"
			a.e.callerARN = "arn:aws:sts::" + id + ":assumed-role/OrganizationAccountAccessRole/pdr-audit"
		}
		o.accounts = append(o.accounts, a)
		return a
	}
	add(o.mgmtID, "acme-management", "INVITED", time.Date(2019, 5, 14, 16, 2, 31, 456000000, time.UTC),
		"management account; no regions (nothing to audit)")
	shared := add("222233334444", "acme-prod-shared", "CREATED", time.Date(2019, 5, 20, 9, 41, 7, 118000000, time.UTC),
		"us-east-1, VPC shared: two appliances in two AZs, three monitored instances, all requirements met")
	dev := add("333344445555", "acme-dev", "CREATED", time.Date(2019, 6, 3, 13, 15, 52, 903000000, time.UTC),
		"us-west-2, VPC dev: no appliances (PDR-TM-001, PDR-TM-002 fail); one instance unknown to SSM and without a profile")
	sandbox := add("444455556666", "acme-sandbox", "INVITED", time.Date(2020, 2, 11, 10, 8, 44, 27000000, time.UTC),
		"us-east-1, VPC sandbox: one public appliance (PDR-TM-001, PDR-TM-004 fail) and one public instance with no profile while DHMC is off, never registered (PDR-SSM-001, PDR-SSM-003 fail)")
	base := time.Date(2020, 9, 1, 8, 0, 0, 0, time.UTC)
	used := map[string]bool{}
	for _, a := range o.accounts {
		used[a.id] = true
	}
	for i := 1; i <= 22; i++ {
		name := fmt.Sprintf("acme-team-%02d", i)
		id := ""
		for k := 0; id == "" || used[id]; k++ {
			id = fmt.Sprintf("%012d", 100000000000+seed.num(fmt.Sprintf("account/%s/%d", name, k), 899999999999))
		}
		used[id] = true
		joined := base.Add(time.Duration(i*23+seed.num("joined/"+name, 20)) * 24 * time.Hour).
			Add(time.Duration(seed.num("joinedms/"+name, 86_400_000)) * time.Millisecond)
		add(id, name, "CREATED", joined, "no regions: an account with nothing deployed")
	}

	buildShared(shared.e)
	buildDev(dev.e)
	buildSandbox(sandbox.e)
	return o
}

func orgProfile(e *estate) *instanceProfile {
	role := e.addRole("pdr-ssm-core-role", "/", "2023-06-01T14:22:09+00:00", policySSMCore)
	return e.addProfile("pdr-ssm-core", "2023-06-01T14:22:10+00:00", role)
}

func buildShared(e *estate) {
	prof := orgProfile(e)
	r := e.addRegion("us-east-1", use1AZ)
	v := r.addVPC("shared", "10.60.0.0/16", false, tags("Environment", "production")...)
	pubA := v.addSubnet("public-a", "us-east-1a", "10.60.0.0/24", true)
	pubB := v.addSubnet("public-b", "us-east-1b", "10.60.1.0/24", true)
	privA := v.addSubnet("private-a", "us-east-1a", "10.60.10.0/24", false)
	privB := v.addSubnet("private-b", "us-east-1b", "10.60.11.0/24", false)
	igw := v.addIGW("shared-igw")
	natA := v.addNAT("shared-nat-a", pubA, "available", "2022-03-08T12:30:19+00:00", "")
	natB := v.addNAT("shared-nat-b", pubB, "available", "2022-03-08T12:30:47+00:00", "")
	v.addRouteTable("shared-public", []route{toIGW(igw)}, pubA, pubB)
	v.addRouteTable("shared-private-a", []route{toNAT(natA)}, privA)
	v.addRouteTable("shared-private-b", []route{toNAT(natB)}, privB)
	tm := v.addSG("shared-tm-appliance", "Enable In-Out access for Alert Logic Threat Management Services.", nil)
	tm.ingress = applianceIngress(v.cidr)
	tm.egress = applianceEgress(v.cidr, nil)
	agent := agentGroup(v, tm)
	for _, x := range []struct {
		name string
		s    *subnet
	}{{"shared-tm-a", privA}, {"shared-tm-b", privB}} {
		r.addInstance(instanceSpec{name: x.name, os: osThreatManager, itype: "c5.large", s: x.s, sgs: []*secGroup{tm}, tags: applianceTags()})
	}
	t := tags("Environment", "production")
	r.addInstance(instanceSpec{name: "shared-app-1", os: osAmazon201803, itype: "t3.medium", s: privA, sgs: []*secGroup{agent}, profile: prof,
		tags: t, ssm: ssmOnline, kernels: []string{"4.14.47-56.37.amzn1.x86_64"}, inventory: true})
	r.addInstance(instanceSpec{name: "shared-db-1", os: osRHEL75, itype: "m5.large", s: privB, sgs: []*secGroup{agent}, profile: prof,
		tags: t, ssm: ssmOnline, kernels: []string{"3.10.0-862.3.3.el7.x86_64"}, inventory: true, uname: "3.10.0-862.3.3.el7.x86_64"})
	r.addInstance(instanceSpec{name: "shared-win-1", os: osWindows2016, itype: "m5.large", s: privB, sgs: []*secGroup{agent}, profile: prof,
		tags: t, ssm: ssmOnline})
}

func buildDev(e *estate) {
	prof := orgProfile(e)
	r := e.addRegion("us-west-2", usw2AZ)
	v := r.addVPC("dev", "10.80.0.0/16", false, tags("Environment", "development")...)
	pubA := v.addSubnet("public-a", "us-west-2a", "10.80.0.0/24", true)
	privA := v.addSubnet("private-a", "us-west-2a", "10.80.10.0/24", false)
	privB := v.addSubnet("private-b", "us-west-2b", "10.80.11.0/24", false)
	igw := v.addIGW("dev-igw")
	nat := v.addNAT("dev-nat-a", pubA, "available", "2021-11-23T17:45:02+00:00", "")
	v.addRouteTable("dev-public", []route{toIGW(igw)}, pubA)
	v.mainRTB.routes = append(v.mainRTB.routes, toNAT(nat))
	app := v.addSG("dev-app", "development hosts", nil)
	app.egress = []perm{allTraffic().cidr("0.0.0.0/0", "")}
	t := tags("Environment", "development")
	r.addInstance(instanceSpec{name: "dev-api-1", os: osUbuntu1604, itype: "t3.medium", s: privA, sgs: []*secGroup{app}, profile: prof,
		tags: t, ssm: ssmOnline, kernels: []string{"4.4.0-1061-aws"}, inventory: true})
	r.addInstance(instanceSpec{name: "dev-build-1", os: osAmazon201803, itype: "t3.medium", s: privB, sgs: []*secGroup{app},
		tags: t})
	r.addInstance(instanceSpec{name: "dev-win-1", os: osWindows2019, itype: "t3.medium", s: privB, sgs: []*secGroup{app}, profile: prof,
		tags: t, ssm: ssmOnline})
}

func buildSandbox(e *estate) {
	r := e.addRegion("us-east-1", use1AZ)
	v := r.addVPC("sandbox", "10.90.0.0/16", false, tags("Environment", "sandbox")...)
	pubA := v.addSubnet("public-a", "us-east-1a", "10.90.0.0/24", true)
	igw := v.addIGW("sandbox-igw")
	v.addRouteTable("sandbox-public", []route{toIGW(igw)}, pubA)
	tm := v.addSG("sandbox-tm-appliance", "Enable In-Out access for Alert Logic Threat Management Services.", nil)
	tm.ingress = append(applianceIngress(v.cidr), tcp(22, 22).cidrs("Alert Logic support access", usDataCenter...))
	tm.egress = applianceEgress(v.cidr, nil)
	agent := agentGroup(v, tm)
	r.addInstance(instanceSpec{name: "sandbox-tm", os: osThreatManager, itype: "c5.large", s: pubA, public: true, sgs: []*secGroup{tm}, tags: applianceTags()})
	r.addInstance(instanceSpec{name: "sandbox-box-1", os: osAmazon201709, itype: "t2.micro", s: pubA, public: true, sgs: []*secGroup{agent},
		tags: tags("Environment", "sandbox")})
}

// renderOrg produces every file of the organization estate.
func renderOrg(o *org) files {
	f := files{}
	accts := list{}
	for _, a := range o.accounts {
		accts = append(accts, obj(
			"Id", a.id,
			"Arn", "arn:aws:organizations::"+o.mgmtID+":account/"+o.orgID+"/"+a.id,
			"Email", a.email,
			"Name", a.name,
			"Status", "ACTIVE",
			"JoinedMethod", a.method,
			"JoinedTimestamp", isoTime(a.joined),
		))
		for p, b := range render(a.e) {
			f["accounts/"+a.id+"/"+p] = b
		}
	}
	f.put("organizations/list-accounts.json", obj("Accounts", accts))
	return f
}

// orgStory lists the accounts for the organization README.
func orgStory(o *org) string {
	var b strings.Builder
	for _, a := range o.accounts {
		if strings.HasPrefix(a.name, "acme-team-") {
			continue
		}
		fmt.Fprintf(&b, "- `%s` (%s): %s.\n", a.id, a.name, a.story)
	}
	return b.String()
}
