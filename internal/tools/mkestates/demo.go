package main

import "time"

// demo holds the demo estate and the resources its README talks about.
type demo struct {
	e *estate

	use1, euw1 *region

	// us-east-1
	web, app             *vpc
	webTMa, webTMb       *instance
	webDC, webCorp       *prefixList
	webBastion           *instance
	appTM                *instance
	appNATa, appNATb     *natGateway
	appPrivB             *routeTable
	appPrivA, appPrivC   *subnet
	appAPI2, appWorker1  *instance
	appBatch1, appBatch2 *instance
	appReport1           *instance
	appWebSG             *secGroup

	// eu-west-1
	analytics, vault, dflt           *vpc
	anTMa, anTMb                     *instance
	anTMACL                          *nacl
	anTMSG                           *secGroup
	anETL1, anETL2, anETL3, anETL4   *instance
	vaultEPs                         []*vpcEndpoint
	vaultEPSG                        *secGroup
	vaultIsoACL                      *nacl
	vaultIso                         *subnet
	profCore, profLegacy, profReader *instanceProfile
}

var (
	use1AZ = map[string]string{"us-east-1a": "use1-az6", "us-east-1b": "use1-az1", "us-east-1c": "use1-az2"}
	euw1AZ = map[string]string{"eu-west-1a": "euw1-az3", "eu-west-1b": "euw1-az1", "eu-west-1c": "euw1-az2"}
	usw2AZ = map[string]string{"us-west-2a": "usw2-az2", "us-west-2b": "usw2-az1", "us-west-2c": "usw2-az3"}
)

func buildDemo() *demo {
	d := &demo{}
	e := &estate{key: "demo", accountID: "111122223333"}
	d.e = e
	e.callerID = e.upperID("AIDA", "user/pdr-audit")
	e.callerARN = "arn:aws:iam::111122223333:user/pdr-audit"

	coreRole := e.addRole("pdr-ssm-core-role", "/", "2023-06-01T14:22:09+00:00", policySSMCore, policyCWAgent)
	legacyRole := e.addRole("legacy-ec2-ssm-role", "/", "2018-11-20T16:40:51+00:00", policyEC2RoleSSM)
	readerRole := e.addRole("app-s3-reader-role", "/", "2021-04-07T09:15:33+00:00", policyS3ReadOnly)
	d.profCore = e.addProfile("pdr-ssm-core", "2023-06-01T14:22:10+00:00", coreRole)
	d.profLegacy = e.addProfile("legacy-ec2-ssm", "2018-11-20T16:40:52+00:00", legacyRole)
	d.profReader = e.addProfile("app-s3-reader", "2021-04-07T09:15:34+00:00", readerRole)
	e.roles = append(e.roles, e.addRole("AWSSystemsManagerDefaultEC2InstanceManagementRole", "/service-role/", "2023-02-17T11:03:27+00:00", policyDHMCInstance))

	d.buildUSEast1()
	d.buildEUWest1()
	return d
}

func (d *demo) buildUSEast1() {
	e := d.e
	r := e.addRegion("us-east-1", use1AZ)
	d.use1 = r
	r.addAWSPrefixList("pl-63a5400a", "com.amazonaws.us-east-1.s3", "3.5.0.0/19", "16.182.0.0/16", "18.34.0.0/19", "18.34.232.0/21", "52.216.0.0/15", "54.231.0.0/16")
	d.webDC = r.addPrefixList("alertlogic-us-datacenter", 5, tags("Name", "alertlogic-us-datacenter", "Team", "security"),
		descRef{"204.110.218.96/27", "Alert Logic US data center"},
		descRef{"204.110.219.96/27", "Alert Logic US data center"},
		descRef{"208.71.209.32/27", "Alert Logic US data center"})
	d.webCorp = r.addPrefixList("corp-admin-networks", 10, tags("Name", "corp-admin-networks"),
		descRef{"198.51.100.0/24", "HQ office"},
		descRef{"203.0.113.0/25", "VPN concentrators"})

	// prod-web: the fully compliant VPC.
	w := r.addVPC("prod-web", "10.10.0.0/16", false, tags("Environment", "production", "Team", "web")...)
	d.web = w
	pubA := w.addSubnet("public-a", "us-east-1a", "10.10.0.0/24", true)
	pubB := w.addSubnet("public-b", "us-east-1b", "10.10.1.0/24", true)
	privA := w.addSubnet("private-a", "us-east-1a", "10.10.10.0/24", false)
	privB := w.addSubnet("private-b", "us-east-1b", "10.10.11.0/24", false)
	igw := w.addIGW("prod-web-igw")
	natA := w.addNAT("prod-web-nat-a", pubA, "available", "2023-05-30T10:11:42+00:00", "")
	natB := w.addNAT("prod-web-nat-b", pubB, "available", "2023-05-30T10:12:08+00:00", "")
	w.addRouteTable("prod-web-public", []route{toIGW(igw)}, pubA, pubB)
	w.addRouteTable("prod-web-private-a", []route{toNAT(natA)}, privA)
	w.addRouteTable("prod-web-private-b", []route{toNAT(natB)}, privB)
	w.addNACL("prod-web-public", []naclEntry{
		{num: 100, egress: true, proto: "-1", cidr: "0.0.0.0/0", action: "allow"},
		{num: 100, proto: "-1", cidr: "10.10.0.0/16", action: "allow"},
		{num: 110, proto: "6", cidr: "198.51.100.0/24", from: 22, to: 22, action: "allow"},
		{num: 120, proto: "6", cidr: "0.0.0.0/0", from: 1024, to: 65535, action: "allow"},
		{num: 130, proto: "17", cidr: "0.0.0.0/0", from: 1024, to: 65535, action: "allow"},
		{num: 140, proto: "6", cidr: "0.0.0.0/0", from: 443, to: 443, action: "allow"},
	}, pubA, pubB)
	wTM := w.addSG("prod-web-tm-appliance", "Enable In-Out access for Alert Logic Threat Management Services.", tags("ProductVendor", "AlertLogic"))
	wTM.ingress = applianceIngress(w.cidr)
	wTM.egress = applianceEgress(w.cidr, d.webDC)
	wAgent := agentGroup(w, wTM)
	wApp := w.addSG("prod-web-app", "web and application tier", nil)
	wApp.ingress = []perm{tcp(443, 443).cidr(w.cidr, ""), tcp(80, 80).cidr(w.cidr, "")}
	wBastion := w.addSG("prod-web-bastion", "SSH from the admin networks", nil)
	wBastion.ingress = []perm{tcp(22, 22).prefixList(d.webCorp, "corp admin")}
	wBastion.egress = []perm{allTraffic().cidr("0.0.0.0/0", "")}
	wRDP := w.addSG("prod-web-rdp", "RDP from the bastion", nil)
	wRDP.ingress = []perm{tcp(3389, 3389).group(wBastion, "RDP from bastion")}

	webTags := tags("Environment", "production", "Team", "web")
	tm := func(name string, s *subnet, t []tag) *instance {
		return r.addInstance(instanceSpec{name: name, os: osThreatManager, itype: "c5.large", s: s, sgs: []*secGroup{wTM}, tags: t})
	}
	d.webTMa = tm("prod-web-tm-a", privA, applianceTags())
	d.webTMb = tm("AlertLogic Threat Manager prod-web b", privB, applianceTags())
	d.webBastion = r.addInstance(instanceSpec{name: "bastion-1", os: osAmazon201709, itype: "t3.micro", s: pubA, public: true,
		sgs: []*secGroup{wBastion, wAgent}, profile: d.profCore, tags: tags("Environment", "production", "Team", "platform"),
		ssm: ssmOnline, kernels: []string{"4.9.93-41.60.amzn1.x86_64"}, inventory: true})
	linux := func(name string, o *osSpec, s *subnet, kernel, res string, uname bool) *instance {
		sp := instanceSpec{name: name, os: o, itype: "t3.medium", s: s, sgs: []*secGroup{wApp, wAgent}, profile: d.profCore,
			tags: webTags, ssm: ssmOnline, kernels: []string{kernel}, inventory: true, reservation: res}
		if uname {
			sp.uname = kernel
		}
		return r.addInstance(sp)
	}
	linux("web-1", osAmazon201803, privA, "4.14.47-56.37.amzn1.x86_64", "web-1-3", true)
	linux("web-3", osAmazon201803, privA, "4.14.42-52.37.amzn1.x86_64", "web-1-3", false)
	linux("web-2", osAmazon201803, privB, "4.14.33-51.37.amzn1.x86_64", "", false)
	linux("app-1", osRHEL75, privA, "3.10.0-862.3.3.el7.x86_64", "", true)
	linux("app-2", osCentOS7, privB, "3.10.0-862.2.3.el7.x86_64", "", false)
	linux("api-1", osUbuntu1604, privA, "4.4.0-1061-aws", "", false)
	linux("worker-1", osUbuntu1604, privB, "4.4.0-128-generic", "", false)
	r.addInstance(instanceSpec{name: "win-web-1", os: osWindows2016, itype: "m5.large", s: privB, sgs: []*secGroup{wApp, wAgent, wRDP},
		profile: d.profCore, tags: webTags, ssm: ssmOnline, inventory: true})
	r.addInstance(instanceSpec{name: "win-web-2", os: osWindows2012R2, itype: "m5.large", s: privA, sgs: []*secGroup{wApp, wAgent, wRDP},
		profile: d.profCore, tags: webTags, ssm: ssmOnline})

	// prod-app: one appliance for two AZs, SSM registration trouble.
	a := r.addVPC("prod-app", "10.20.0.0/16", false, tags("Environment", "production", "Team", "payments")...)
	d.app = a
	aPubA := a.addSubnet("public-a", "us-east-1a", "10.20.0.0/24", true)
	aPubB := a.addSubnet("public-b", "us-east-1b", "10.20.1.0/24", true)
	aPrivA := a.addSubnet("private-a", "us-east-1a", "10.20.10.0/24", false)
	aPrivB := a.addSubnet("private-b", "us-east-1b", "10.20.11.0/24", false)
	aPrivC := a.addSubnet("private-c", "us-east-1c", "10.20.12.0/24", false)
	d.appPrivA, d.appPrivC = aPrivA, aPrivC
	aIGW := a.addIGW("prod-app-igw")
	d.appNATa = a.addNAT("prod-app-nat-a", aPubA, "available", "2022-08-15T13:02:51+00:00", "")
	d.appNATb = a.addNAT("prod-app-nat-b", aPubB, "deleted", "2022-08-15T13:03:20+00:00", "2024-03-18T08:41:05+00:00")
	a.mainRTB.routes = append(a.mainRTB.routes, toNAT(d.appNATa))
	a.addRouteTable("prod-app-public", []route{toIGW(aIGW)}, aPubA, aPubB)
	d.appPrivB = a.addRouteTable("prod-app-private-b", []route{toNAT(d.appNATb)}, aPrivB)
	aTM := a.addSG("prod-app-tm-appliance", "Enable In-Out access for Alert Logic Threat Management Services.", nil)
	aTM.ingress = applianceIngress(a.cidr)
	aTM.egress = applianceEgress(a.cidr, nil)
	aAgent := agentGroup(a, aTM)
	aApp := a.addSG("prod-app-app", "payments application cluster", tags("Team", "payments"))
	aApp.ingress = []perm{tcp(8080, 8080).group(aApp, "cluster peers"), tcp(443, 443).cidr(a.cidr, "")}

	payTags := tags("Environment", "production", "Team", "payments")
	d.appTM = r.addInstance(instanceSpec{name: "prod-app Threat Manager", os: osThreatManager, itype: "c5.large", s: aPrivA,
		sgs: []*secGroup{aTM}, tags: tags("Team", "security")})
	pay := func(sp instanceSpec) *instance {
		if sp.itype == "" {
			sp.itype = "m5.large"
		}
		if sp.sgs == nil {
			sp.sgs = []*secGroup{aApp, aAgent}
		}
		sp.tags = payTags
		return r.addInstance(sp)
	}
	pay(instanceSpec{name: "pay-api-1", os: osRHEL610, s: aPrivA, profile: d.profLegacy, ssm: ssmOnline,
		kernels: []string{"2.6.32-696.30.1.el6.x86_64"}, inventory: true})
	d.appAPI2 = pay(instanceSpec{name: "pay-api-2", os: osAmazon201803, s: aPrivA})
	d.appWorker1 = pay(instanceSpec{name: "pay-worker-1", os: osUbuntu1404, s: aPrivA, profile: d.profReader})
	pay(instanceSpec{name: "pay-api-3", os: osRHEL75, s: aPrivA, profile: d.profCore, ssm: ssmOnline,
		kernels: []string{"3.10.0-957.el7.x86_64"}, inventory: true, uname: "3.10.0-957.el7.x86_64"})
	d.appWebSG = a.addSG("prod-app-web", "payments web front end", tags("Team", "payments"))
	d.appWebSG.ingress = []perm{tcp(443, 443).cidr(a.cidr, "HTTPS inside the VPC")}
	d.appWebSG.egress = []perm{tcp(443, 443).cidr("0.0.0.0/0", ""), tcp(7777, 7777).cidr(a.cidr, "PDR agent data transport")}
	pay(instanceSpec{name: "pay-web-1", os: osUbuntu1604, s: aPrivA, profile: d.profCore, ssm: ssmOnline,
		sgs: []*secGroup{d.appWebSG}, kernels: []string{"4.4.0-1057-aws"}, inventory: true})
	d.appBatch1 = pay(instanceSpec{name: "pay-batch-1", os: osCentOS6, s: aPrivB, profile: d.profCore, ssm: ssmConnectionLost,
		kernels: []string{"2.6.32-696.20.1.el6.x86_64"}, inventory: true, unameTO: true})
	d.appBatch2 = pay(instanceSpec{name: "pay-batch-2", os: osWindows2012R2, s: aPrivB})
	d.appReport1 = pay(instanceSpec{name: "pay-report-1", os: osAmazon201803, s: aPrivC, itype: "t3.medium", stopped: true,
		profile: d.profCore, launch: time.Date(2023, 10, 9, 14, 31, 2, 0, time.UTC)})

	r.onPrem = append(r.onPrem, &onPremNode{
		id: "mi-" + e.hexID("onprem/jump"), name: "onprem-jump-01", ip: "192.168.10.21", computerName: "jump01.corp.example.com",
		os: osCentOS7, activationID: e.uuid("activation/onprem"), registered: "2022-02-03T10:15:27.651000+00:00",
	})
}

func (d *demo) buildEUWest1() {
	e := d.e
	r := e.addRegion("eu-west-1", euw1AZ)
	d.euw1 = r
	r.dhmcRole = "service-role/AWSSystemsManagerDefaultEC2InstanceManagementRole"
	r.dhmcUser = "arn:aws:iam::111122223333:user/platform-admin"
	r.dhmcDate = "2023-02-17T11:04:02.319000+00:00"
	s3 := r.addAWSPrefixList("pl-6da54004", "com.amazonaws.eu-west-1.s3", "3.5.64.0/21", "3.5.72.0/23", "52.218.0.0/17", "52.92.0.0/17")
	corp := r.addPrefixList("corp-admin-networks", 10, tags("Name", "corp-admin-networks"),
		descRef{"198.51.100.0/24", "HQ office"},
		descRef{"203.0.113.0/25", "VPN concentrators"})

	// analytics: two appliances, but a NACL blocks event transport from one
	// and the appliance group does not admit TCP 7777.
	v := r.addVPC("analytics", "10.40.0.0/16", false, tags("Environment", "production", "Team", "data")...)
	d.analytics = v
	pubA := v.addSubnet("public-a", "eu-west-1a", "10.40.0.0/24", true)
	pubB := v.addSubnet("public-b", "eu-west-1b", "10.40.1.0/24", true)
	privA := v.addSubnet("private-a", "eu-west-1a", "10.40.10.0/24", false)
	privB := v.addSubnet("private-b", "eu-west-1b", "10.40.11.0/24", false)
	tmA := v.addSubnet("tm-a", "eu-west-1a", "10.40.20.0/24", false)
	igw := v.addIGW("analytics-igw")
	nat := v.addNAT("analytics-nat-a", pubA, "available", "2021-09-02T08:51:17+00:00", "")
	v.addRouteTable("analytics-public", []route{toIGW(igw)}, pubA, pubB)
	v.addRouteTable("analytics-private", []route{toNAT(nat)}, tmA, privA, privB)
	var deny []naclEntry
	for i, c := range usDataCenter {
		deny = append(deny, naclEntry{num: 90 + i, egress: true, proto: "6", cidr: c, from: 4138, to: 4138, action: "deny"})
	}
	d.anTMACL = v.addNACL("analytics-tm-a", append(deny,
		naclEntry{num: 100, egress: true, proto: "-1", cidr: "0.0.0.0/0", action: "allow"},
		naclEntry{num: 100, proto: "-1", cidr: "0.0.0.0/0", action: "allow"},
	), tmA)
	d.anTMSG = v.addSG("analytics-tm-appliance", "Enable In-Out access for Alert Logic Threat Management Services.", nil)
	d.anTMSG.ingress = []perm{tcp(443, 443).cidr(v.cidr, "Agent updates")}
	d.anTMSG.egress = applianceEgress(v.cidr, nil)
	anAgent := agentGroup(v, d.anTMSG)
	etl := v.addSG("analytics-etl", "ETL workers", tags("Team", "data"))
	etl.ingress = []perm{tcp(22, 22).prefixList(corp, "")}

	d.anTMa = r.addInstance(instanceSpec{name: "analytics-ids-a", os: osThreatManager, itype: "c5.large", s: tmA,
		sgs: []*secGroup{d.anTMSG}, tags: applianceTags()})
	d.anTMb = r.addInstance(instanceSpec{name: "analytics Threat Manager b", os: osThreatManager, itype: "c5.large", s: pubB, public: true,
		sgs: []*secGroup{d.anTMSG}, tags: applianceTags()})
	dataTags := tags("Environment", "production", "Team", "data")
	an := func(sp instanceSpec) *instance {
		if sp.itype == "" {
			sp.itype = "m5.xlarge"
		}
		sp.sgs = []*secGroup{etl, anAgent}
		sp.tags = dataTags
		sp.ssm = ssmOnline
		return r.addInstance(sp)
	}
	d.anETL1 = an(instanceSpec{name: "etl-1", os: osAmazon201803, s: privA, profile: d.profCore,
		kernels: []string{"4.14.47-56.37.amzn1.x86_64", "4.14.177-107.254.amzn1.x86_64"}, inventory: true,
		uname: "4.14.177-107.254.amzn1.x86_64"})
	d.anETL2 = an(instanceSpec{name: "etl-2", os: osRHEL75, s: privA, profile: d.profCore,
		kernels: []string{"3.10.0-862.3.3.el7.x86_64", "3.10.0-862.9.1.el7.x86_64"}, inventory: true})
	d.anETL3 = an(instanceSpec{name: "etl-3", os: osUbuntu1604, s: privB, profile: d.profCore,
		kernels: []string{"4.4.0-1128-aws"}, inventory: true})
	d.anETL4 = an(instanceSpec{name: "etl-4", os: osAmazonLinux2ARM, itype: "m6g.large", s: privB, profile: d.profCore,
		kernels: []string{"4.14.146-119.123.amzn2.aarch64"}, inventory: true, uname: "4.14.146-119.123.amzn2.aarch64"})
	an(instanceSpec{name: "etl-5", os: osUbuntu1404, s: privA, profile: d.profCore,
		kernels: []string{"3.13.0-141-generic"}, inventory: true})
	an(instanceSpec{name: "etl-6", os: osCentOS7, s: privB,
		kernels: []string{"3.10.0-862.3.2.el7.x86_64"}, inventory: true})
	an(instanceSpec{name: "etl-7", os: osAmazon201709, s: privB, profile: d.profLegacy,
		kernels: []string{"4.9.85-38.58.amzn1.x86_64"}, inventory: true, uname: "4.9.85-38.58.amzn1.x86_64"})
	an(instanceSpec{name: "etl-8", os: osRHEL610, s: privB, profile: d.profReader,
		kernels: []string{"2.6.32-754.35.1.el6.x86_64"}, inventory: true})
	an(instanceSpec{name: "etl-win-1", os: osWindows2019, s: privA, profile: d.profCore, inventory: true})
	an(instanceSpec{name: "etl-win-2", os: osWindows2022, s: privA, profile: d.profCore})

	// vault: private, no NAT or internet gateway; SSM through interface endpoints.
	p := r.addVPC("vault", "10.50.0.0/16", false, tags("Environment", "production", "Team", "security")...)
	d.vault = p
	pA := p.addSubnet("private-a", "eu-west-1a", "10.50.10.0/24", false)
	pB := p.addSubnet("private-b", "eu-west-1b", "10.50.11.0/24", false)
	iso := p.addSubnet("isolated-c", "eu-west-1c", "10.50.20.0/24", false)
	d.vaultIso = iso
	privRT := p.addRouteTable("vault-private", nil, pA, pB)
	isoRT := p.addRouteTable("vault-isolated", nil, iso)
	gw := p.addGatewayEndpoint("com.amazonaws.eu-west-1.s3", "2022-01-11T15:20:44.712000+00:00", privRT, isoRT)
	for _, t := range []*routeTable{privRT, isoRT} {
		t.routes = append(t.routes, route{destPL: s3.id, gateway: gw.id, origin: "CreateRoute", state: "active"})
	}
	d.vaultIsoACL = p.addNACL("vault-isolated", []naclEntry{
		{num: 100, egress: true, proto: "-1", cidr: "10.50.20.0/24", action: "allow"},
		{num: 100, proto: "-1", cidr: "10.50.20.0/24", action: "allow"},
	}, iso)
	d.vaultEPSG = p.addSG("vault-ssm-endpoints", "HTTPS to the SSM interface endpoints", nil)
	d.vaultEPSG.ingress = []perm{tcp(443, 443).cidr(p.cidr, "SSM agents in the VPC")}
	d.vaultEPSG.egress = []perm{allTraffic().cidr("0.0.0.0/0", "")}
	for i, svc := range []string{"ssm", "ec2messages", "ssmmessages"} {
		created := time.Date(2022, 1, 11, 15, 24, 10+i*7, (311+i*104)*1_000_000, time.UTC)
		d.vaultEPs = append(d.vaultEPs, p.addInterfaceEndpoint("com.amazonaws.eu-west-1."+svc, []*secGroup{d.vaultEPSG}, isoTime(created), pA, pB))
	}
	vApp := p.addSG("vault-app", "vault application", nil)
	vApp.ingress = []perm{tcp(443, 443).cidr(p.cidr, "")}
	vApp.egress = []perm{allTraffic().cidr("0.0.0.0/0", "")}
	vBatch := p.addSG("vault-batch", "isolated batch jobs", nil)
	vBatch.egress = []perm{allTraffic().cidr("0.0.0.0/0", "")}
	secTags := tags("Environment", "production", "Team", "security")
	r.addInstance(instanceSpec{name: "vault-1", os: osAmazon201803, itype: "t3.medium", s: pA, sgs: []*secGroup{vApp},
		tags: secTags, ssm: ssmOnline, kernels: []string{"4.14.26-46.32.amzn1.x86_64"}, inventory: true})
	r.addInstance(instanceSpec{name: "vault-2", os: osRHEL75, itype: "t3.medium", s: pB, sgs: []*secGroup{vApp},
		tags: secTags, ssm: ssmOnline, kernels: []string{"3.10.0-862.3.3.el7.x86_64"}, inventory: true})
	r.addInstance(instanceSpec{name: "vault-3", os: osWindows2016, itype: "m5.large", s: pB, sgs: []*secGroup{vApp},
		tags: secTags, ssm: ssmOnline})
	r.addInstance(instanceSpec{name: "vault-batch-1", os: osAmazon201803, itype: "t3.medium", s: iso, sgs: []*secGroup{vBatch},
		tags: secTags, profile: d.profCore, reservation: "vault-batch"})
	r.addInstance(instanceSpec{name: "vault-batch-2", os: osAmazon201803, itype: "t3.medium", s: iso, sgs: []*secGroup{vBatch},
		tags: secTags, profile: d.profCore, reservation: "vault-batch"})

	// The default VPC, with one forgotten public instance.
	dv := r.addVPC("default", "172.31.0.0/16", true)
	d.dflt = dv
	da := dv.addSubnet("default-a", "eu-west-1a", "172.31.16.0/20", true)
	db := dv.addSubnet("default-b", "eu-west-1b", "172.31.32.0/20", true)
	dc := dv.addSubnet("default-c", "eu-west-1c", "172.31.0.0/20", true)
	for _, s := range []*subnet{da, db, dc} {
		s.defaultForAz = true
	}
	dIGW := dv.addIGW("")
	dv.mainRTB.routes = append(dv.mainRTB.routes, toIGW(dIGW))
	lw := dv.addSG("launch-wizard-1", "launch-wizard-1 created 2019-04-02T10:21:44.015+01:00", nil)
	lw.ingress = []perm{tcp(21, 21).cidr("0.0.0.0/0", ""), tcp(22, 22).cidr("0.0.0.0/0", "")}
	lw.egress = []perm{allTraffic().cidr("0.0.0.0/0", "")}
	r.addInstance(instanceSpec{name: "legacy-ftp", os: osUbuntu1404, itype: "t2.micro", s: da, public: true,
		sgs: []*secGroup{lw}, ssm: ssmOnline, kernels: []string{"3.13.0-149-generic"}, inventory: true,
		launch: time.Date(2019, 4, 2, 9, 22, 13, 0, time.UTC)})
}
