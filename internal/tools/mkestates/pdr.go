package main

// Facts from PDR-REQUIREMENTS.md that the estates are built around.
var (
	usDataCenter = []string{"204.110.218.96/27", "204.110.219.96/27", "208.71.209.32/27"}
	usNTP        = []string{"204.110.219.96/27", "208.71.209.32/27"}
	googleDNS    = []string{"8.8.8.8/32", "8.8.4.4/32"}
)

// applianceEgress returns the egress rules a Threat Manager appliance
// needs toward the US data center, DNS, updates and the VPC it scans.
// When dc is non-nil, TCP 443 and 4138 name that prefix list instead of
// the three CIDRs.
func applianceEgress(vpcCIDR string, dc *prefixList) []perm {
	https := tcp(443, 443)
	events := tcp(4138, 4138)
	if dc != nil {
		https = https.prefixList(dc, "Alert Logic updates")
		events = events.prefixList(dc, "Alert Logic event transport")
	} else {
		https = https.cidrs("Alert Logic updates", usDataCenter...)
		events = events.cidrs("Alert Logic event transport", usDataCenter...)
	}
	return []perm{
		https,
		events,
		udp(123, 123).cidrs("NTP", usNTP...),
		tcp(53, 53).cidrs("DNS", googleDNS...),
		udp(53, 53).cidrs("DNS", googleDNS...),
		tcp(80, 80).cidr("0.0.0.0/0", "Appliance updates"),
		allTraffic().cidr(vpcCIDR, "Active scanning"),
	}
}

// applianceIngress returns TCP 443 and TCP 7777 from the monitored
// instances (the documents' "Agent(s) CIDR").
func applianceIngress(vpcCIDR string) []perm {
	return []perm{
		tcp(443, 443).cidr(vpcCIDR, "Agent updates"),
		tcp(7777, 7777).cidr(vpcCIDR, "Agent data transport"),
	}
}

// agentGroup adds the security group Rackspace attaches to monitored
// instances: ALL in from the appliances, TCP 443 out to the internet and
// TCP 7777 out to the appliances.
func agentGroup(v *vpc, tm *secGroup) *secGroup {
	g := v.addSG(v.name+"-pdr-agent", "Enable Out access to Alert Logic Threat Management Device.", nil)
	if tm != nil {
		g.ingress = []perm{allTraffic().group(tm, "Active scanning from the IDS appliances")}
	}
	g.egress = []perm{tcp(443, 443).cidr("0.0.0.0/0", "Agent updates, CrowdStrike, SSM")}
	if tm != nil {
		g.egress = append(g.egress, tcp(7777, 7777).group(tm, "Agent data transport"))
	}
	return g
}

// applianceTags are the tags Rackspace puts on the appliances it deploys.
func applianceTags() []tag {
	return tags("ProductVendor", "AlertLogic", "ProductGroup", "RMS", "ServiceProvider", "Rackspace")
}
