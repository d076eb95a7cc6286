package main

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// files maps a slash-separated path inside an estate to its contents.
type files map[string][]byte

func (f files) put(p string, v any) {
	if _, dup := f[p]; dup {
		panic("duplicate file " + p)
	}
	f[p] = encode(v)
}

// isoTime formats t as the AWS CLI prints timestamp members (Python's
// datetime.isoformat: fractional seconds only when they are not zero).
func isoTime(t time.Time) string {
	t = t.UTC()
	if t.Nanosecond() == 0 {
		return t.Format("2006-01-02T15:04:05+00:00")
	}
	return t.Format("2006-01-02T15:04:05.000000+00:00")
}

// zTime formats t the way SSM prints its string-typed dates.
func zTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

// msZTime formats t like GetCommandInvocation's ExecutionStartDateTime.
func msZTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

func renderTags(t []tag) list {
	l := list{}
	for _, x := range t {
		l = append(l, obj("Key", x.k, "Value", x.v))
	}
	return l
}

// tagsMember returns the Tags member for resources whose tag set EC2 omits
// when it is empty.
func tagsMember(t []tag) any {
	if len(t) == 0 {
		return omit{}
	}
	return renderTags(t)
}

func nameTags(name string) list {
	if name == "" {
		return list{}
	}
	return renderTags([]tag{{"Name", name}})
}

// render produces every file of one single-account estate.
func render(e *estate) files {
	f := files{}
	f.put("account.json", obj("UserId", e.callerID, "Account", e.accountID, "Arn", e.callerARN))
	renderIAM(e, f)
	for _, r := range e.regions {
		renderEC2(r, f)
		renderSSM(r, f)
	}
	return f
}

func renderIAM(e *estate, f files) {
	roles := map[string]*iamRole{}
	var order []*iamRole
	addRole := func(r *iamRole) {
		if r == nil || roles[r.name] != nil {
			return
		}
		roles[r.name] = r
		order = append(order, r)
	}
	for _, p := range e.profiles {
		var rl list = list{}
		if p.role != nil {
			addRole(p.role)
			rl = append(rl, obj(
				"Path", p.role.path,
				"RoleName", p.role.name,
				"RoleId", p.role.id,
				"Arn", p.role.arn,
				"CreateDate", p.role.created,
				"AssumeRolePolicyDocument", obj(
					"Version", "2012-10-17",
					"Statement", list{obj(
						"Effect", "Allow",
						"Principal", obj("Service", "ec2.amazonaws.com"),
						"Action", "sts:AssumeRole",
					)},
				),
			))
		}
		f.put("iam/get-instance-profile/"+p.name+".json", obj("InstanceProfile", obj(
			"Path", "/",
			"InstanceProfileName", p.name,
			"InstanceProfileId", p.id,
			"Arn", p.arn,
			"CreateDate", p.created,
			"Roles", rl,
			"Tags", list{},
		)))
	}
	for _, r := range e.roles {
		addRole(r)
	}
	for _, r := range order {
		pl := list{}
		for _, p := range r.policies {
			pl = append(pl, obj("PolicyName", p.name, "PolicyArn", p.arn))
		}
		f.put("iam/list-attached-role-policies/"+r.name+".json", obj("AttachedPolicies", pl))
	}
}

func renderEC2(r *region, f files) {
	acct := r.e.accountID
	dir := r.name + "/ec2/"

	vpcs, subnets, sgs, acls, rtbs, igws, nats, eps := list{}, list{}, list{}, list{}, list{}, list{}, list{}, list{}
	for _, v := range r.vpcs {
		vpcs = append(vpcs, obj(
			"CidrBlock", v.cidr,
			"DhcpOptionsId", v.dhcpID,
			"State", "available",
			"VpcId", v.id,
			"OwnerId", acct,
			"InstanceTenancy", "default",
			"CidrBlockAssociationSet", list{obj(
				"AssociationId", v.assocID,
				"CidrBlock", v.cidr,
				"CidrBlockState", obj("State", "associated"),
			)},
			"IsDefault", v.isDefault,
			"Tags", tagsMember(v.tags),
		))
		for _, s := range v.subnets {
			var t []tag
			if s.name != "" && !s.defaultForAz {
				t = []tag{{"Name", v.name + "-" + s.name}}
			}
			subnets = append(subnets, obj(
				"AvailabilityZone", s.az,
				"AvailabilityZoneId", r.azIDs[s.az],
				"AvailableIpAddressCount", s.size()-5-len(s.used),
				"CidrBlock", s.cidr,
				"DefaultForAz", s.defaultForAz,
				"MapPublicIpOnLaunch", s.mapPublic,
				"MapCustomerOwnedIpOnLaunch", false,
				"State", "available",
				"SubnetId", s.id,
				"VpcId", v.id,
				"OwnerId", acct,
				"AssignIpv6AddressOnCreation", false,
				"Ipv6CidrBlockAssociationSet", list{},
				"Tags", tagsMember(t),
				"SubnetArn", "arn:aws:ec2:"+r.name+":"+acct+":subnet/"+s.id,
				"EnableDns64", false,
				"Ipv6Native", false,
				"PrivateDnsNameOptionsOnLaunch", obj(
					"HostnameType", "ip-name",
					"EnableResourceNameDnsARecord", false,
					"EnableResourceNameDnsAAAARecord", false,
				),
			))
		}
		for _, g := range v.sgs {
			sgs = append(sgs, obj(
				"Description", g.desc,
				"GroupName", g.name,
				"IpPermissions", renderPerms(g.ingress, acct),
				"OwnerId", acct,
				"GroupId", g.id,
				"IpPermissionsEgress", renderPerms(g.egress, acct),
				"Tags", tagsMember(g.tags),
				"VpcId", v.id,
			))
		}
		for _, a := range v.nacls {
			assocs := list{}
			for _, s := range a.subnets {
				assocs = append(assocs, obj(
					"NetworkAclAssociationId", r.id("aclassoc", v.name+"/"+s.name),
					"NetworkAclId", a.id,
					"SubnetId", s.id,
				))
			}
			acls = append(acls, obj(
				"Associations", assocs,
				"Entries", renderACLEntries(a.entries),
				"IsDefault", a.isDefault,
				"NetworkAclId", a.id,
				"Tags", nameTags(a.name),
				"VpcId", v.id,
				"OwnerId", acct,
			))
		}
		for _, t := range v.rtbs {
			assocs := list{}
			if t.main {
				assocs = append(assocs, obj(
					"Main", true,
					"RouteTableAssociationId", t.mainAssoc,
					"RouteTableId", t.id,
					"AssociationState", obj("State", "associated"),
				))
			}
			for _, s := range t.subnets {
				assocs = append(assocs, obj(
					"Main", false,
					"RouteTableAssociationId", r.id("rtbassoc", v.name+"/"+s.name),
					"RouteTableId", t.id,
					"SubnetId", s.id,
					"AssociationState", obj("State", "associated"),
				))
			}
			routes := list{}
			for _, rt := range t.routes {
				routes = append(routes, obj(
					"DestinationCidrBlock", opt(rt.dest),
					"DestinationPrefixListId", opt(rt.destPL),
					"GatewayId", opt(rt.gateway),
					"NatGatewayId", opt(rt.nat),
					"Origin", rt.origin,
					"State", rt.state,
				))
			}
			rtbs = append(rtbs, obj(
				"Associations", assocs,
				"PropagatingVgws", list{},
				"RouteTableId", t.id,
				"Routes", routes,
				"Tags", nameTags(t.name),
				"VpcId", v.id,
				"OwnerId", acct,
			))
		}
		if v.igw != nil {
			igws = append(igws, obj(
				"Attachments", list{obj("State", "available", "VpcId", v.id)},
				"InternetGatewayId", v.igw.id,
				"OwnerId", acct,
				"Tags", nameTags(v.igw.name),
			))
		}
		for _, n := range v.nats {
			nats = append(nats, obj(
				"CreateTime", n.created,
				"DeleteTime", opt(n.deleted),
				"NatGatewayAddresses", list{obj(
					"AllocationId", n.allocID,
					"NetworkInterfaceId", n.eniID,
					"PrivateIp", n.privateIP,
					"PublicIp", n.publicIP,
				)},
				"NatGatewayId", n.id,
				"State", n.state,
				"SubnetId", n.s.id,
				"VpcId", v.id,
				"Tags", nameTags(n.name),
				"ConnectivityType", "public",
			))
		}
		for _, ep := range v.endpoints {
			eps = append(eps, renderEndpoint(r, ep))
		}
	}
	f.put(dir+"describe-vpcs.json", obj("Vpcs", vpcs))
	f.put(dir+"describe-subnets.json", obj("Subnets", subnets))
	f.put(dir+"describe-security-groups.json", obj("SecurityGroups", sgs))
	f.put(dir+"describe-network-acls.json", obj("NetworkAcls", acls))
	f.put(dir+"describe-route-tables.json", obj("RouteTables", rtbs))
	f.put(dir+"describe-internet-gateways.json", obj("InternetGateways", igws))
	f.put(dir+"describe-nat-gateways.json", obj("NatGateways", nats))
	f.put(dir+"describe-vpc-endpoints.json", obj("VpcEndpoints", eps))

	pls := list{}
	for _, pl := range r.prefixLists {
		owner, arnAcct := acct, acct
		maxEntries, version := any(pl.maxEntries), any(pl.version)
		if pl.awsManaged {
			owner, arnAcct = "AWS", "aws"
			maxEntries, version = omit{}, omit{}
		}
		pls = append(pls, obj(
			"PrefixListId", pl.id,
			"AddressFamily", "IPv4",
			"State", "create-complete",
			"PrefixListArn", "arn:aws:ec2:"+r.name+":"+arnAcct+":prefix-list/"+pl.id,
			"PrefixListName", pl.name,
			"MaxEntries", maxEntries,
			"Version", version,
			"Tags", renderTags(pl.tags),
			"OwnerId", owner,
		))
		entries := list{}
		for _, en := range pl.entries {
			entries = append(entries, obj("Cidr", en.id, "Description", opt(en.desc)))
		}
		f.put(dir+"get-managed-prefix-list-entries/"+pl.id+".json", obj("Entries", entries))
	}
	f.put(dir+"describe-managed-prefix-lists.json", obj("PrefixLists", pls))

	renderInstances(r, f)
}

func renderPerms(ps []perm, acct string) list {
	l := list{}
	for _, p := range ps {
		ranges, pls, groups := list{}, list{}, list{}
		for _, c := range p.ranges {
			ranges = append(ranges, obj("CidrIp", c.id, "Description", opt(c.desc)))
		}
		for _, c := range p.pls {
			pls = append(pls, obj("Description", opt(c.desc), "PrefixListId", c.id))
		}
		for _, g := range p.groups {
			groups = append(groups, obj("Description", opt(g.desc), "GroupId", g.g.id, "UserId", acct))
		}
		var from, to any = omit{}, omit{}
		if p.proto != "-1" {
			from, to = p.from, p.to
		}
		l = append(l, obj(
			"FromPort", from,
			"IpProtocol", p.proto,
			"IpRanges", ranges,
			"Ipv6Ranges", list{},
			"PrefixListIds", pls,
			"ToPort", to,
			"UserIdGroupPairs", groups,
		))
	}
	return l
}

// renderACLEntries lists egress entries before ingress ones, each by rule
// number, the order DescribeNetworkAcls returns them in.
func renderACLEntries(es []naclEntry) list {
	sorted := slices.Clone(es)
	slices.SortStableFunc(sorted, func(a, b naclEntry) int {
		if a.egress != b.egress {
			if a.egress {
				return -1
			}
			return 1
		}
		return a.num - b.num
	})
	l := list{}
	for _, en := range sorted {
		var pr any = omit{}
		if en.proto == "6" || en.proto == "17" {
			pr = obj("From", en.from, "To", en.to)
		}
		l = append(l, obj(
			"CidrBlock", en.cidr,
			"Egress", en.egress,
			"PortRange", pr,
			"Protocol", en.proto,
			"RuleAction", en.action,
			"RuleNumber", en.num,
		))
	}
	return l
}

func renderEndpoint(r *region, ep *vpcEndpoint) object {
	svc := ep.service[strings.LastIndex(ep.service, ".")+1:]
	groups, rtbIDs, subnetIDs := list{}, []string{}, []string{}
	for _, g := range ep.groups {
		groups = append(groups, obj("GroupId", g.id, "GroupName", g.name))
	}
	for _, t := range ep.rtbs {
		rtbIDs = append(rtbIDs, t.id)
	}
	for _, s := range ep.subnets {
		subnetIDs = append(subnetIDs, s.id)
	}
	if ep.kind == "Gateway" {
		return obj(
			"VpcEndpointId", ep.id,
			"VpcEndpointType", "Gateway",
			"VpcId", ep.v.id,
			"ServiceName", ep.service,
			"State", "available",
			"PolicyDocument", `{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}`,
			"RouteTableIds", rtbIDs,
			"SubnetIds", subnetIDs,
			"Groups", groups,
			"PrivateDnsEnabled", false,
			"RequesterManaged", false,
			"NetworkInterfaceIds", []string{},
			"DnsEntries", list{},
			"CreationTimestamp", ep.created,
			"Tags", nameTags(ep.v.name+"-"+svc),
			"OwnerId", r.e.accountID,
		)
	}
	zone := map[string]string{"us-east-1": "Z7HUB22UULQXV", "us-west-2": "Z1YSA3EXCYUU9Z", "eu-west-1": "Z38GZ743OKFT7T"}[r.name]
	base := ep.id + "-" + ep.dnsSuffix
	dns := list{obj("DnsName", base+"."+svc+"."+r.name+".vpce.amazonaws.com", "HostedZoneId", zone)}
	for _, s := range ep.subnets {
		dns = append(dns, obj("DnsName", base+"-"+s.az+"."+svc+"."+r.name+".vpce.amazonaws.com", "HostedZoneId", zone))
	}
	if ep.privDNS {
		dns = append(dns, obj("DnsName", svc+"."+r.name+".amazonaws.com", "HostedZoneId", "Z0"+strings.ToUpper(r.e.rawHex("phz/" + ep.id))[:17]))
	}
	return obj(
		"VpcEndpointId", ep.id,
		"VpcEndpointType", "Interface",
		"VpcId", ep.v.id,
		"ServiceName", ep.service,
		"State", "available",
		"PolicyDocument", "{\n  \"Statement\": [\n    {\n      \"Action\": \"*\", \n      \"Effect\": \"Allow\", \n      \"Principal\": \"*\", \n      \"Resource\": \"*\"\n    }\n  ]\n}",
		"RouteTableIds", rtbIDs,
		"SubnetIds", subnetIDs,
		"Groups", groups,
		"IpAddressType", "ipv4",
		"DnsOptions", obj("DnsRecordIpType", "ipv4"),
		"PrivateDnsEnabled", ep.privDNS,
		"RequesterManaged", false,
		"NetworkInterfaceIds", ep.enis,
		"DnsEntries", dns,
		"CreationTimestamp", ep.created,
		"Tags", nameTags(ep.v.name+"-"+svc),
		"OwnerId", r.e.accountID,
	)
}

// cpu returns the CpuOptions EC2 reports for an instance type.
func cpu(itype string) (cores, threads int) {
	switch itype {
	case "t2.micro", "t2.small":
		return 1, 1
	case "m6g.large":
		return 2, 1
	case "m5.xlarge", "c5.xlarge", "r5.xlarge":
		return 2, 2
	default:
		return 1, 2
	}
}

func amiID(r *region, o *osSpec) string { return r.id("ami", "image/"+o.key) }

func renderInstances(r *region, f files) {
	acct := r.e.accountID
	type res struct {
		label string
		ins   []*instance
	}
	var reservations []*res
	byLabel := map[string]*res{}
	var images []*osSpec
	for _, in := range r.instances {
		rs := byLabel[in.reservation]
		if rs == nil {
			rs = &res{label: in.reservation}
			byLabel[in.reservation] = rs
			reservations = append(reservations, rs)
		}
		rs.ins = append(rs.ins, in)
		if !slices.Contains(images, in.os) {
			images = append(images, in.os)
		}
	}
	out := list{}
	for _, rs := range reservations {
		insts := list{}
		for idx, in := range rs.ins {
			insts = append(insts, renderInstance(r, in, idx))
		}
		out = append(out, obj(
			"Groups", list{},
			"Instances", insts,
			"OwnerId", acct,
			"ReservationId", r.id("r", "reservation/"+rs.label),
		))
	}
	f.put(r.name+"/ec2/describe-instances.json", obj("Reservations", out))

	imgs := list{}
	for _, o := range images {
		var pcs any = omit{}
		if o.productCode != "" {
			pcs = list{obj("ProductCodeId", o.productCode, "ProductCodeType", "marketplace")}
		}
		arch := o.arch
		loc := o.amiOwner + "/" + o.amiName
		if o.amiAlias != "" {
			loc = o.amiAlias + "/" + o.amiName
		}
		imgs = append(imgs, obj(
			"Architecture", arch,
			"CreationDate", o.amiCreated,
			"ImageId", amiID(r, o),
			"ImageLocation", loc,
			"ImageType", "machine",
			"Public", o.amiAlias != "" || o.amiOwner == "099720109477" || o.amiOwner == "309956199498",
			"OwnerId", o.amiOwner,
			"Platform", opt(o.platform),
			"PlatformDetails", o.platformDetails,
			"UsageOperation", o.usageOperation,
			"ProductCodes", pcs,
			"State", "available",
			"BlockDeviceMappings", list{obj(
				"DeviceName", o.rootDevice,
				"Ebs", obj(
					"DeleteOnTermination", true,
					"SnapshotId", r.id("snap", "image/"+o.key),
					"VolumeSize", o.rootVolumeGiB,
					"VolumeType", "gp2",
					"Encrypted", false,
				),
			)},
			"Description", o.amiDesc,
			"EnaSupport", true,
			"Hypervisor", "xen",
			"ImageOwnerAlias", opt(o.amiAlias),
			"Name", o.amiName,
			"RootDeviceName", o.rootDevice,
			"RootDeviceType", "ebs",
			"SriovNetSupport", "simple",
			"VirtualizationType", "hvm",
		))
	}
	f.put(r.name+"/ec2/describe-images.json", obj("Images", imgs))
}

func renderInstance(r *region, in *instance, launchIndex int) object {
	acct := r.e.accountID
	launch := isoTime(in.launch)
	volAttach := isoTime(in.launch.Add(time.Second))
	label := "instance/" + in.name
	dns := r.privateDNS(in.ip)

	groups := list{}
	for _, g := range in.sgs {
		groups = append(groups, obj("GroupName", g.name, "GroupId", g.id))
	}
	var assoc any = omit{}
	publicDNS := ""
	if in.publicIP != "" && !in.stopped {
		publicDNS = r.publicDNS(in.publicIP)
		assoc = obj("IpOwnerId", "amazon", "PublicDnsName", publicDNS, "PublicIp", in.publicIP)
	}
	eni := obj(
		"Association", assoc,
		"Attachment", obj(
			"AttachTime", launch,
			"AttachmentId", r.id("eni-attach", label),
			"DeleteOnTermination", true,
			"DeviceIndex", 0,
			"Status", "attached",
			"NetworkCardIndex", 0,
		),
		"Description", "",
		"Groups", groups,
		"Ipv6Addresses", list{},
		"MacAddress", r.e.mac(r.name+"/"+label),
		"NetworkInterfaceId", r.id("eni", label),
		"OwnerId", acct,
		"PrivateDnsName", dns,
		"PrivateIpAddress", in.ip,
		"PrivateIpAddresses", list{obj(
			"Association", assoc,
			"Primary", true,
			"PrivateDnsName", dns,
			"PrivateIpAddress", in.ip,
		)},
		"SourceDestCheck", true,
		"Status", "in-use",
		"SubnetId", in.s.id,
		"VpcId", in.s.v.id,
		"InterfaceType", "interface",
	)

	state := obj("Code", 16, "Name", "running")
	transition := ""
	var stateReason any = omit{}
	if in.stopped {
		stopped := in.launch.Add(97*24*time.Hour + 3*time.Hour + 14*time.Minute + 11*time.Second)
		state = obj("Code", 80, "Name", "stopped")
		transition = "User initiated (" + stopped.UTC().Format("2006-01-02 15:04:05") + " GMT)"
		stateReason = obj("Code", "Client.UserInitiatedShutdown", "Message", "Client.UserInitiatedShutdown: User initiated shutdown")
	}
	var profile any = omit{}
	if in.profile != nil {
		profile = obj("Arn", in.profile.arn, "Id", in.profile.id)
	}
	pcs := list{}
	if in.os.productCode != "" {
		pcs = append(pcs, obj("ProductCodeId", in.os.productCode, "ProductCodeType", "marketplace"))
	}
	var publicIP any = omit{}
	if in.publicIP != "" && !in.stopped {
		publicIP = in.publicIP
	}
	cores, threads := cpu(in.itype)
	ebsOptimized := !strings.HasPrefix(in.itype, "t2.")
	return obj(
		"AmiLaunchIndex", launchIndex,
		"ImageId", amiID(r, in.os),
		"InstanceId", in.id,
		"InstanceType", in.itype,
		"KeyName", in.keyName,
		"LaunchTime", launch,
		"Monitoring", obj("State", "disabled"),
		"Placement", obj("AvailabilityZone", in.s.az, "GroupName", "", "Tenancy", "default"),
		"Platform", opt(in.os.platform),
		"PrivateDnsName", dns,
		"PrivateIpAddress", in.ip,
		"ProductCodes", pcs,
		"PublicDnsName", publicDNS,
		"PublicIpAddress", publicIP,
		"State", state,
		"StateTransitionReason", transition,
		"SubnetId", in.s.id,
		"VpcId", in.s.v.id,
		"Architecture", in.os.arch,
		"BlockDeviceMappings", list{obj(
			"DeviceName", in.os.rootDevice,
			"Ebs", obj(
				"AttachTime", volAttach,
				"DeleteOnTermination", true,
				"Status", "attached",
				"VolumeId", r.id("vol", label),
			),
		)},
		"ClientToken", r.e.uuid(r.name+"/token/"+in.reservation),
		"EbsOptimized", ebsOptimized,
		"EnaSupport", true,
		"Hypervisor", "xen",
		"IamInstanceProfile", profile,
		"NetworkInterfaces", list{eni},
		"RootDeviceName", in.os.rootDevice,
		"RootDeviceType", "ebs",
		"SecurityGroups", groups,
		"SourceDestCheck", true,
		"StateReason", stateReason,
		"Tags", renderTags(in.tags),
		"VirtualizationType", "hvm",
		"CpuOptions", obj("CoreCount", cores, "ThreadsPerCore", threads),
		"CapacityReservationSpecification", obj("CapacityReservationPreference", "open"),
		"HibernationOptions", obj("Configured", false),
		"MetadataOptions", obj(
			"State", "applied",
			"HttpTokens", "optional",
			"HttpPutResponseHopLimit", 1,
			"HttpEndpoint", "enabled",
			"HttpProtocolIpv6", "disabled",
			"InstanceMetadataTags", "disabled",
		),
		"EnclaveOptions", obj("Enabled", false),
		"PlatformDetails", in.os.platformDetails,
		"UsageOperation", in.os.usageOperation,
		"UsageOperationUpdateTime", launch,
		"PrivateDnsNameOptions", obj(
			"HostnameType", "ip-name",
			"EnableResourceNameDnsARecord", false,
			"EnableResourceNameDnsAAAARecord", false,
		),
		"MaintenanceOptions", obj("AutoRecovery", "default"),
	)
}

// The moment the demo evidence was gathered; SSM dates are relative to it.
var (
	observed      = time.Date(2024, 3, 18, 9, 12, 0, 0, time.UTC)
	inventoryTime = time.Date(2024, 3, 18, 6, 0, 14, 0, time.UTC)
	associationAt = time.Date(2024, 3, 18, 6, 0, 12, 207000000, time.UTC)
	commandAt     = time.Date(2024, 3, 18, 9, 20, 4, 0, time.UTC)
	// connectionLostAt is the minute of the last ping of an instance SSM
	// has lost (the demo's NAT gateway was deleted at 08:41:05).
	connectionLostAt = time.Date(2024, 3, 18, 8, 44, 0, 0, time.UTC)
)

func renderSSM(r *region, f files) {
	dir := r.name + "/ssm/"
	infos := list{}
	for _, in := range r.instances {
		if in.ssm == ssmAbsent {
			continue
		}
		ping := observed.Add(time.Duration(r.e.num(r.name+"/ping/"+in.name, 50_000_000)) * time.Microsecond)
		ping = ping.Truncate(time.Millisecond)
		if in.ssm == ssmConnectionLost {
			ping = connectionLostAt.Add(time.Duration(r.e.num(r.name+"/ping/"+in.name, 60_000)) * time.Millisecond)
		}
		status := "Online"
		if in.ssm == ssmConnectionLost {
			status = "ConnectionLost"
		}
		infos = append(infos, obj(
			"InstanceId", in.id,
			"PingStatus", status,
			"LastPingDateTime", isoTime(ping),
			"AgentVersion", in.os.agentVersion,
			"IsLatestVersion", false,
			"PlatformType", in.os.ssmType,
			"PlatformName", in.os.ssmName,
			"PlatformVersion", in.os.ssmVersion,
			"ResourceType", "EC2Instance",
			"IPAddress", in.ip,
			"ComputerName", in.computerName,
			"AssociationStatus", "Success",
			"LastAssociationExecutionDate", isoTime(associationAt),
			"LastSuccessfulAssociationExecutionDate", isoTime(associationAt),
			"AssociationOverview", obj(
				"DetailedStatus", "Success",
				"InstanceAssociationStatusAggregatedCount", obj("Success", 1),
			),
			"SourceId", in.id,
			"SourceType", "AWS::EC2::Instance",
		))
		if in.inventory {
			capture := inventoryTime
			f.put(dir+"list-inventory-entries/"+in.id+"/AWS_Application.json", obj(
				"TypeName", "AWS:Application",
				"InstanceId", in.id,
				"SchemaVersion", "1.1",
				"CaptureTime", zTime(capture),
				"Entries", inventoryEntries(in),
			))
		}
		if in.uname != "" || in.unameTimeout {
			f.put(dir+"get-command-invocation/"+in.id+".json", commandInvocation(r, in))
		}
	}
	for _, n := range r.onPrem {
		infos = append(infos, obj(
			"InstanceId", n.id,
			"PingStatus", "Online",
			"LastPingDateTime", isoTime(observed.Add(31*time.Second+412*time.Millisecond)),
			"AgentVersion", n.os.agentVersion,
			"IsLatestVersion", false,
			"PlatformType", n.os.ssmType,
			"PlatformName", n.os.ssmName,
			"PlatformVersion", n.os.ssmVersion,
			"ActivationId", n.activationID,
			"IamRole", "SSMServiceRole",
			"RegistrationDate", n.registered,
			"ResourceType", "ManagedInstance",
			"Name", n.name,
			"IPAddress", n.ip,
			"ComputerName", n.computerName,
			"AssociationStatus", "Success",
			"LastAssociationExecutionDate", isoTime(associationAt),
			"LastSuccessfulAssociationExecutionDate", isoTime(associationAt),
			"AssociationOverview", obj(
				"DetailedStatus", "Success",
				"InstanceAssociationStatusAggregatedCount", obj("Success", 1),
			),
			"SourceId", n.id,
			"SourceType", "AWS::SSM::ManagedInstance",
		))
	}
	f.put(dir+"describe-instance-information.json", obj("InstanceInformationList", infos))

	setting := obj(
		"SettingId", "/ssm/managed-instance/default-ec2-instance-management-role",
		"SettingValue", "$None",
		"LastModifiedDate", "2022-11-28T00:00:00+00:00",
		"LastModifiedUser", "System",
		"ARN", "arn:aws:ssm:"+r.name+":"+r.e.accountID+":servicesetting/ssm/managed-instance/default-ec2-instance-management-role",
		"Status", "Default",
	)
	if r.dhmcRole != "" {
		setting = obj(
			"SettingId", "/ssm/managed-instance/default-ec2-instance-management-role",
			"SettingValue", r.dhmcRole,
			"LastModifiedDate", r.dhmcDate,
			"LastModifiedUser", r.dhmcUser,
			"ARN", "arn:aws:ssm:"+r.name+":"+r.e.accountID+":servicesetting/ssm/managed-instance/default-ec2-instance-management-role",
			"Status", "Customized",
		)
	}
	f.put(dir+"get-service-setting/default-ec2-instance-management-role.json", obj("ServiceSetting", setting))
}

func commandInvocation(r *region, in *instance) object {
	start := commandAt.Add(time.Duration(r.e.num(r.name+"/cmd/"+in.name, 4000)) * time.Millisecond)
	if in.unameTimeout {
		return obj(
			"CommandId", r.commandID,
			"InstanceId", in.id,
			"Comment", "pdr-audit: uname -r",
			"DocumentName", "AWS-RunShellScript",
			"DocumentVersion", "$DEFAULT",
			"PluginName", "aws:runShellScript",
			"ResponseCode", -1,
			"ExecutionStartDateTime", "",
			"ExecutionElapsedTime", "",
			"ExecutionEndDateTime", "",
			"Status", "TimedOut",
			"StatusDetails", "DeliveryTimedOut",
			"StandardOutputContent", "",
			"StandardOutputUrl", "",
			"StandardErrorContent", "",
			"StandardErrorUrl", "",
			"CloudWatchOutputConfig", obj("CloudWatchLogGroupName", "", "CloudWatchOutputEnabled", false),
		)
	}
	elapsed := 30 + r.e.num(r.name+"/elapsed/"+in.name, 40)
	end := start.Add(time.Duration(elapsed) * time.Millisecond)
	return obj(
		"CommandId", r.commandID,
		"InstanceId", in.id,
		"Comment", "pdr-audit: uname -r",
		"DocumentName", "AWS-RunShellScript",
		"DocumentVersion", "$DEFAULT",
		"PluginName", "aws:runShellScript",
		"ResponseCode", 0,
		"ExecutionStartDateTime", msZTime(start),
		"ExecutionElapsedTime", fmt.Sprintf("PT0.%03dS", elapsed),
		"ExecutionEndDateTime", msZTime(end),
		"Status", "Success",
		"StatusDetails", "Success",
		"StandardOutputContent", in.uname+"\n",
		"StandardOutputUrl", "",
		"StandardErrorContent", "",
		"StandardErrorUrl", "",
		"CloudWatchOutputConfig", obj("CloudWatchLogGroupName", "", "CloudWatchOutputEnabled", false),
	)
}

// splitRPMKernel splits "4.14.47-56.37.amzn1.x86_64" into version, release
// and architecture, the three inventory members a kernel RPM carries.
func splitRPMKernel(k string) (version, release, arch string) {
	dash := strings.Index(k, "-")
	dot := strings.LastIndex(k, ".")
	return k[:dash], k[dash+1 : dot], k[dot+1:]
}

// debUpload returns the package version of a Debian kernel image, e.g.
// "4.4.0-1061-aws" → "4.4.0-1061.70".
func debUpload(k string) string {
	parts := strings.SplitN(k, "-", 3)
	abi, _ := strconv.Atoi(parts[1])
	return parts[0] + "-" + parts[1] + "." + strconv.Itoa(abi%97+43)
}

func inventoryEntries(in *instance) list {
	installed := zTime(in.launch.Add(-30 * 24 * time.Hour).Truncate(time.Hour).Add(41*time.Minute + 7*time.Second))
	o := in.os
	switch o.pkgFormat {
	case "rpm":
		arch := "x86_64"
		if o.arch == "arm64" {
			arch = "aarch64"
		}
		rpm := func(appType, name, version, release, publisher, summary, url, arch string) object {
			return obj(
				"ApplicationType", appType,
				"Architecture", arch,
				"InstalledTime", installed,
				"Name", name,
				"PackageId", name+"-"+version+"-"+release+".src.rpm",
				"Publisher", publisher,
				"Release", release,
				"Summary", summary,
				"URL", url,
				"Version", version,
			)
		}
		l := list{
			rpm("admin", "amazon-ssm-agent", o.agentVersion, "1", "Amazon.com", "Manage EC2 Instances using Systems Manager", "http://docs.aws.amazon.com/ssm/latest/APIReference/Welcome.html", arch),
			rpm("System Environment/Shells", "bash", "4.2.46", bashRelease(o), o.rpmPublisher, "The GNU Bourne Again shell (bash)", "http://www.gnu.org/software/bash", arch),
		}
		for _, k := range in.kernels {
			v, rel, a := splitRPMKernel(k)
			l = append(l, rpm("System Environment/Kernel", "kernel", v, rel, o.rpmPublisher, "The Linux kernel", "http://www.kernel.org/", a))
		}
		if len(in.kernels) > 0 {
			v, rel, a := splitRPMKernel(in.kernels[len(in.kernels)-1])
			if strings.HasPrefix(o.distTag, "el") {
				l = append(l, rpm("Development/System", "kernel-headers", v, rel, o.rpmPublisher, "Header files for the Linux kernel for use by glibc", "http://www.kernel.org/", a))
			}
			l = append(l, rpm("Development/System", "kernel-tools", v, rel, o.rpmPublisher, "Assortment of tools for the Linux kernel", "http://www.kernel.org/", a))
		}
		return l
	case "deb":
		deb := func(section, name, version, publisher, summary string) object {
			return obj(
				"ApplicationType", section,
				"Architecture", "amd64",
				"Name", name,
				"PackageId", name+"_"+version+"_amd64.deb",
				"Publisher", publisher,
				"Summary", summary,
				"Version", version,
			)
		}
		bashVersion, sshVersion := "4.3-14ubuntu1.2", "1:7.2p2-4ubuntu2.8"
		if o.ssmVersion == "14.04" {
			bashVersion, sshVersion = "4.3-7ubuntu1.7", "1:6.6p1-2ubuntu2.10"
		}
		l := list{
			deb("shells", "bash", bashVersion, "Ubuntu Developers <ubuntu-devel-discuss@lists.ubuntu.com>", "GNU Bourne Again SHell"),
		}
		for _, k := range in.kernels {
			l = append(l,
				deb("kernel", "linux-headers-"+k, debUpload(k), "Ubuntu Kernel Team <kernel-team@lists.ubuntu.com>", "Linux kernel headers for version "+strings.SplitN(k, "-", 2)[0]+" on 64 bit x86 SMP"),
				deb("kernel", "linux-image-"+k, debUpload(k), "Ubuntu Kernel Team <kernel-team@lists.ubuntu.com>", "Linux kernel image for version "+strings.SplitN(k, "-", 2)[0]+" on 64 bit x86 SMP"),
			)
		}
		l = append(l, deb("net", "openssh-server", sshVersion, "Ubuntu Developers <ubuntu-devel-discuss@lists.ubuntu.com>", "secure shell (SSH) server, for secure access from remote machines"))
		return l
	case "win":
		day := zTime(in.launch.Truncate(24 * time.Hour))
		return list{
			obj("Architecture", "x86_64", "InstalledTime", day, "Name", "Amazon SSM Agent", "PackageId", "{"+strings.ToUpper(in.r.e.uuid("msi/ssm/"+in.os.key))+"}", "Publisher", "Amazon Web Services", "Version", o.agentVersion),
			obj("Architecture", "x86_64", "InstalledTime", day, "Name", "AWS PV Drivers", "PackageId", "{"+strings.ToUpper(in.r.e.uuid("msi/pv/"+in.os.key))+"}", "Publisher", "Amazon Web Services", "Version", "8.4.3"),
		}
	}
	return list{}
}

func bashRelease(o *osSpec) string {
	switch o.distTag {
	case "amzn1":
		return "34.43.amzn1"
	case "amzn2":
		return "35.amzn2"
	case "el6", "el6.centos":
		return "2.el6"
	default:
		return "30.el7"
	}
}

// paths returns the file paths in lexical order.
func (f files) paths() []string {
	ps := make([]string, 0, len(f))
	for p := range f {
		ps = append(ps, p)
	}
	slices.Sort(ps)
	return ps
}
