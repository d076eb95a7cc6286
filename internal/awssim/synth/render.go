package synth

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Generate writes the estate o describes into dir, which must not exist
// or be empty, and returns what it holds. The output depends only on o
// (and the catalog's content): the same options give the same bytes.
func Generate(dir string, o Options) (*Summary, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	if o.Catalog == nil {
		o.Catalog = BuiltinCatalog()
	}
	if len(o.Catalog.Platforms) == 0 {
		return nil, fmt.Errorf("%w: the kernel catalog has no platform", ErrOptions)
	}
	if err := emptyDir(dir); err != nil {
		return nil, err
	}
	// The estate is written into a temporary directory beside dir and
	// renamed into place whole: a failed run leaves nothing half-written.
	final := filepath.Clean(dir)
	tmp, err := os.MkdirTemp(filepath.Dir(final), ".pdr-audit-estate-*")
	if err != nil {
		return nil, fmt.Errorf("create estate directory: %w", err)
	}
	sum, err := writeEstate(tmp, o)
	if err == nil {
		if err = os.Remove(final); err == nil {
			err = os.Rename(tmp, final)
		}
	}
	if err != nil {
		_ = os.RemoveAll(tmp)
		return nil, err
	}
	return sum, nil
}

func writeEstate(dir string, o Options) (*Summary, error) {
	w := &writer{sum: &Summary{Catalog: o.Catalog.Source}}
	accts := buildAccounts(&o)
	org := o.Accounts > 1
	orgID := "o-" + newRNG(o.Seed, "organization").lowerAlnum(10)
	if org {
		if err := w.listAccounts(filepath.Join(dir, "organizations", "list-accounts.json"), accts, orgID); err != nil {
			return nil, err
		}
	}
	for ai, a := range accts {
		root := dir
		if org {
			root = filepath.Join(dir, "accounts", a.id)
		}
		if err := w.account(root, a, org); err != nil {
			return nil, err
		}
		for ri := range o.Regions {
			r, err := buildRegion(&o, a, ai, ri)
			if err != nil {
				return nil, err
			}
			if err := w.region(filepath.Join(root, r.name), r); err != nil {
				return nil, err
			}
		}
		if err := w.iam(root, a); err != nil {
			return nil, err
		}
	}
	w.sum.Accounts = len(accts)
	if err := w.readme(dir, o); err != nil {
		return nil, err
	}
	return w.sum, nil
}

// emptyDir creates dir, or checks that it is empty.
func emptyDir(dir string) error {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return fmt.Errorf("create estate directory: %w", err)
		}
		return nil
	case err != nil:
		return fmt.Errorf("estate directory: %w", err)
	case len(entries) > 0:
		return fmt.Errorf("estate directory %s is not empty", dir)
	}
	return nil
}

// writer writes files and counts them.
type writer struct{ sum *Summary }

func (w *writer) file(name string, body func(j *jsonWriter)) error {
	w.sum.Files++
	return writeJSONFile(name, body)
}

// isoTime formats t as the AWS CLI prints timestamp members.
func isoTime(t time.Time) string {
	t = t.UTC()
	if t.Nanosecond() == 0 {
		return t.Format("2006-01-02T15:04:05+00:00")
	}
	return t.Format("2006-01-02T15:04:05.000000+00:00")
}

// zTime formats t the way SSM prints its string-typed dates.
func zTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

func (w *writer) listAccounts(name string, accts []*account, orgID string) error {
	mgmt := accts[0].id
	return w.file(name, func(j *jsonWriter) {
		j.beginObject()
		j.key("Accounts")
		j.beginArray()
		for _, a := range accts {
			j.beginObject()
			j.kstr("Id", a.id)
			j.kstr("Arn", "arn:aws:organizations::"+mgmt+":account/"+orgID+"/"+a.id)
			j.kstr("Email", a.email)
			j.kstr("Name", a.name)
			j.kstr("Status", "ACTIVE")
			method := "CREATED"
			if a.management {
				method = "INVITED"
			}
			j.kstr("JoinedMethod", method)
			j.kstr("JoinedTimestamp", isoTime(a.joined))
			j.endObject()
		}
		j.endArray()
		j.endObject()
	})
}

func (w *writer) account(root string, a *account, org bool) error {
	g := newRNG(0, "caller/"+a.id)
	userID := "AIDA" + g.upper(17)
	arn := "arn:aws:iam::" + a.id + ":user/pdr-audit"
	if org && !a.management {
		userID = "AROA" + g.upper(17) + ":pdr-audit"
		arn = "arn:aws:sts::" + a.id + ":assumed-role/OrganizationAccountAccessRole/pdr-audit"
	}
	return w.file(filepath.Join(root, "account.json"), func(j *jsonWriter) {
		j.beginObject()
		j.kstr("UserId", userID)
		j.kstr("Account", a.id)
		j.kstr("Arn", arn)
		j.endObject()
	})
}

func (w *writer) iam(root string, a *account) error {
	created := isoTime(epoch.AddDate(-2, 0, 0))
	roles := []role{}
	for _, p := range a.profiles {
		roles = append(roles, p.role)
		err := w.file(filepath.Join(root, "iam", "get-instance-profile", p.name+".json"), func(j *jsonWriter) {
			j.beginObject()
			j.key("InstanceProfile")
			j.beginObject()
			j.kstr("Path", "/")
			j.kstr("InstanceProfileName", p.name)
			j.kstr("InstanceProfileId", p.id)
			j.kstr("Arn", p.arn)
			j.kstr("CreateDate", created)
			j.key("Roles")
			j.beginArray()
			j.beginObject()
			j.kstr("Path", "/")
			j.kstr("RoleName", p.role.name)
			j.kstr("RoleId", p.role.id)
			j.kstr("Arn", p.role.arn)
			j.kstr("CreateDate", created)
			j.key("AssumeRolePolicyDocument")
			j.beginObject()
			j.kstr("Version", "2012-10-17")
			j.key("Statement")
			j.beginArray()
			j.beginObject()
			j.kstr("Effect", "Allow")
			j.key("Principal")
			j.beginObject()
			j.kstr("Service", "ec2.amazonaws.com")
			j.endObject()
			j.kstr("Action", "sts:AssumeRole")
			j.endObject()
			j.endArray()
			j.endObject()
			j.endObject()
			j.endArray()
			j.kempty("Tags")
			j.endObject()
			j.endObject()
		})
		if err != nil {
			return err
		}
	}
	if a.dhmcRole {
		roles = append(roles, role{name: dhmcRoleName, policies: [][2]string{policyDHMC}})
	}
	for _, rl := range roles {
		err := w.file(filepath.Join(root, "iam", "list-attached-role-policies", rl.name+".json"), func(j *jsonWriter) {
			j.beginObject()
			j.key("AttachedPolicies")
			j.beginArray()
			for _, p := range rl.policies {
				j.beginObject()
				j.kstr("PolicyName", p[0])
				j.kstr("PolicyArn", p[1])
				j.endObject()
			}
			j.endArray()
			j.endObject()
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// region writes one region directory.
func (w *writer) region(dir string, r *region) error {
	w.sum.AccountRegions++
	w.sum.VPCs += len(r.vpcs)
	steps := []struct {
		file string
		body func(j *jsonWriter)
	}{
		{"ec2/describe-vpcs.json", r.vpcsDoc},
		{"ec2/describe-subnets.json", r.subnetsDoc},
		{"ec2/describe-security-groups.json", r.groupsDoc},
		{"ec2/describe-network-acls.json", r.aclsDoc},
		{"ec2/describe-route-tables.json", r.routeTablesDoc},
		{"ec2/describe-internet-gateways.json", r.igwsDoc},
		{"ec2/describe-nat-gateways.json", r.natsDoc},
		{"ec2/describe-vpc-endpoints.json", r.endpointsDoc},
		{"ec2/describe-managed-prefix-lists.json", r.prefixListsDoc},
		{"ec2/get-managed-prefix-list-entries/" + r.s3PL + ".json", r.prefixListEntriesDoc},
		{"ec2/describe-instances.json", r.instancesDoc},
		{"ssm/describe-instance-information.json", r.instanceInfoDoc},
		{"ssm/get-service-setting/default-ec2-instance-management-role.json", r.serviceSettingDoc},
	}
	for _, s := range steps {
		if err := w.file(filepath.Join(dir, filepath.FromSlash(s.file)), s.body); err != nil {
			return err
		}
	}
	for _, v := range r.vpcs {
		w.sum.Subnets += 3 * numTiers
		w.sum.SecurityGroups += len(v.sgs)
	}
	for _, in := range r.insts {
		w.sum.Instances++
		if in.appliance {
			w.sum.Appliances++
		}
		if in.ssm != ssmNone {
			w.sum.SSMNodes++
		}
		if in.platform != nil {
			if in.listed {
				w.sum.ListedKernels++
			} else {
				w.sum.OtherKernels++
			}
		}
		if !in.inventory {
			continue
		}
		w.sum.Inventories++
		name := filepath.Join(dir, "ssm", "list-inventory-entries", in.id, "AWS_Application.json")
		if err := w.file(name, func(j *jsonWriter) { r.inventoryDoc(j, in) }); err != nil {
			return err
		}
	}
	return nil
}

func tags(j *jsonWriter, kv ...string) {
	j.key("Tags")
	j.beginArray()
	for i := 0; i+1 < len(kv); i += 2 {
		j.beginObject()
		j.kstr("Key", kv[i])
		j.kstr("Value", kv[i+1])
		j.endObject()
	}
	j.endArray()
}

func (r *region) vpcsDoc(j *jsonWriter) {
	j.beginObject()
	j.key("Vpcs")
	j.beginArray()
	for _, v := range r.vpcs {
		j.beginObject()
		j.kstr("CidrBlock", v.cidr.String())
		j.kstr("DhcpOptionsId", v.dhcp)
		j.kstr("State", "available")
		j.kstr("VpcId", v.id)
		j.kstr("OwnerId", r.acct.id)
		j.kstr("InstanceTenancy", "default")
		j.key("CidrBlockAssociationSet")
		j.beginArray()
		j.beginObject()
		j.kstr("AssociationId", v.assoc)
		j.kstr("CidrBlock", v.cidr.String())
		j.key("CidrBlockState")
		j.beginObject()
		j.kstr("State", "associated")
		j.endObject()
		j.endObject()
		j.endArray()
		j.kbool("IsDefault", false)
		tags(j, "Name", v.name, "Environment", "production")
		j.endObject()
	}
	j.endArray()
	j.endObject()
}

func (r *region) subnetsDoc(j *jsonWriter) {
	j.beginObject()
	j.key("Subnets")
	j.beginArray()
	for _, v := range r.vpcs {
		for t := range numTiers {
			for az := range 3 {
				s := v.subnets[t][az]
				j.beginObject()
				j.kstr("AvailabilityZone", r.azs[az])
				j.kstr("AvailabilityZoneId", r.azIDs[az])
				j.knum("AvailableIpAddressCount", s.size()-5-s.used)
				j.kstr("CidrBlock", s.prefix.String())
				j.kbool("DefaultForAz", false)
				j.kbool("MapPublicIpOnLaunch", t == tierWeb)
				j.kbool("MapCustomerOwnedIpOnLaunch", false)
				j.kstr("State", "available")
				j.kstr("SubnetId", s.id)
				j.kstr("VpcId", v.id)
				j.kstr("OwnerId", r.acct.id)
				j.kbool("AssignIpv6AddressOnCreation", false)
				j.kempty("Ipv6CidrBlockAssociationSet")
				tags(j, "Name", fmt.Sprintf("%s-%s-%s", v.name, tierNames[t], r.azs[az]), "Tier", tierNames[t])
				j.kstr("SubnetArn", "arn:aws:ec2:"+r.name+":"+r.acct.id+":subnet/"+s.id)
				j.kbool("EnableDns64", false)
				j.kbool("Ipv6Native", false)
				j.key("PrivateDnsNameOptionsOnLaunch")
				j.beginObject()
				j.kstr("HostnameType", "ip-name")
				j.kbool("EnableResourceNameDnsARecord", false)
				j.kbool("EnableResourceNameDnsAAAARecord", false)
				j.endObject()
				j.endObject()
			}
		}
	}
	j.endArray()
	j.endObject()
}

func (r *region) perms(j *jsonWriter, key string, ps []perm) {
	j.key(key)
	j.beginArray()
	for _, p := range ps {
		j.beginObject()
		if p.proto != "-1" {
			j.knum("FromPort", p.from)
		}
		j.kstr("IpProtocol", p.proto)
		j.key("IpRanges")
		j.beginArray()
		for _, c := range p.cidrs {
			j.beginObject()
			j.kstr("CidrIp", c.block)
			j.koptstr("Description", c.desc)
			j.endObject()
		}
		j.endArray()
		j.kempty("Ipv6Ranges")
		j.key("PrefixListIds")
		j.beginArray()
		for _, pl := range p.pls {
			j.beginObject()
			j.kstr("PrefixListId", pl)
			j.endObject()
		}
		j.endArray()
		if p.proto != "-1" {
			j.knum("ToPort", p.to)
		}
		j.key("UserIdGroupPairs")
		j.beginArray()
		for _, gr := range p.groups {
			j.beginObject()
			j.kstr("GroupId", gr.id)
			j.kstr("UserId", r.acct.id)
			j.endObject()
		}
		j.endArray()
		j.endObject()
	}
	j.endArray()
}

func (r *region) groupsDoc(j *jsonWriter) {
	j.beginObject()
	j.key("SecurityGroups")
	j.beginArray()
	for _, v := range r.vpcs {
		for _, gr := range v.sgs {
			j.beginObject()
			j.kstr("Description", gr.desc)
			j.kstr("GroupName", gr.name)
			r.perms(j, "IpPermissions", gr.ingress)
			j.kstr("OwnerId", r.acct.id)
			j.kstr("GroupId", gr.id)
			r.perms(j, "IpPermissionsEgress", gr.egress)
			if gr.name != "default" {
				tags(j, "Name", v.name+"-"+gr.name)
			}
			j.kstr("VpcId", v.id)
			j.endObject()
		}
	}
	j.endArray()
	j.endObject()
}

// aclEntry is one network ACL entry.
type aclEntry struct {
	cidr     string
	egress   bool
	from, to int // a port range for tcp
	proto    string
	action   string
	num      int
}

func (r *region) aclsDoc(j *jsonWriter) {
	defaults := []aclEntry{
		{"0.0.0.0/0", true, 0, 0, "-1", "allow", 100},
		{"0.0.0.0/0", true, 0, 0, "-1", "deny", 32767},
		{"0.0.0.0/0", false, 0, 0, "-1", "allow", 100},
		{"0.0.0.0/0", false, 0, 0, "-1", "deny", 32767},
	}
	acl := func(id string, isDefault bool, name, vpcID string, subnets []*subnet, entries []aclEntry) {
		j.beginObject()
		j.key("Associations")
		j.beginArray()
		for _, s := range subnets {
			j.beginObject()
			j.kstr("NetworkAclAssociationId", "aclassoc-"+s.id[len("subnet-"):])
			j.kstr("NetworkAclId", id)
			j.kstr("SubnetId", s.id)
			j.endObject()
		}
		j.endArray()
		j.key("Entries")
		j.beginArray()
		for _, e := range entries {
			j.beginObject()
			j.kstr("CidrBlock", e.cidr)
			j.kbool("Egress", e.egress)
			if e.proto == "6" {
				j.key("PortRange")
				j.beginObject()
				j.knum("From", e.from)
				j.knum("To", e.to)
				j.endObject()
			}
			j.kstr("Protocol", e.proto)
			j.kstr("RuleAction", e.action)
			j.knum("RuleNumber", e.num)
			j.endObject()
		}
		j.endArray()
		j.kbool("IsDefault", isDefault)
		j.kstr("NetworkAclId", id)
		if name == "" {
			j.kempty("Tags")
		} else {
			tags(j, "Name", name)
		}
		j.kstr("VpcId", vpcID)
		j.kstr("OwnerId", r.acct.id)
		j.endObject()
	}
	j.beginObject()
	j.key("NetworkAcls")
	j.beginArray()
	for _, v := range r.vpcs {
		var byDefault, byData []*subnet
		for t := range numTiers {
			for az := range 3 {
				s := v.subnets[t][az]
				if t == tierData && v.aclData != "" {
					byData = append(byData, s)
				} else {
					byDefault = append(byDefault, s)
				}
			}
		}
		acl(v.aclDefault, true, "", v.id, byDefault, defaults)
		if v.aclData != "" {
			vc := v.cidr.String()
			acl(v.aclData, false, v.name+"-data", v.id, byData, []aclEntry{
				{"0.0.0.0/0", true, 0, 0, "-1", "allow", 100},
				{"0.0.0.0/0", true, 0, 0, "-1", "deny", 32767},
				{vc, false, 5432, 5432, "6", "allow", 100},
				{vc, false, 6379, 6379, "6", "allow", 110},
				{corporate, false, 22, 22, "6", "allow", 120},
				{"0.0.0.0/0", false, 1024, 65535, "6", "allow", 130},
				{"0.0.0.0/0", false, 0, 0, "-1", "deny", 32767},
			})
		}
	}
	j.endArray()
	j.endObject()
}

func (r *region) routeTablesDoc(j *jsonWriter) {
	type route struct{ dest, destPL, gateway, nat, origin string }
	rt := func(id, name, vpcID string, main bool, mainAssoc string, subnets []*subnet, routes []route) {
		j.beginObject()
		j.key("Associations")
		j.beginArray()
		if main {
			j.beginObject()
			j.kbool("Main", true)
			j.kstr("RouteTableAssociationId", mainAssoc)
			j.kstr("RouteTableId", id)
			j.key("AssociationState")
			j.beginObject()
			j.kstr("State", "associated")
			j.endObject()
			j.endObject()
		}
		for _, s := range subnets {
			j.beginObject()
			j.kbool("Main", false)
			j.kstr("RouteTableAssociationId", "rtbassoc-"+s.id[len("subnet-"):])
			j.kstr("RouteTableId", id)
			j.kstr("SubnetId", s.id)
			j.key("AssociationState")
			j.beginObject()
			j.kstr("State", "associated")
			j.endObject()
			j.endObject()
		}
		j.endArray()
		j.kempty("PropagatingVgws")
		j.kstr("RouteTableId", id)
		j.key("Routes")
		j.beginArray()
		for _, ro := range routes {
			j.beginObject()
			j.koptstr("DestinationCidrBlock", ro.dest)
			j.koptstr("DestinationPrefixListId", ro.destPL)
			j.koptstr("GatewayId", ro.gateway)
			j.koptstr("NatGatewayId", ro.nat)
			j.kstr("Origin", ro.origin)
			j.kstr("State", "active")
			j.endObject()
		}
		j.endArray()
		if name == "" {
			j.kempty("Tags")
		} else {
			tags(j, "Name", name)
		}
		j.kstr("VpcId", vpcID)
		j.kstr("OwnerId", r.acct.id)
		j.endObject()
	}
	j.beginObject()
	j.key("RouteTables")
	j.beginArray()
	for _, v := range r.vpcs {
		local := route{dest: v.cidr.String(), gateway: "local", origin: "CreateRouteTable"}
		s3 := route{destPL: r.s3PL, gateway: v.endpoint, origin: "CreateRoute"}
		rt(v.rtbMain, "", v.id, true, v.rtbMainAsc, nil, []route{local})
		rt(v.rtbPublic, v.name+"-public", v.id, false, "", v.subnets[tierWeb][:], []route{
			local, {dest: "0.0.0.0/0", gateway: v.igw, origin: "CreateRoute"}, s3,
		})
		for az := range 3 {
			rt(v.rtbPrivate[az], v.name+"-private-"+r.azs[az], v.id, false, "",
				[]*subnet{v.subnets[tierApp][az], v.subnets[tierData][az]},
				[]route{local, {dest: "0.0.0.0/0", nat: v.nats[az].id, origin: "CreateRoute"}, s3})
		}
	}
	j.endArray()
	j.endObject()
}

func (r *region) igwsDoc(j *jsonWriter) {
	j.beginObject()
	j.key("InternetGateways")
	j.beginArray()
	for _, v := range r.vpcs {
		j.beginObject()
		j.key("Attachments")
		j.beginArray()
		j.beginObject()
		j.kstr("State", "available")
		j.kstr("VpcId", v.id)
		j.endObject()
		j.endArray()
		j.kstr("InternetGatewayId", v.igw)
		j.kstr("OwnerId", r.acct.id)
		tags(j, "Name", v.name+"-igw")
		j.endObject()
	}
	j.endArray()
	j.endObject()
}

func (r *region) natsDoc(j *jsonWriter) {
	j.beginObject()
	j.key("NatGateways")
	j.beginArray()
	for _, v := range r.vpcs {
		for az, n := range v.nats {
			j.beginObject()
			j.kstr("CreateTime", isoTime(epoch.AddDate(-1, 0, -v.n)))
			j.key("NatGatewayAddresses")
			j.beginArray()
			j.beginObject()
			j.kstr("AllocationId", n.alloc)
			j.kstr("NetworkInterfaceId", n.eni)
			j.kstr("PrivateIp", n.privateIP)
			j.kstr("PublicIp", n.publicIP)
			j.endObject()
			j.endArray()
			j.kstr("NatGatewayId", n.id)
			j.kstr("State", "available")
			j.kstr("SubnetId", n.s.id)
			j.kstr("VpcId", v.id)
			tags(j, "Name", v.name+"-nat-"+r.azs[az])
			j.kstr("ConnectivityType", "public")
			j.endObject()
		}
	}
	j.endArray()
	j.endObject()
}

func (r *region) endpointsDoc(j *jsonWriter) {
	j.beginObject()
	j.key("VpcEndpoints")
	j.beginArray()
	for _, v := range r.vpcs {
		j.beginObject()
		j.kstr("VpcEndpointId", v.endpoint)
		j.kstr("VpcEndpointType", "Gateway")
		j.kstr("VpcId", v.id)
		j.kstr("ServiceName", "com.amazonaws."+r.name+".s3")
		j.kstr("State", "available")
		j.kstr("PolicyDocument", `{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}`)
		j.kstrs("RouteTableIds", append([]string{v.rtbPublic}, v.rtbPrivate[:]...))
		j.kempty("SubnetIds")
		j.kempty("Groups")
		j.kbool("PrivateDnsEnabled", false)
		j.kbool("RequesterManaged", false)
		j.kempty("NetworkInterfaceIds")
		j.kempty("DnsEntries")
		j.kstr("CreationTimestamp", isoTime(epoch.AddDate(-1, 0, -v.n)))
		tags(j, "Name", v.name+"-s3")
		j.kstr("OwnerId", r.acct.id)
		j.endObject()
	}
	j.endArray()
	j.endObject()
}

func (r *region) prefixListsDoc(j *jsonWriter) {
	j.beginObject()
	j.key("PrefixLists")
	j.beginArray()
	j.beginObject()
	j.kstr("PrefixListId", r.s3PL)
	j.kstr("AddressFamily", "IPv4")
	j.kstr("State", "create-complete")
	j.kstr("PrefixListArn", "arn:aws:ec2:"+r.name+":aws:prefix-list/"+r.s3PL)
	j.kstr("PrefixListName", "com.amazonaws."+r.name+".s3")
	j.kempty("Tags")
	j.kstr("OwnerId", "AWS")
	j.endObject()
	j.endArray()
	j.endObject()
}

func (r *region) prefixListEntriesDoc(j *jsonWriter) {
	j.beginObject()
	j.key("Entries")
	j.beginArray()
	for _, c := range r.s3CIDRs {
		j.beginObject()
		j.kstr("Cidr", c)
		j.endObject()
	}
	j.endArray()
	j.endObject()
}

// cpu returns the CpuOptions EC2 reports for an instance type.
func cpu(itype string) (cores, threads int) {
	switch itype {
	case "c5.xlarge", "m5.xlarge":
		return 2, 2
	default:
		return 1, 2
	}
}

func (r *region) privateDNS(ip string) string {
	host := "ip-" + strings.ReplaceAll(ip, ".", "-")
	if r.name == "us-east-1" {
		return host + ".ec2.internal"
	}
	return host + "." + r.name + ".compute.internal"
}

func (r *region) publicDNS(ip string) string {
	host := "ec2-" + strings.ReplaceAll(ip, ".", "-")
	if r.name == "us-east-1" {
		return host + ".compute-1.amazonaws.com"
	}
	return host + "." + r.name + ".compute.amazonaws.com"
}

// image is the AMI id of an instance's platform, stable per region.
func (r *region) image(in *instance) string {
	key := "appliance"
	switch {
	case in.windows:
		key = in.winName
	case in.platform != nil:
		key = in.platform.Name + " " + in.platform.Version
	}
	g := newRNG(r.o.Seed, "ami/"+r.name+"/"+key)
	return "ami-" + g.hex17()
}

func (r *region) instancesDoc(j *jsonWriter) {
	j.beginObject()
	j.key("Reservations")
	j.beginArray()
	for i := 0; i < len(r.insts); {
		k := i + 1
		for k < len(r.insts) && r.insts[k].res == r.insts[i].res {
			k++
		}
		j.beginObject()
		j.kempty("Groups")
		j.key("Instances")
		j.beginArray()
		for idx, in := range r.insts[i:k] {
			r.instanceDoc(j, in, idx)
		}
		j.endArray()
		j.kstr("OwnerId", r.acct.id)
		j.kstr("ReservationId", r.insts[i].res)
		j.endObject()
		i = k
	}
	j.endArray()
	j.endObject()
}

func (r *region) instanceDoc(j *jsonWriter, in *instance, launchIndex int) {
	launch := isoTime(in.launch)
	dns := r.privateDNS(in.ip)
	publicDNS := ""
	public := in.publicIP != "" && !in.stopped
	if public {
		publicDNS = r.publicDNS(in.publicIP)
	}
	groupList := func() {
		j.key("Groups")
		j.beginArray()
		for _, gr := range in.groups {
			j.beginObject()
			j.kstr("GroupName", gr.name)
			j.kstr("GroupId", gr.id)
			j.endObject()
		}
		j.endArray()
	}
	association := func() {
		if public {
			j.key("Association")
			j.beginObject()
			j.kstr("IpOwnerId", "amazon")
			j.kstr("PublicDnsName", publicDNS)
			j.kstr("PublicIp", in.publicIP)
			j.endObject()
		}
	}
	platformDetails, usage, rootDevice, arch := "Linux/UNIX", "RunInstances", "/dev/xvda", "x86_64"
	switch {
	case in.windows:
		platformDetails, usage, rootDevice = "Windows", "RunInstances:0002", "/dev/sda1"
	case in.platform != nil && in.platform.Family == "rhel":
		platformDetails, usage, rootDevice = "Red Hat Enterprise Linux", "RunInstances:0010", "/dev/sda1"
	case in.platform != nil && in.platform.Family == "suse":
		platformDetails, usage, rootDevice = "SUSE Linux", "RunInstances:000g", "/dev/sda1"
	case in.platform != nil && in.platform.Family != "amazon":
		rootDevice = "/dev/sda1"
	}
	if in.platform != nil && strings.HasSuffix(in.kernels[0], ".aarch64") {
		arch = "arm64"
	}
	cores, threads := cpu(in.itype)

	j.beginObject()
	j.knum("AmiLaunchIndex", launchIndex)
	j.kstr("ImageId", r.image(in))
	j.kstr("InstanceId", in.id)
	j.kstr("InstanceType", in.itype)
	j.kstr("KeyName", "synth-"+tierNames[in.tier])
	j.kstr("LaunchTime", launch)
	j.key("Monitoring")
	j.beginObject()
	j.kstr("State", "disabled")
	j.endObject()
	j.key("Placement")
	j.beginObject()
	j.kstr("AvailabilityZone", r.azs[in.s.az])
	j.kstr("GroupName", "")
	j.kstr("Tenancy", "default")
	j.endObject()
	if in.windows {
		j.kstr("Platform", "windows")
	}
	j.kstr("PrivateDnsName", dns)
	j.kstr("PrivateIpAddress", in.ip)
	j.kempty("ProductCodes")
	j.kstr("PublicDnsName", publicDNS)
	if public {
		j.kstr("PublicIpAddress", in.publicIP)
	}
	j.key("State")
	j.beginObject()
	if in.stopped {
		j.knum("Code", 80)
		j.kstr("Name", "stopped")
	} else {
		j.knum("Code", 16)
		j.kstr("Name", "running")
	}
	j.endObject()
	if in.stopped {
		j.kstr("StateTransitionReason", "User initiated ("+in.launch.Add(90*24*time.Hour).UTC().Format("2006-01-02 15:04:05")+" GMT)")
	} else {
		j.kstr("StateTransitionReason", "")
	}
	j.kstr("SubnetId", in.s.id)
	j.kstr("VpcId", in.s.v.id)
	j.kstr("Architecture", arch)
	j.key("BlockDeviceMappings")
	j.beginArray()
	j.beginObject()
	j.kstr("DeviceName", rootDevice)
	j.key("Ebs")
	j.beginObject()
	j.kstr("AttachTime", isoTime(in.launch.Add(time.Second)))
	j.kbool("DeleteOnTermination", true)
	j.kstr("Status", "attached")
	j.kstr("VolumeId", in.vol)
	j.endObject()
	j.endObject()
	j.endArray()
	j.kstr("ClientToken", in.token)
	j.kbool("EbsOptimized", true)
	j.kbool("EnaSupport", true)
	j.kstr("Hypervisor", "xen")
	if in.profile != nil {
		j.key("IamInstanceProfile")
		j.beginObject()
		j.kstr("Arn", in.profile.arn)
		j.kstr("Id", in.profile.id)
		j.endObject()
	}
	j.key("NetworkInterfaces")
	j.beginArray()
	j.beginObject()
	association()
	j.key("Attachment")
	j.beginObject()
	j.kstr("AttachTime", launch)
	j.kstr("AttachmentId", in.eniAttach)
	j.kbool("DeleteOnTermination", true)
	j.knum("DeviceIndex", 0)
	j.kstr("Status", "attached")
	j.knum("NetworkCardIndex", 0)
	j.endObject()
	j.kstr("Description", "")
	groupList()
	j.kempty("Ipv6Addresses")
	j.kstr("MacAddress", in.mac)
	j.kstr("NetworkInterfaceId", in.eni)
	j.kstr("OwnerId", r.acct.id)
	j.kstr("PrivateDnsName", dns)
	j.kstr("PrivateIpAddress", in.ip)
	j.key("PrivateIpAddresses")
	j.beginArray()
	j.beginObject()
	association()
	j.kbool("Primary", true)
	j.kstr("PrivateDnsName", dns)
	j.kstr("PrivateIpAddress", in.ip)
	j.endObject()
	j.endArray()
	j.kbool("SourceDestCheck", !in.appliance)
	j.kstr("Status", "in-use")
	j.kstr("SubnetId", in.s.id)
	j.kstr("VpcId", in.s.v.id)
	j.kstr("InterfaceType", "interface")
	j.endObject()
	j.endArray()
	j.kstr("RootDeviceName", rootDevice)
	j.kstr("RootDeviceType", "ebs")
	j.key("SecurityGroups")
	j.beginArray()
	for _, gr := range in.groups {
		j.beginObject()
		j.kstr("GroupName", gr.name)
		j.kstr("GroupId", gr.id)
		j.endObject()
	}
	j.endArray()
	j.kbool("SourceDestCheck", !in.appliance)
	if in.stopped {
		j.key("StateReason")
		j.beginObject()
		j.kstr("Code", "Client.UserInitiatedShutdown")
		j.kstr("Message", "Client.UserInitiatedShutdown: User initiated shutdown")
		j.endObject()
	}
	if in.appliance {
		tags(j, "Name", in.name, "ProductVendor", "AlertLogic", "ProductName", "Threat Manager")
	} else {
		tags(j, "Name", in.name, "Tier", tierNames[in.tier], "Environment", "production")
	}
	j.kstr("VirtualizationType", "hvm")
	j.key("CpuOptions")
	j.beginObject()
	j.knum("CoreCount", cores)
	j.knum("ThreadsPerCore", threads)
	j.endObject()
	j.key("CapacityReservationSpecification")
	j.beginObject()
	j.kstr("CapacityReservationPreference", "open")
	j.endObject()
	j.key("HibernationOptions")
	j.beginObject()
	j.kbool("Configured", false)
	j.endObject()
	j.key("MetadataOptions")
	j.beginObject()
	j.kstr("State", "applied")
	j.kstr("HttpTokens", "optional")
	j.knum("HttpPutResponseHopLimit", 1)
	j.kstr("HttpEndpoint", "enabled")
	j.kstr("HttpProtocolIpv6", "disabled")
	j.kstr("InstanceMetadataTags", "disabled")
	j.endObject()
	j.key("EnclaveOptions")
	j.beginObject()
	j.kbool("Enabled", false)
	j.endObject()
	j.kstr("PlatformDetails", platformDetails)
	j.kstr("UsageOperation", usage)
	j.kstr("UsageOperationUpdateTime", launch)
	j.key("PrivateDnsNameOptions")
	j.beginObject()
	j.kstr("HostnameType", "ip-name")
	j.kbool("EnableResourceNameDnsARecord", false)
	j.kbool("EnableResourceNameDnsAAAARecord", false)
	j.endObject()
	j.key("MaintenanceOptions")
	j.beginObject()
	j.kstr("AutoRecovery", "default")
	j.endObject()
	j.endObject()
}

func (r *region) instanceInfoDoc(j *jsonWriter) {
	observed := epoch.Add(12 * time.Minute)
	j.beginObject()
	j.key("InstanceInformationList")
	j.beginArray()
	for i, in := range r.insts {
		if in.ssm == ssmNone {
			continue
		}
		ping, status := observed.Add(-time.Duration(i%50_000)*time.Millisecond), "Online"
		if in.ssm == ssmLost {
			ping, status = observed.Add(-time.Duration(30+i%600)*time.Hour), "ConnectionLost"
		}
		platformType, name, version := "Linux", "", ""
		if in.windows {
			platformType, name, version = "Windows", in.winName, in.winVersion
		} else {
			name, version = in.platform.Name, in.platform.Version
		}
		j.beginObject()
		j.kstr("InstanceId", in.id)
		j.kstr("PingStatus", status)
		j.kstr("LastPingDateTime", isoTime(ping.Truncate(time.Millisecond)))
		j.kstr("AgentVersion", in.agent)
		j.kbool("IsLatestVersion", false)
		j.kstr("PlatformType", platformType)
		j.kstr("PlatformName", name)
		j.kstr("PlatformVersion", version)
		j.kstr("ResourceType", "EC2Instance")
		if in.profile != nil {
			j.kstr("IamRole", in.profile.role.name)
		}
		j.kstr("IPAddress", in.ip)
		j.kstr("ComputerName", r.privateDNS(in.ip))
		j.kstr("AssociationStatus", "Success")
		j.kstr("LastAssociationExecutionDate", isoTime(epoch.Add(-3*time.Hour)))
		j.kstr("LastSuccessfulAssociationExecutionDate", isoTime(epoch.Add(-3*time.Hour)))
		j.key("AssociationOverview")
		j.beginObject()
		j.kstr("DetailedStatus", "Success")
		j.key("InstanceAssociationStatusAggregatedCount")
		j.beginObject()
		j.knum("Success", 1)
		j.endObject()
		j.endObject()
		j.kstr("SourceId", in.id)
		j.kstr("SourceType", "AWS::EC2::Instance")
		j.endObject()
	}
	j.endArray()
	j.endObject()
}

func (r *region) serviceSettingDoc(j *jsonWriter) {
	j.beginObject()
	j.key("ServiceSetting")
	j.beginObject()
	j.kstr("SettingId", "/ssm/managed-instance/default-ec2-instance-management-role")
	if r.dhmc {
		j.kstr("SettingValue", dhmcRoleName)
		j.kstr("LastModifiedDate", isoTime(epoch.AddDate(0, -2, 0)))
		j.kstr("LastModifiedUser", "arn:aws:sts::"+r.acct.id+":assumed-role/Admin/ops")
	} else {
		j.kstr("SettingValue", "$None")
		j.kstr("LastModifiedDate", "2022-11-28T00:00:00+00:00")
		j.kstr("LastModifiedUser", "System")
	}
	j.kstr("ARN", "arn:aws:ssm:"+r.name+":"+r.acct.id+":servicesetting/ssm/managed-instance/default-ec2-instance-management-role")
	if r.dhmc {
		j.kstr("Status", "Customized")
	} else {
		j.kstr("Status", "Default")
	}
	j.endObject()
	j.endObject()
}

// inventoryDoc is an instance's AWS:Application inventory: a few ordinary
// packages and its kernel packages.
func (r *region) inventoryDoc(j *jsonWriter, in *instance) {
	installed := zTime(in.launch.Add(-30 * 24 * time.Hour).Truncate(time.Hour))
	j.beginObject()
	j.kstr("TypeName", "AWS:Application")
	j.kstr("InstanceId", in.id)
	j.kstr("SchemaVersion", "1.1")
	j.kstr("CaptureTime", zTime(epoch.Add(-3*time.Hour)))
	j.key("Entries")
	j.beginArray()
	rpm := func(appType, name, version, release, arch, summary string) {
		j.beginObject()
		j.kstr("ApplicationType", appType)
		j.kstr("Architecture", arch)
		j.kstr("InstalledTime", installed)
		j.kstr("Name", name)
		j.kstr("PackageId", name+"-"+version+"-"+release+".src.rpm")
		j.kstr("Publisher", in.platform.Name)
		j.kstr("Release", release)
		j.kstr("Summary", summary)
		j.kstr("Version", version)
		j.endObject()
	}
	deb := func(section, name, version, summary string) {
		j.beginObject()
		j.kstr("ApplicationType", section)
		j.kstr("Architecture", "amd64")
		j.kstr("Name", name)
		j.kstr("PackageId", name+"_"+version+"_amd64.deb")
		j.kstr("Publisher", "Ubuntu Developers <ubuntu-devel-discuss@lists.ubuntu.com>")
		j.kstr("Summary", summary)
		j.kstr("Version", version)
		j.endObject()
	}
	isDeb := in.platform.Family == "ubuntu"
	if isDeb {
		deb("shells", "bash", "4.4.18-2ubuntu1.3", "GNU Bourne Again SHell")
	} else {
		rpm("admin", "amazon-ssm-agent", in.agent, "1", "x86_64", "Manage EC2 Instances using Systems Manager")
		rpm("System Environment/Shells", "bash", "4.2.46", "35", "x86_64", "The GNU Bourne Again shell (bash)")
	}
	for _, k := range in.kernels {
		p, _ := kernelPackage(in.platform.Family, k)
		if p.deb {
			deb("kernel", p.name, p.version, "Linux kernel image for version "+strings.SplitN(k, "-", 2)[0])
		} else {
			rpm("System Environment/Kernel", p.name, p.version, p.release, p.arch, "The Linux kernel")
		}
	}
	if !isDeb {
		p, _ := kernelPackage(in.platform.Family, in.kernels[0])
		rpm("Development/System", "kernel-tools", p.version, p.release, p.arch, "Assortment of tools for the Linux kernel")
	} else {
		deb("net", "openssh-server", "1:7.6p1-4ubuntu0.7", "secure shell (SSH) server")
	}
	j.endArray()
	j.endObject()
}

// readme describes the estate; it holds nothing that varies between runs.
func (w *writer) readme(dir string, o Options) error {
	s := w.sum
	var b strings.Builder
	fmt.Fprintf(&b, "# Synthetic estate\n\nWritten by `pdr-audit sim generate`; regenerate it rather than editing it.\n\n")
	fmt.Fprintf(&b, "| option | value |\n|---|---|\n")
	rows := [][2]string{
		{"seed", strconv.FormatInt(o.Seed, 10)}, {"accounts", strconv.Itoa(o.Accounts)}, {"regions per account", strconv.Itoa(o.Regions)},
		{"VPCs per region", strconv.Itoa(o.VPCs)}, {"instances per region", strconv.Itoa(o.Instances)},
		{"security groups per region", strconv.Itoa(o.groups())}, {"SSM coverage", strconv.FormatFloat(o.SSMCoverage, 'g', -1, 64)},
		{"Windows share", strconv.FormatFloat(o.WindowsShare, 'g', -1, 64)}, {"listed-kernel share", strconv.FormatFloat(o.ListedShare, 'g', -1, 64)},
		{"stopped share", strconv.FormatFloat(o.StoppedShare, 'g', -1, 64)}, {"kernel lists", s.Catalog},
	}
	for _, r := range rows {
		fmt.Fprintf(&b, "| %s | %s |\n", r[0], r[1])
	}
	fmt.Fprintf(&b, "\nIt holds %d account-regions, %d VPCs, %d subnets, %d security groups, %d instances "+
		"(%d Threat Manager appliances), %d SSM nodes, %d inventories, %d Linux kernels from the lists and %d outside them.\n",
		s.AccountRegions, s.VPCs, s.Subnets, s.SecurityGroups, s.Instances, s.Appliances, s.SSMNodes, s.Inventories, s.ListedKernels, s.OtherKernels)
	names := slices.Collect(func(yield func(string) bool) {
		for _, p := range o.Catalog.Platforms {
			if !yield(p.Name + " " + p.Version) {
				return
			}
		}
	})
	fmt.Fprintf(&b, "\nLinux platforms: %s.\n", strings.Join(names, ", "))
	s.Files++
	if err := os.WriteFile(filepath.Join(dir, "README.md"), []byte(b.String()), 0o600); err != nil {
		return fmt.Errorf("write estate README: %w", err)
	}
	return nil
}
