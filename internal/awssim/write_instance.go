package awssim

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/netip"
	"regexp"
	"strings"
	"time"
)

// Instance writes: RunInstances, TerminateInstances,
// ModifyInstanceAttribute, AssociateIamInstanceProfile and
// DisassociateIamInstanceProfile, on ec2/describe-instances, with
// DescribeIamInstanceProfileAssociations to read the associations.
//
// Simplifications: RunInstances answers "pending" as AWS does, but every
// later describe says "running"; TerminateInstances answers "shutting-down"
// and the instance is "terminated" at once (and stays listed, as AWS lists
// terminated instances for a while). A new association is "associated" at
// once (the answer says "associating"), a removed one is gone at once.

var (
	amiIDRe      = regexp.MustCompile(`^ami-([0-9a-f]{8}|[0-9a-f]{17})$`)
	instanceIDRe = regexp.MustCompile(`^i-([0-9a-f]{8}|[0-9a-f]{17})$`)
)

// Instance states, with the codes EC2 gives them.
var (
	statePending      = map[string]any{"Code": num(0), "Name": "pending"}
	stateRunning      = map[string]any{"Code": num(16), "Name": "running"}
	stateShuttingDown = map[string]any{"Code": num(32), "Name": "shutting-down"}
	stateTerminated   = map[string]any{"Code": num(48), "Name": "terminated"}
)

// allInstances lists every instance of a describe-instances document.
func allInstances(doc map[string]any) []map[string]any {
	var out []map[string]any
	for _, r := range list(doc, "Reservations") {
		res, _ := r.(map[string]any)
		for _, i := range list(res, "Instances") {
			if inst, _ := i.(map[string]any); inst != nil {
				out = append(out, inst)
			}
		}
	}
	return out
}

// findInstance returns an instance of a describe-instances document.
func findInstance(doc map[string]any, id string) map[string]any {
	for _, inst := range allInstances(doc) {
		if strParam(inst, "InstanceId") == id {
			return inst
		}
	}
	return nil
}

// instanceGone reports whether an instance is terminated or terminating.
func instanceGone(inst map[string]any) bool {
	switch lookupString(inst, "State.Name") {
	case "terminated", "shutting-down":
		return true
	}
	return false
}

func lookupString(doc map[string]any, path string) string {
	v := lookup(doc, path)
	if len(v) == 0 {
		return ""
	}
	return scalarString(v[0])
}

func instanceNotFound(id string) *APIError {
	return apiErr("InvalidInstanceID.NotFound", "The instance ID '%s' does not exist", id)
}

// resolveProfile finds the instance profile a request names by Name or
// Arn among the account's IAM documents, and returns its Arn and Id as an
// instance's IamInstanceProfile.
func resolveProfile(t *tx, c *call, spec map[string]any) (map[string]any, *APIError) {
	name, arn := strParam(spec, "Name"), strParam(spec, "Arn")
	if name == "" && arn == "" {
		return nil, missingParam("iamInstanceProfile")
	}
	param, value := "name", name
	if arn != "" {
		param, value = "arn", arn
		// arn:aws:iam::<account>:instance-profile/<path/>name
		res, ok := strings.CutPrefix(arn[strings.LastIndex(arn, ":")+1:], "instance-profile/")
		if !ok || !strings.HasPrefix(arn, "arn:") {
			return nil, apiErr("InvalidParameterValue", "Value (%s) for parameter iamInstanceProfile.arn is invalid. Invalid IAM Instance Profile ARN", arn)
		}
		if base := res[strings.LastIndex(res, "/")+1:]; name == "" {
			name = base
		} else if name != base {
			return nil, apiErr("InvalidParameterCombination", "The parameter iamInstanceProfile.name names another profile than iamInstanceProfile.arn")
		}
	}
	doc := t.get(iamKey(c.Account, "get-instance-profile/"+name))
	got := lookupString(doc, "InstanceProfile.Arn")
	if doc == nil || (arn != "" && got != arn) {
		kind := "name"
		if param == "arn" {
			kind = "ARN"
		}
		return nil, apiErr("InvalidParameterValue", "Value (%s) for parameter iamInstanceProfile.%s is invalid. Invalid IAM Instance Profile %s", value, param, kind)
	}
	return map[string]any{"Arn": got, "Id": lookupString(doc, "InstanceProfile.InstanceProfileId")}, nil
}

// derivedAssociationID is the association id of an instance profile the
// estate shows on an instance (the estate has no association ids).
func derivedAssociationID(c *call, instanceID string) string {
	sum := sha256.Sum256([]byte(c.Account + "/" + c.Region + "/" + instanceID))
	return "iip-assoc-" + hex.EncodeToString(sum[:])[:17]
}

// associations lists a region's IAM instance profile associations: those
// writes recorded, or, before any write touched one, one per instance
// (not terminated) that has a profile, associated since its launch.
func associations(get func(docKey) map[string]any, c *call) []any {
	if doc := get(regionKey(c, fileAssociations)); doc != nil {
		return list(doc, "IamInstanceProfileAssociations")
	}
	out := []any{}
	for _, inst := range allInstances(get(regionKey(c, fileInstances))) {
		prof, _ := inst["IamInstanceProfile"].(map[string]any)
		if prof == nil || instanceGone(inst) {
			continue
		}
		id := strParam(inst, "InstanceId")
		out = append(out, map[string]any{
			"AssociationId":      derivedAssociationID(c, id),
			"InstanceId":         id,
			"IamInstanceProfile": deepCopy(prof),
			"State":              "associated",
			"Timestamp":          inst["LaunchTime"],
		})
	}
	return out
}

// editAssociations returns the write's copy of the region's associations
// document, derived from the published instances when no write made one.
func editAssociations(t *tx, c *call) map[string]any {
	key := regionKey(c, fileAssociations)
	if t.get(key) == nil {
		items := associations(t.w.doc, c)
		doc := t.edit(key)
		doc["IamInstanceProfileAssociations"] = items
		return doc
	}
	return t.edit(key)
}

// associateIamInstanceProfile gives an instance without one an instance
// profile.
func associateIamInstanceProfile(s *Server, c *call) (map[string]any, *APIError) {
	id := strParam(c.Input, "InstanceId")
	if id == "" {
		return nil, missingParam("InstanceId")
	}
	spec, _ := c.Input["IamInstanceProfile"].(map[string]any)
	var out map[string]any
	err := s.world.write(func(t *tx) *APIError {
		inst := findInstance(t.get(regionKey(c, fileInstances)), id)
		if inst == nil {
			return instanceNotFound(id)
		}
		if instanceGone(inst) {
			return apiErr("IncorrectInstanceState", "The instance '%s' is not in a valid state for this operation.", id)
		}
		prof, err := resolveProfile(t, c, spec)
		if err != nil {
			return err
		}
		if inst["IamInstanceProfile"] != nil {
			return apiErr("IncorrectState", "There is an existing association for instance %s", id)
		}
		assoc := map[string]any{
			"AssociationId":      t.w.newID("iip-assoc-"),
			"InstanceId":         id,
			"IamInstanceProfile": prof,
			"State":              "associated",
			"Timestamp":          awsTime(s.opts.Now()),
		}
		ad := editAssociations(t, c)
		ad["IamInstanceProfileAssociations"] = append(list(ad, "IamInstanceProfileAssociations"), assoc)
		findInstance(t.edit(regionKey(c, fileInstances)), id)["IamInstanceProfile"] = deepCopy(prof)
		answer, _ := deepCopy(assoc).(map[string]any)
		answer["State"] = "associating"
		out = map[string]any{"IamInstanceProfileAssociation": answer}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// disassociateIamInstanceProfile removes an association, and the profile
// from its instance.
func disassociateIamInstanceProfile(s *Server, c *call) (map[string]any, *APIError) {
	id := strParam(c.Input, "AssociationId")
	if id == "" {
		return nil, missingParam("AssociationId")
	}
	var out map[string]any
	err := s.world.write(func(t *tx) *APIError {
		i, assoc := findIn(associations(t.get, c), "AssociationId", id)
		if i < 0 {
			return apiErr("InvalidAssociationID.NotFound", "The association ID '%s' does not exist", id)
		}
		ad := editAssociations(t, c)
		ad["IamInstanceProfileAssociations"] = removeAt(list(ad, "IamInstanceProfileAssociations"), i)
		if inst := findInstance(t.edit(regionKey(c, fileInstances)), strParam(assoc, "InstanceId")); inst != nil {
			delete(inst, "IamInstanceProfile")
		}
		answer, _ := deepCopy(assoc).(map[string]any)
		answer["State"] = "disassociating"
		out = map[string]any{"IamInstanceProfileAssociation": answer}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// associationFilters are DescribeIamInstanceProfileAssociations' filters.
var associationFilters = filterTable{"instance-id": {"InstanceId"}, "state": {"State"}}

func init() {
	// DescribeIamInstanceProfileAssociations' MaxResults: 5 to 1000
	// (botocore's DescribeIamInstanceProfileAssociationsMaxResults).
	pageLimits["ec2:DescribeIamInstanceProfileAssociations"] = pageLimit{LimitKey: "MaxResults", Min: 5, Max: 1000}
}

func describeIamInstanceProfileAssociations(s *Server, c *call) (map[string]any, *APIError) {
	filters := requestFilters(c.Input, "Filters")
	if err := checkFilters(filters, associationFilters); err != nil {
		return nil, err
	}
	all := associations(s.world.doc, c)
	want := strList(c.Input, "AssociationIds")
	ids := map[string]bool{}
	for _, id := range want {
		if i, _ := findIn(all, "AssociationId", id); i < 0 {
			return nil, apiErr("InvalidAssociationID.NotFound", "The association ID '%s' does not exist", id)
		}
		ids[id] = true
	}
	items := []any{}
	for _, it := range all {
		a, _ := it.(map[string]any)
		if len(want) > 0 && !ids[strParam(a, "AssociationId")] {
			continue
		}
		if matchAll(a, associationFilters, filters) {
			items = append(items, a)
		}
	}
	pg, next, err := page(c, items)
	if err != nil {
		return nil, err
	}
	c.Items = len(pg)
	out := map[string]any{"IamInstanceProfileAssociations": pg}
	if next != "" {
		out["NextToken"] = next
	}
	return out, nil
}

// modifyInstanceAttribute changes an instance's security groups (Groups:
// the instance's and its primary network interface's) or its
// SourceDestCheck. Other attributes answer UnsupportedOperation.
func modifyInstanceAttribute(s *Server, c *call) (map[string]any, *APIError) {
	in := c.Input
	id := strParam(in, "InstanceId")
	if id == "" {
		return nil, missingParam("instanceId")
	}
	groupIDs := strList(in, "Groups")
	sdc, hasSDC := in["SourceDestCheck"].(map[string]any)
	for _, k := range sortedKeys(in) {
		switch k {
		case "InstanceId", "DryRun", "Groups", "SourceDestCheck":
		default:
			return nil, apiErr("UnsupportedOperation", "The simulator does not modify the instance attribute %s.", k)
		}
	}
	if len(groupIDs) == 0 && !hasSDC {
		return nil, missingParam("groupId")
	}
	err := s.world.write(func(t *tx) *APIError {
		inst := findInstance(t.get(regionKey(c, fileInstances)), id)
		if inst == nil {
			return instanceNotFound(id)
		}
		if instanceGone(inst) {
			return apiErr("IncorrectInstanceState", "The instance '%s' is not in a valid state for this operation.", id)
		}
		if len(list(inst, "NetworkInterfaces")) > 1 {
			return apiErr("InvalidInstanceID", "There are multiple interfaces attached to instance '%s'. Please specify an interface ID for the operation instead.", id)
		}
		vpc := strParam(inst, "VpcId")
		groups := []any{}
		sgs := t.get(regionKey(c, fileSecurityGroups))
		for _, gid := range groupIDs {
			_, g := find(sgs, "SecurityGroups", "GroupId", gid)
			if g == nil {
				return apiErr("InvalidGroup.NotFound", "The security group '%s' does not exist", gid)
			}
			if strParam(g, "VpcId") != vpc {
				return apiErr("InvalidGroup.NotFound", "The security group '%s' does not exist in VPC '%s'", gid, vpc)
			}
			groups = append(groups, map[string]any{"GroupName": strParam(g, "GroupName"), "GroupId": gid})
		}
		if err := checkDryRun(c); err != nil {
			return err
		}
		inst = findInstance(t.edit(regionKey(c, fileInstances)), id)
		for _, n := range list(inst, "NetworkInterfaces") {
			eni, _ := n.(map[string]any)
			if len(groupIDs) > 0 {
				eni["Groups"] = deepCopy(groups)
			}
			if hasSDC {
				eni["SourceDestCheck"] = sdc["Value"]
			}
		}
		if len(groupIDs) > 0 {
			inst["SecurityGroups"] = groups
		}
		if hasSDC {
			inst["SourceDestCheck"] = sdc["Value"]
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{}, nil
}

// terminateInstances terminates instances: they answer "shutting-down" and
// are "terminated" for every later describe, without network interfaces,
// addresses or instance profile.
func terminateInstances(s *Server, c *call) (map[string]any, *APIError) {
	ids := strList(c.Input, "InstanceIds")
	if len(ids) == 0 {
		return nil, missingParam("InstanceId")
	}
	for _, id := range ids {
		if !instanceIDRe.MatchString(id) {
			return nil, apiErr("InvalidInstanceID.Malformed", "Invalid id: %q", id)
		}
	}
	var out map[string]any
	err := s.world.write(func(t *tx) *APIError {
		doc := t.get(regionKey(c, fileInstances))
		var unknown []string
		for _, id := range ids {
			if findInstance(doc, id) == nil {
				unknown = append(unknown, id)
			}
		}
		switch {
		case len(unknown) == 1:
			return instanceNotFound(unknown[0])
		case len(unknown) > 1:
			return apiErr("InvalidInstanceID.NotFound", "The instance IDs %s do not exist", quoteIDs(unknown))
		}
		if err := checkDryRun(c); err != nil {
			return err
		}
		now := s.opts.Now().UTC()
		ad := editAssociations(t, c)
		doc = t.edit(regionKey(c, fileInstances))
		changes := []any{}
		seen := map[string]bool{}
		for _, id := range ids {
			if seen[id] {
				continue
			}
			seen[id] = true
			inst := findInstance(doc, id)
			prev := deepCopy(inst["State"])
			current := stateShuttingDown
			if lookupString(inst, "State.Name") == "terminated" {
				current = stateTerminated
			} else {
				releaseAddress(t, c, inst)
				var kept []any
				for _, a := range list(ad, "IamInstanceProfileAssociations") {
					if strParam(a.(map[string]any), "InstanceId") != id {
						kept = append(kept, a)
					}
				}
				ad["IamInstanceProfileAssociations"] = anyOrEmpty(kept)
				terminate(inst, now.Format("2006-01-02 15:04:05"))
			}
			changes = append(changes, map[string]any{
				"CurrentState": deepCopy(current), "InstanceId": id, "PreviousState": prev,
			})
		}
		out = map[string]any{"TerminatingInstances": changes}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// terminate turns an instance into a terminated one as DescribeInstances
// shows it.
func terminate(inst map[string]any, when string) {
	inst["State"] = deepCopy(stateTerminated)
	inst["StateTransitionReason"] = "User initiated (" + when + " GMT)"
	inst["StateReason"] = map[string]any{
		"Code": "Client.UserInitiatedShutdown", "Message": "Client.UserInitiatedShutdown: User initiated shutdown",
	}
	inst["NetworkInterfaces"] = []any{}
	inst["SecurityGroups"] = []any{}
	inst["BlockDeviceMappings"] = []any{}
	inst["PrivateDnsName"] = ""
	inst["PublicDnsName"] = ""
	for _, k := range []string{"PrivateIpAddress", "PublicIpAddress", "SubnetId", "VpcId", "IamInstanceProfile"} {
		delete(inst, k)
	}
}

// releaseAddress gives a terminated instance's private address back to
// its subnet's AvailableIpAddressCount.
func releaseAddress(t *tx, c *call, inst map[string]any) {
	subnetAddresses(t, c, strParam(inst, "SubnetId"), 1)
}

// subnetAddresses adds delta to a subnet's AvailableIpAddressCount.
func subnetAddresses(t *tx, c *call, subnetID string, delta int64) {
	key := regionKey(c, fileSubnets)
	_, sn := find(t.get(key), "Subnets", "SubnetId", subnetID)
	if _, ok := intOf(sn["AvailableIpAddressCount"]); !ok {
		return
	}
	_, sn = find(t.edit(key), "Subnets", "SubnetId", subnetID)
	n, _ := intOf(sn["AvailableIpAddressCount"])
	sn["AvailableIpAddressCount"] = num(n + delta)
}

func anyOrEmpty(l []any) []any {
	if l == nil {
		return []any{}
	}
	return l
}

// launch is what RunInstances resolved from its request.
type launch struct {
	subnet      map[string]any
	groups      []any
	profile     map[string]any
	image       map[string]any
	ips         []netip.Addr
	public      bool
	imageID     string
	itype       string
	eni         map[string]any // the request's primary network interface, if any
	keyName     string
	clientToken string
}

// runInstances launches MaxCount instances (at least MinCount, as the
// subnet's free addresses allow) in one new reservation, in a subnet (the
// request's, its primary network interface's, or the default VPC's first
// default subnet) with security groups of the subnet's VPC (its default
// group when none is named). Any well-formed AMI id is accepted:
// marketplace and public images are not in the account's describe-images;
// one that is lends the instance its architecture and platform.
func runInstances(s *Server, c *call) (map[string]any, *APIError) {
	in := c.Input
	l := launch{imageID: strParam(in, "ImageId"), itype: nonEmpty(strParam(in, "InstanceType"), "m1.small"),
		keyName: strParam(in, "KeyName"), clientToken: strParam(in, "ClientToken")}
	if _, ok := in["LaunchTemplate"]; ok {
		return nil, apiErr("UnsupportedOperation", "The simulator does not launch from launch templates.")
	}
	if l.imageID == "" {
		return nil, missingParam("ImageId")
	}
	if !amiIDRe.MatchString(l.imageID) {
		return nil, apiErr("InvalidAMIID.Malformed", "Invalid id: %q (expecting \"ami-...\")", l.imageID)
	}
	minC, okMin := intParam(in, "MinCount")
	maxC, okMax := intParam(in, "MaxCount")
	switch {
	case !okMin:
		return nil, missingParam("MinCount")
	case !okMax:
		return nil, missingParam("MaxCount")
	case minC < 1:
		return nil, apiErr("InvalidParameterValue", "Value (%d) for parameter minCount is invalid. Expected a positive integer.", minC)
	case maxC < minC:
		return nil, apiErr("InvalidParameterValue", "Value (%d) for parameter maxCount is invalid. Expected a value greater than or equal to minCount (%d).", maxC, minC)
	}
	subnetID, groupIDs, groupNames := strParam(in, "SubnetId"), strList(in, "SecurityGroupIds"), strList(in, "SecurityGroups")
	privateIP := strParam(in, "PrivateIpAddress")
	if nis := list(in, "NetworkInterfaces"); len(nis) > 0 {
		switch {
		case subnetID != "":
			return nil, apiErr("InvalidParameterCombination", "Network interfaces and an instance-level subnet ID may not be specified on the same request")
		case len(groupIDs)+len(groupNames) > 0:
			return nil, apiErr("InvalidParameterCombination", "Network interfaces and an instance-level security groups may not be specified on the same request")
		case len(nis) > 1:
			return nil, apiErr("UnsupportedOperation", "The simulator launches instances with one network interface.")
		}
		l.eni, _ = nis[0].(map[string]any)
		if strParam(l.eni, "NetworkInterfaceId") != "" {
			return nil, apiErr("UnsupportedOperation", "The simulator does not attach existing network interfaces.")
		}
		subnetID, groupIDs = strParam(l.eni, "SubnetId"), strList(l.eni, "Groups")
		privateIP = nonEmpty(privateIP, strParam(l.eni, "PrivateIpAddress"))
	}
	if privateIP != "" && maxC > 1 {
		return nil, apiErr("InvalidParameterCombination", "Cannot specify an IP address when launching more than one instance")
	}
	var out map[string]any
	err := s.world.write(func(t *tx) *APIError {
		if err := l.resolveNetwork(t, c, subnetID, groupIDs, groupNames); err != nil {
			return err
		}
		if spec, ok := in["IamInstanceProfile"].(map[string]any); ok {
			prof, err := resolveProfile(t, c, spec)
			if err != nil {
				return err
			}
			l.profile = prof
		}
		if err := l.allocate(t, c, privateIP, minC, maxC); err != nil {
			return err
		}
		if err := checkDryRun(c); err != nil {
			return err
		}
		_, l.image = find(t.get(regionKey(c, fileImages)), "Images", "ImageId", l.imageID)
		res, answer := l.reservation(t, c, s.opts.Now().UTC())
		if l.profile != nil {
			ad := editAssociations(t, c)
			for _, it := range list(res, "Instances") {
				inst, _ := it.(map[string]any)
				ad["IamInstanceProfileAssociations"] = append(list(ad, "IamInstanceProfileAssociations"), map[string]any{
					"AssociationId": t.w.newID("iip-assoc-"), "InstanceId": inst["InstanceId"],
					"IamInstanceProfile": deepCopy(l.profile), "State": "associated", "Timestamp": inst["LaunchTime"],
				})
			}
		}
		doc := t.edit(regionKey(c, fileInstances))
		doc["Reservations"] = append(list(doc, "Reservations"), res)
		subnetAddresses(t, c, strParam(l.subnet, "SubnetId"), -int64(len(l.ips)))
		out = answer
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// resolveNetwork finds the launch's subnet and security groups.
func (l *launch) resolveNetwork(t *tx, c *call, subnetID string, groupIDs, groupNames []string) *APIError {
	subnets := t.get(regionKey(c, fileSubnets))
	if subnetID == "" {
		vpc := defaultVpc(t, c)
		for _, it := range list(subnets, "Subnets") {
			sn, _ := it.(map[string]any)
			if def, _ := sn["DefaultForAz"].(bool); def && vpc != "" && strParam(sn, "VpcId") == vpc {
				l.subnet = sn
				break
			}
		}
		if l.subnet == nil {
			return apiErr("VPCIdNotSpecified", "No default VPC for this user")
		}
	} else if _, l.subnet = find(subnets, "Subnets", "SubnetId", subnetID); l.subnet == nil {
		return apiErr("InvalidSubnetID.NotFound", "The subnet ID '%s' does not exist", subnetID)
	}
	vpc := strParam(l.subnet, "VpcId")
	sgs := t.get(regionKey(c, fileSecurityGroups))
	l.groups = []any{}
	for _, id := range groupIDs {
		_, g := find(sgs, "SecurityGroups", "GroupId", id)
		if g == nil {
			return apiErr("InvalidGroup.NotFound", "The security group '%s' does not exist", id)
		}
		if strParam(g, "VpcId") != vpc {
			return apiErr("InvalidParameter", "Security group %s and subnet %s belong to different networks.", id, strParam(l.subnet, "SubnetId"))
		}
		l.groups = append(l.groups, map[string]any{"GroupName": strParam(g, "GroupName"), "GroupId": id})
	}
	byName := func(name string) map[string]any {
		for _, it := range list(sgs, "SecurityGroups") {
			g, _ := it.(map[string]any)
			if strParam(g, "GroupName") == name && strParam(g, "VpcId") == vpc {
				return g
			}
		}
		return nil
	}
	for _, name := range groupNames {
		g := byName(name)
		if g == nil {
			return apiErr("InvalidGroup.NotFound", "The security group '%s' does not exist in VPC '%s'", name, vpc)
		}
		l.groups = append(l.groups, map[string]any{"GroupName": name, "GroupId": strParam(g, "GroupId")})
	}
	if len(l.groups) == 0 {
		if g := byName("default"); g != nil {
			l.groups = append(l.groups, map[string]any{"GroupName": "default", "GroupId": strParam(g, "GroupId")})
		}
	}
	l.public, _ = l.subnet["MapPublicIpOnLaunch"].(bool)
	if b, ok := l.eni["AssociatePublicIpAddress"].(bool); ok {
		l.public = b
	}
	return nil
}

// allocate picks the launch's private addresses: the requested one, or
// the subnet's lowest free ones (AWS reserves a subnet's first four
// addresses and its last).
func (l *launch) allocate(t *tx, c *call, privateIP string, minC, maxC int64) *APIError {
	subnetID := strParam(l.subnet, "SubnetId")
	pfx, err := netip.ParsePrefix(strParam(l.subnet, "CidrBlock"))
	if err != nil || !pfx.Addr().Is4() {
		return apiErr("InsufficientFreeAddressesInSubnet", "There are not enough free addresses in subnet '%s' to satisfy the requested number of instances.", subnetID)
	}
	pfx = pfx.Masked()
	used := map[netip.Addr]bool{}
	for _, inst := range allInstances(t.get(regionKey(c, fileInstances))) {
		if instanceGone(inst) {
			continue
		}
		for _, v := range lookup(inst, "NetworkInterfaces[].PrivateIpAddresses[].PrivateIpAddress") {
			if a, err := netip.ParseAddr(scalarString(v)); err == nil {
				used[a] = true
			}
		}
		if a, err := netip.ParseAddr(strParam(inst, "PrivateIpAddress")); err == nil {
			used[a] = true
		}
	}
	first := pfx.Addr()
	for range 4 {
		first = first.Next()
	}
	last := lastAddr(pfx)
	if privateIP != "" {
		a, err := netip.ParseAddr(privateIP)
		switch {
		case err != nil || !pfx.Contains(a) || a.Less(first) || a == last:
			return apiErr("InvalidParameterValue", "Address %s does not fall within the subnet's address range", privateIP)
		case used[a]:
			return apiErr("InvalidIPAddress.InUse", "Address %s is in use.", privateIP)
		}
		l.ips = []netip.Addr{a}
		return nil
	}
	for a := first; pfx.Contains(a) && a != last && int64(len(l.ips)) < maxC; a = a.Next() {
		if !used[a] {
			l.ips = append(l.ips, a)
		}
	}
	if int64(len(l.ips)) < minC {
		return apiErr("InsufficientFreeAddressesInSubnet", "There are not enough free addresses in subnet '%s' to satisfy the requested number of instances.", subnetID)
	}
	return nil
}

// lastAddr is the last address of an IPv4 prefix (its broadcast address).
func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Addr().As4()
	host := 32 - p.Bits()
	v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	v |= uint32(1)<<host - 1
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}

// ec2DNS names an address in a region's EC2 DNS: ip-10-0-0-5.ec2.internal
// (us-east-1) or ip-10-0-0-5.<region>.compute.internal, and the public
// ec2-…compute-1.amazonaws.com / ec2-….<region>.compute.amazonaws.com.
func ec2DNS(region string, a netip.Addr, public bool) string {
	dashed := strings.ReplaceAll(a.String(), ".", "-")
	switch {
	case public && region == "us-east-1":
		return "ec2-" + dashed + ".compute-1.amazonaws.com"
	case public:
		return "ec2-" + dashed + "." + region + ".compute.amazonaws.com"
	case region == "us-east-1":
		return "ip-" + dashed + ".ec2.internal"
	}
	return "ip-" + dashed + "." + region + ".compute.internal"
}

// publicAddress picks a public address for a new instance from
// 203.0.113.0/24 (TEST-NET-3, documentation addresses), one no instance of
// the region holds.
func publicAddress(t *tx, c *call, taken map[string]bool) (netip.Addr, bool) {
	for _, inst := range allInstances(t.get(regionKey(c, fileInstances))) {
		taken[strParam(inst, "PublicIpAddress")] = true
	}
	for i := 1; i < 255; i++ {
		a := netip.AddrFrom4([4]byte{203, 0, 113, byte(i)})
		if !taken[a.String()] {
			taken[a.String()] = true
			return a, true
		}
	}
	return netip.Addr{}, false
}

// reservation builds the launch's reservation as describes show it
// (running), and the RunInstances answer (pending).
func (l *launch) reservation(t *tx, c *call, now time.Time) (stored, answer map[string]any) {
	launchTime := now.Format("2006-01-02T15:04:05+00:00")
	image := l.image
	str := func(key, def string) string { return nonEmpty(strParam(image, key), def) }
	root := str("RootDeviceName", "/dev/xvda")
	subnetID, vpc := strParam(l.subnet, "SubnetId"), strParam(l.subnet, "VpcId")
	taken := map[string]bool{}
	var instances []any
	for i, ip := range l.ips {
		id := t.w.newID("i-")
		eniID := t.w.newID("eni-")
		mac := t.w.newID("")[:10]
		privDNS := ec2DNS(c.Region, ip, false)
		primary := map[string]any{"Primary": true, "PrivateDnsName": privDNS, "PrivateIpAddress": ip.String()}
		eni := map[string]any{
			"Attachment": map[string]any{
				"AttachTime": launchTime, "AttachmentId": t.w.newID("eni-attach-"), "DeleteOnTermination": true,
				"DeviceIndex": num(0), "Status": "attached", "NetworkCardIndex": num(0),
			},
			"Description":        strParam(l.eni, "Description"),
			"Groups":             deepCopy(l.groups),
			"Ipv6Addresses":      []any{},
			"MacAddress":         fmt.Sprintf("0e:%s:%s:%s:%s:%s", mac[0:2], mac[2:4], mac[4:6], mac[6:8], mac[8:10]),
			"NetworkInterfaceId": eniID,
			"OwnerId":            c.Account,
			"PrivateDnsName":     privDNS,
			"PrivateIpAddress":   ip.String(),
			"PrivateIpAddresses": []any{primary},
			"SourceDestCheck":    true,
			"Status":             "in-use",
			"SubnetId":           subnetID,
			"VpcId":              vpc,
			"InterfaceType":      "interface",
		}
		inst := map[string]any{
			"AmiLaunchIndex": num(int64(i)),
			"ImageId":        l.imageID,
			"InstanceId":     id,
			"InstanceType":   l.itype,
			"LaunchTime":     launchTime,
			"Monitoring":     map[string]any{"State": "disabled"},
			"Placement": map[string]any{
				"AvailabilityZone": strParam(l.subnet, "AvailabilityZone"), "GroupName": "", "Tenancy": "default",
			},
			"PrivateDnsName":        privDNS,
			"PrivateIpAddress":      ip.String(),
			"ProductCodes":          anyOrEmpty(list(image, "ProductCodes")),
			"PublicDnsName":         "",
			"State":                 deepCopy(stateRunning),
			"StateTransitionReason": "",
			"SubnetId":              subnetID,
			"VpcId":                 vpc,
			"Architecture":          str("Architecture", "x86_64"),
			"BlockDeviceMappings": []any{map[string]any{
				"DeviceName": root,
				"Ebs": map[string]any{
					"AttachTime": launchTime, "DeleteOnTermination": true, "Status": "attached", "VolumeId": t.w.newID("vol-"),
				},
			}},
			"ClientToken":                      l.clientToken,
			"EbsOptimized":                     c.Input["EbsOptimized"] == true,
			"EnaSupport":                       true,
			"Hypervisor":                       "xen",
			"NetworkInterfaces":                []any{eni},
			"RootDeviceName":                   root,
			"RootDeviceType":                   str("RootDeviceType", "ebs"),
			"SecurityGroups":                   deepCopy(l.groups),
			"SourceDestCheck":                  true,
			"VirtualizationType":               str("VirtualizationType", "hvm"),
			"CapacityReservationSpecification": map[string]any{"CapacityReservationPreference": "open"},
			"HibernationOptions":               map[string]any{"Configured": false},
			"MetadataOptions":                  metadataOptions(c.Input),
			"EnclaveOptions":                   map[string]any{"Enabled": false},
			"PlatformDetails":                  str("PlatformDetails", "Linux/UNIX"),
			"UsageOperation":                   str("UsageOperation", "RunInstances"),
			"UsageOperationUpdateTime":         launchTime,
			"PrivateDnsNameOptions": map[string]any{
				"HostnameType": "ip-name", "EnableResourceNameDnsARecord": false, "EnableResourceNameDnsAAAARecord": false,
			},
			"MaintenanceOptions": map[string]any{"AutoRecovery": "default"},
		}
		if mon, _ := c.Input["Monitoring"].(map[string]any); mon["Enabled"] == true {
			inst["Monitoring"] = map[string]any{"State": "enabled"}
		}
		if p := strParam(image, "Platform"); p != "" {
			inst["Platform"] = p
		}
		if l.keyName != "" {
			inst["KeyName"] = l.keyName
		}
		if l.profile != nil {
			inst["IamInstanceProfile"] = deepCopy(l.profile)
		}
		if tags := requestTags(c.Input, "instance"); len(tags) > 0 {
			inst["Tags"] = tags
		}
		if l.public {
			if pub, ok := publicAddress(t, c, taken); ok {
				assoc := map[string]any{"IpOwnerId": "amazon", "PublicDnsName": ec2DNS(c.Region, pub, true), "PublicIp": pub.String()}
				inst["PublicIpAddress"] = pub.String()
				inst["PublicDnsName"] = assoc["PublicDnsName"]
				eni["Association"] = assoc
				primary["Association"] = deepCopy(assoc)
			}
		}
		instances = append(instances, inst)
	}
	stored = map[string]any{"Groups": []any{}, "Instances": instances, "OwnerId": c.Account, "ReservationId": t.w.newID("r-")}
	answer, _ = deepCopy(stored).(map[string]any)
	for _, it := range list(answer, "Instances") {
		inst, _ := it.(map[string]any)
		inst["State"] = deepCopy(statePending)
		if mo, _ := inst["MetadataOptions"].(map[string]any); mo != nil {
			mo["State"] = "pending"
		}
	}
	return stored, answer
}

// metadataOptions are a new instance's metadata options: the request's
// where it sets them, AWS's defaults otherwise.
func metadataOptions(in map[string]any) map[string]any {
	req, _ := in["MetadataOptions"].(map[string]any)
	mo := map[string]any{
		"State": "applied", "HttpTokens": "optional", "HttpPutResponseHopLimit": num(1), "HttpEndpoint": "enabled",
		"HttpProtocolIpv6": "disabled", "InstanceMetadataTags": "disabled",
	}
	for _, k := range []string{"HttpTokens", "HttpEndpoint", "HttpProtocolIpv6", "InstanceMetadataTags"} {
		if v := strParam(req, k); v != "" {
			mo[k] = v
		}
	}
	if n, ok := intOf(req["HttpPutResponseHopLimit"]); ok {
		mo["HttpPutResponseHopLimit"] = num(n)
	}
	return mo
}
