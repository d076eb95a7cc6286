package awssim

import (
	"strings"
)

// idParam describes a request's list of ids (VpcIds …): each must exist,
// or AWS answers with a NotFound error naming the first unknown id.
type idParam struct {
	Member   string // request member, e.g. VpcIds
	Key      string // resource member, e.g. VpcId
	NotFound string // error code
	Noun     string // as AWS words the message: "The vpc ID '%s' does not exist"
}

func (p idParam) message(id string) string {
	return "The " + p.Noun + " '" + id + "' does not exist"
}

// listOp is an EC2 Describe* operation served from one estate file.
type listOp struct {
	File      string
	ResultKey string
	Filters   filterTable
	IDs       *idParam
}

func withTags(t filterTable) filterTable {
	t["tag:"] = nil
	t["tag-key"] = []string{"Tags[].Key"}
	return t
}

var ec2Lists = map[string]listOp{
	"DescribeVpcs": {File: "ec2/describe-vpcs", ResultKey: "Vpcs",
		IDs: &idParam{"VpcIds", "VpcId", "InvalidVpcID.NotFound", "vpc ID"},
		Filters: withTags(filterTable{
			"cidr": {"CidrBlock"}, "cidr-block-association.cidr-block": {"CidrBlockAssociationSet[].CidrBlock"},
			"cidr-block-association.association-id": {"CidrBlockAssociationSet[].AssociationId"},
			"cidr-block-association.state":          {"CidrBlockAssociationSet[].CidrBlockState.State"},
			"dhcp-options-id":                       {"DhcpOptionsId"}, "is-default": {"IsDefault"},
			"ipv6-cidr-block-association.ipv6-cidr-block": {"Ipv6CidrBlockAssociationSet[].Ipv6CidrBlock"},
			"owner-id": {"OwnerId"}, "state": {"State"}, "vpc-id": {"VpcId"},
		})},
	"DescribeSubnets": {File: "ec2/describe-subnets", ResultKey: "Subnets",
		IDs: &idParam{"SubnetIds", "SubnetId", "InvalidSubnetID.NotFound", "subnet ID"},
		Filters: withTags(filterTable{
			"availability-zone": {"AvailabilityZone"}, "availabilityZone": {"AvailabilityZone"},
			"availability-zone-id": {"AvailabilityZoneId"}, "available-ip-address-count": {"AvailableIpAddressCount"},
			"cidr-block": {"CidrBlock"}, "cidr": {"CidrBlock"}, "cidrBlock": {"CidrBlock"},
			"default-for-az": {"DefaultForAz"}, "defaultForAz": {"DefaultForAz"},
			"ipv6-cidr-block-association.ipv6-cidr-block": {"Ipv6CidrBlockAssociationSet[].Ipv6CidrBlock"},
			"map-public-ip-on-launch":                     {"MapPublicIpOnLaunch"}, "owner-id": {"OwnerId"}, "state": {"State"},
			"subnet-arn": {"SubnetArn"}, "subnet-id": {"SubnetId"}, "vpc-id": {"VpcId"},
		})},
	"DescribeSecurityGroups": {File: "ec2/describe-security-groups", ResultKey: "SecurityGroups",
		IDs: &idParam{"GroupIds", "GroupId", "InvalidGroup.NotFound", "security group"},
		Filters: withTags(filterTable{
			"description": {"Description"}, "group-id": {"GroupId"}, "group-name": {"GroupName"},
			"owner-id": {"OwnerId"}, "vpc-id": {"VpcId"},
			"ip-permission.cidr":                  {"IpPermissions[].IpRanges[].CidrIp"},
			"ip-permission.ipv6-cidr":             {"IpPermissions[].Ipv6Ranges[].CidrIpv6"},
			"ip-permission.from-port":             {"IpPermissions[].FromPort"},
			"ip-permission.to-port":               {"IpPermissions[].ToPort"},
			"ip-permission.protocol":              {"IpPermissions[].IpProtocol"},
			"ip-permission.group-id":              {"IpPermissions[].UserIdGroupPairs[].GroupId"},
			"ip-permission.group-name":            {"IpPermissions[].UserIdGroupPairs[].GroupName"},
			"ip-permission.prefix-list-id":        {"IpPermissions[].PrefixListIds[].PrefixListId"},
			"ip-permission.user-id":               {"IpPermissions[].UserIdGroupPairs[].UserId"},
			"egress.ip-permission.cidr":           {"IpPermissionsEgress[].IpRanges[].CidrIp"},
			"egress.ip-permission.ipv6-cidr":      {"IpPermissionsEgress[].Ipv6Ranges[].CidrIpv6"},
			"egress.ip-permission.from-port":      {"IpPermissionsEgress[].FromPort"},
			"egress.ip-permission.to-port":        {"IpPermissionsEgress[].ToPort"},
			"egress.ip-permission.protocol":       {"IpPermissionsEgress[].IpProtocol"},
			"egress.ip-permission.group-id":       {"IpPermissionsEgress[].UserIdGroupPairs[].GroupId"},
			"egress.ip-permission.group-name":     {"IpPermissionsEgress[].UserIdGroupPairs[].GroupName"},
			"egress.ip-permission.prefix-list-id": {"IpPermissionsEgress[].PrefixListIds[].PrefixListId"},
			"egress.ip-permission.user-id":        {"IpPermissionsEgress[].UserIdGroupPairs[].UserId"},
		})},
	"DescribeNetworkAcls": {File: "ec2/describe-network-acls", ResultKey: "NetworkAcls",
		IDs: &idParam{"NetworkAclIds", "NetworkAclId", "InvalidNetworkAclID.NotFound", "networkAcl ID"},
		Filters: withTags(filterTable{
			"association.association-id": {"Associations[].NetworkAclAssociationId"},
			"association.network-acl-id": {"Associations[].NetworkAclId"},
			"association.subnet-id":      {"Associations[].SubnetId"},
			"default":                    {"IsDefault"},
			"entry.cidr":                 {"Entries[].CidrBlock"}, "entry.ipv6-cidr": {"Entries[].Ipv6CidrBlock"},
			"entry.egress": {"Entries[].Egress"}, "entry.icmp.code": {"Entries[].IcmpTypeCode.Code"},
			"entry.icmp.type": {"Entries[].IcmpTypeCode.Type"}, "entry.port-range.from": {"Entries[].PortRange.From"},
			"entry.port-range.to": {"Entries[].PortRange.To"}, "entry.protocol": {"Entries[].Protocol"},
			"entry.rule-action": {"Entries[].RuleAction"}, "entry.rule-number": {"Entries[].RuleNumber"},
			"network-acl-id": {"NetworkAclId"}, "owner-id": {"OwnerId"}, "vpc-id": {"VpcId"},
		})},
	"DescribeRouteTables": {File: "ec2/describe-route-tables", ResultKey: "RouteTables",
		IDs: &idParam{"RouteTableIds", "RouteTableId", "InvalidRouteTableID.NotFound", "routeTable ID"},
		Filters: withTags(filterTable{
			"association.gateway-id":                 {"Associations[].GatewayId"},
			"association.route-table-association-id": {"Associations[].RouteTableAssociationId"},
			"association.route-table-id":             {"Associations[].RouteTableId"},
			"association.subnet-id":                  {"Associations[].SubnetId"},
			"association.main":                       {"Associations[].Main"},
			"owner-id":                               {"OwnerId"}, "route-table-id": {"RouteTableId"},
			"route.destination-cidr-block":          {"Routes[].DestinationCidrBlock"},
			"route.destination-ipv6-cidr-block":     {"Routes[].DestinationIpv6CidrBlock"},
			"route.destination-prefix-list-id":      {"Routes[].DestinationPrefixListId"},
			"route.egress-only-internet-gateway-id": {"Routes[].EgressOnlyInternetGatewayId"},
			"route.gateway-id":                      {"Routes[].GatewayId"},
			"route.instance-id":                     {"Routes[].InstanceId"},
			"route.nat-gateway-id":                  {"Routes[].NatGatewayId"},
			"route.transit-gateway-id":              {"Routes[].TransitGatewayId"},
			"route.origin":                          {"Routes[].Origin"},
			"route.state":                           {"Routes[].State"},
			"route.vpc-peering-connection-id":       {"Routes[].VpcPeeringConnectionId"},
			"vpc-id":                                {"VpcId"},
		})},
	"DescribeNatGateways": {File: "ec2/describe-nat-gateways", ResultKey: "NatGateways",
		IDs: &idParam{"NatGatewayIds", "NatGatewayId", "NatGatewayNotFound", "NAT gateway ID"},
		Filters: withTags(filterTable{
			"nat-gateway-id": {"NatGatewayId"}, "state": {"State"}, "subnet-id": {"SubnetId"}, "vpc-id": {"VpcId"},
		})},
	"DescribeInternetGateways": {File: "ec2/describe-internet-gateways", ResultKey: "InternetGateways",
		IDs: &idParam{"InternetGatewayIds", "InternetGatewayId", "InvalidInternetGatewayID.NotFound", "internetGateway ID"},
		Filters: withTags(filterTable{
			"attachment.state": {"Attachments[].State"}, "attachment.vpc-id": {"Attachments[].VpcId"},
			"internet-gateway-id": {"InternetGatewayId"}, "owner-id": {"OwnerId"},
		})},
	"DescribeVpcEndpoints": {File: "ec2/describe-vpc-endpoints", ResultKey: "VpcEndpoints",
		IDs: &idParam{"VpcEndpointIds", "VpcEndpointId", "InvalidVpcEndpointId.NotFound", "Vpc Endpoint Id"},
		Filters: withTags(filterTable{
			"ip-address-type": {"IpAddressType"}, "service-name": {"ServiceName"}, "vpc-id": {"VpcId"},
			"vpc-endpoint-id": {"VpcEndpointId"}, "vpc-endpoint-state": {"State"}, "vpc-endpoint-type": {"VpcEndpointType"},
		})},
	"DescribeManagedPrefixLists": {File: "ec2/describe-managed-prefix-lists", ResultKey: "PrefixLists",
		IDs: &idParam{"PrefixListIds", "PrefixListId", "InvalidPrefixListID.NotFound", "prefix list ID"},
		Filters: withTags(filterTable{
			"owner-id": {"OwnerId"}, "prefix-list-id": {"PrefixListId"}, "prefix-list-name": {"PrefixListName"},
		})},
	"DescribeImages": {File: "ec2/describe-images", ResultKey: "Images",
		IDs: &idParam{"ImageIds", "ImageId", "InvalidAMIID.NotFound", "image id"},
		Filters: withTags(filterTable{
			"architecture": {"Architecture"}, "image-id": {"ImageId"}, "image-type": {"ImageType"},
			"is-public": {"Public"}, "name": {"Name"}, "owner-id": {"OwnerId"}, "owner-alias": {"ImageOwnerAlias"},
			"platform": {"Platform"}, "platform-details": {"PlatformDetails"}, "state": {"State"},
		})},
}

// instanceFilters are DescribeInstances' filters, on the instance document;
// reservation-level ones are prefixed "reservation:".
var instanceFilters = withTags(filterTable{
	"architecture": {"Architecture"}, "availability-zone": {"Placement.AvailabilityZone"},
	"iam-instance-profile.arn": {"IamInstanceProfile.Arn"}, "image-id": {"ImageId"},
	"instance-id": {"InstanceId"}, "instance-state-code": {"State.Code"}, "instance-state-name": {"State.Name"},
	"instance-type": {"InstanceType"}, "instance.group-id": {"SecurityGroups[].GroupId"},
	"instance.group-name": {"SecurityGroups[].GroupName"}, "ip-address": {"PublicIpAddress"},
	"key-name": {"KeyName"}, "network-interface.network-interface-id": {"NetworkInterfaces[].NetworkInterfaceId"},
	"network-interface.subnet-id": {"NetworkInterfaces[].SubnetId"}, "network-interface.vpc-id": {"NetworkInterfaces[].VpcId"},
	"platform": {"Platform"}, "platform-details": {"PlatformDetails"}, "private-dns-name": {"PrivateDnsName"},
	"private-ip-address": {"PrivateIpAddress"}, "subnet-id": {"SubnetId"}, "vpc-id": {"VpcId"},
	"owner-id": {"reservation:OwnerId"}, "reservation-id": {"reservation:ReservationId"},
	"requester-id": {"reservation:RequesterId"},
})

// regionFile returns a region's document for a file, or nil: the estate's,
// as writes have changed it (world.go).
func (s *Server) regionFile(c *call, file string) map[string]any {
	return s.world.regionDoc(c.Account, c.Region, file)
}

// filterMember is the request member carrying filters ("Filters", or
// "Filter" for the few EC2 operations that spell it so).
func filterMember(c *call) string {
	in := c.Model.Shape(c.Op.Input.Shape)
	if _, ok := in.Members["Filters"]; ok {
		return "Filters"
	}
	return "Filter"
}

// checkFilters rejects filter names the operation does not know, as EC2
// does.
func checkFilters(filters []ec2Filter, table filterTable) *APIError {
	for _, f := range filters {
		if _, ok := table.resolve(f.Name); !ok {
			return apiErr("InvalidParameterValue", "The filter '%s' is invalid", f.Name)
		}
	}
	return nil
}

func describeList(s *Server, c *call) (map[string]any, *APIError) {
	op := ec2Lists[c.Action]
	filters := requestFilters(c.Input, filterMember(c))
	if err := checkFilters(filters, op.Filters); err != nil {
		return nil, err
	}
	doc := s.regionFile(c, op.File)
	all, _ := doc[op.ResultKey].([]any)
	var ids map[string]bool
	if op.IDs != nil {
		want := strList(c.Input, op.IDs.Member)
		if len(want) > 0 {
			ids = map[string]bool{}
			have := map[string]bool{}
			for _, it := range all {
				obj, _ := it.(map[string]any)
				have[scalarString(obj[op.IDs.Key])] = true
			}
			for _, id := range want {
				if !have[id] {
					return nil, apiErr(op.IDs.NotFound, "%s", op.IDs.message(id))
				}
				ids[id] = true
			}
		}
	}
	items := make([]any, 0, len(all))
	for _, it := range all {
		obj, _ := it.(map[string]any)
		if ids != nil && !ids[scalarString(obj[op.IDs.Key])] {
			continue
		}
		if matchAll(obj, op.Filters, filters) {
			items = append(items, it)
		}
	}
	pg, next, err := page(c, items)
	if err != nil {
		return nil, err
	}
	c.Items = len(pg)
	out := map[string]any{op.ResultKey: pg}
	if next != "" {
		out["NextToken"] = next
	}
	return out, nil
}

func describeInstances(s *Server, c *call) (map[string]any, *APIError) {
	filters := requestFilters(c.Input, "Filters")
	if err := checkFilters(filters, instanceFilters); err != nil {
		return nil, err
	}
	wantIDs := strList(c.Input, "InstanceIds")
	if _, ok := c.Input["MaxResults"]; ok && len(wantIDs) > 0 {
		return nil, apiErr("InvalidParameterCombination", "The parameter instancesSet cannot be used with the parameter maxResults")
	}
	doc := s.regionFile(c, "ec2/describe-instances")
	reservations, _ := doc["Reservations"].([]any)
	ids := map[string]bool{}
	for _, id := range wantIDs {
		ids[id] = false
	}
	var items []any
	for _, r := range reservations {
		res, _ := r.(map[string]any)
		insts, _ := res["Instances"].([]any)
		var kept []any
		for _, i := range insts {
			inst, _ := i.(map[string]any)
			id := scalarString(inst["InstanceId"])
			if len(wantIDs) > 0 {
				if _, ok := ids[id]; !ok {
					continue
				}
				ids[id] = true
			}
			if instanceMatches(res, inst, filters) {
				kept = append(kept, i)
			}
		}
		if len(kept) == 0 {
			continue
		}
		if len(kept) == len(insts) {
			items = append(items, r)
			continue
		}
		cp := make(map[string]any, len(res))
		for k, v := range res {
			cp[k] = v
		}
		cp["Instances"] = kept
		items = append(items, cp)
	}
	for _, id := range wantIDs {
		if !ids[id] {
			return nil, apiErr("InvalidInstanceID.NotFound", "The instance ID '%s' does not exist", id)
		}
	}
	if items == nil {
		items = []any{}
	}
	// Pages hold whole reservations, so the CLI's merge of pages equals the
	// estate file; MaxResults bounds the reservations of a page.
	pg, next, err := page(c, items)
	if err != nil {
		return nil, err
	}
	for _, r := range pg {
		res, _ := r.(map[string]any)
		insts, _ := res["Instances"].([]any)
		c.Items += len(insts)
	}
	out := map[string]any{"Reservations": pg}
	if next != "" {
		out["NextToken"] = next
	}
	return out, nil
}

func instanceMatches(res, inst map[string]any, filters []ec2Filter) bool {
	for _, f := range filters {
		paths, _ := instanceFilters.resolve(f.Name)
		var have []string
		for _, p := range paths {
			if rp, ok := strings.CutPrefix(p, "reservation:"); ok {
				have = append(have, values(res, []string{rp})...)
			} else {
				have = append(have, values(inst, []string{p})...)
			}
		}
		if !anyMatch(f.Values, have) {
			return false
		}
	}
	return true
}

func getPrefixListEntries(s *Server, c *call) (map[string]any, *APIError) {
	id := strParam(c.Input, "PrefixListId")
	lists := s.regionFile(c, "ec2/describe-managed-prefix-lists")
	known := false
	arr, _ := lists["PrefixLists"].([]any)
	for _, pl := range arr {
		obj, _ := pl.(map[string]any)
		if obj["PrefixListId"] == id {
			known = true
		}
	}
	doc := s.regionFile(c, "ec2/get-managed-prefix-list-entries/"+id)
	if !known && doc == nil {
		return nil, apiErr("InvalidPrefixListID.NotFound", "The prefix list ID '%s' does not exist", id)
	}
	entries, _ := doc["Entries"].([]any)
	if entries == nil {
		entries = []any{}
	}
	pg, next, err := page(c, entries)
	if err != nil {
		return nil, err
	}
	c.Items = len(pg)
	out := map[string]any{"Entries": pg}
	if next != "" {
		out["NextToken"] = next
	}
	return out, nil
}

// describeRegions answers with the account's region directories: the
// regions enabled for it.
func describeRegions(s *Server, c *call) (map[string]any, *APIError) {
	filters := requestFilters(c.Input, "Filters")
	table := filterTable{"endpoint": {"Endpoint"}, "region-name": {"RegionName"}, "opt-in-status": {"OptInStatus"}}
	if err := checkFilters(filters, table); err != nil {
		return nil, err
	}
	acct := s.estate.Accounts[c.Account]
	want := strList(c.Input, "RegionNames")
	regions := []any{}
	for _, r := range acct.SortedRegions() {
		doc := map[string]any{"Endpoint": "ec2." + r + ".amazonaws.com", "RegionName": r, "OptInStatus": "opt-in-not-required"}
		if len(want) > 0 && !contains(want, r) {
			continue
		}
		if matchAll(doc, table, filters) {
			regions = append(regions, doc)
		}
	}
	for _, r := range want {
		if acct.Regions[r] == nil {
			return nil, apiErr("InvalidParameterValue", "Invalid region: %s", r)
		}
	}
	c.Items = len(regions)
	return map[string]any{"Regions": regions}, nil
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}
