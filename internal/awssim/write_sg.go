package awssim

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// Security group writes: AuthorizeSecurityGroupIngress/Egress,
// RevokeSecurityGroupIngress/Egress, CreateSecurityGroup and
// DeleteSecurityGroup, on ec2/describe-security-groups.
//
// A group's rules are kept as DescribeSecurityGroups shows them: one
// IpPermission per protocol and port range, its sources (IpRanges,
// Ipv6Ranges, PrefixListIds, UserIdGroupPairs) merged. A rule is one source
// of one permission; authorizing appends it to its permission (or a new
// permission at the end), revoking removes it (and a permission left with
// no source), so revoking what was authorized restores the document
// exactly.

// The lists of an IpPermission that hold a rule's source.
const (
	peerCidr4  = "IpRanges"
	peerCidr6  = "Ipv6Ranges"
	peerPrefix = "PrefixListIds"
	peerGroup  = "UserIdGroupPairs"
)

var peerKinds = []string{peerCidr4, peerCidr6, peerPrefix, peerGroup}

// sgRule is one security group rule: a protocol, a port range and one
// source (or destination).
type sgRule struct {
	Proto    string // normalized: tcp, udp, icmp, icmpv6, -1 or a number
	From, To *int64 // nil for protocols without ports
	Kind     string // peerCidr4, peerCidr6, peerPrefix or peerGroup
	Peer     string // the CIDR, prefix list id or group id
	User     string // the group's owner (peerGroup)
	Desc     string
}

// key identifies a rule as AWS matches rules: the description aside.
func (r sgRule) key() string {
	return r.Proto + "|" + portText(r.From) + "|" + portText(r.To) + "|" + r.Kind + "|" + r.Peer
}

func portText(p *int64) string {
	if p == nil {
		return ""
	}
	return strconv.FormatInt(*p, 10)
}

// String words a rule as EC2's InvalidPermission.Duplicate message does,
// e.g. peer: sg-8b3b99f3, TCP, from port: 0, to port: 65535, ALLOW.
func (r sgRule) String() string {
	switch {
	case r.Proto == "-1":
		return fmt.Sprintf("peer: %s, ALL, ALLOW", r.Peer)
	case r.Proto == "icmp" || r.Proto == "icmpv6":
		return fmt.Sprintf("peer: %s, %s, type: %s, code: %s, ALLOW", r.Peer, strings.ToUpper(r.Proto), portText(r.From), portText(r.To))
	case r.From != nil:
		return fmt.Sprintf("peer: %s, %s, from port: %s, to port: %s, ALLOW", r.Peer, strings.ToUpper(r.Proto), portText(r.From), portText(r.To))
	}
	return fmt.Sprintf("peer: %s, %s, ALLOW", r.Peer, strings.ToUpper(r.Proto))
}

// peerDoc is the rule's source as an item of its permission's list.
func (r sgRule) peerDoc() map[string]any {
	m := map[string]any{}
	switch r.Kind {
	case peerCidr4:
		m["CidrIp"] = r.Peer
	case peerCidr6:
		m["CidrIpv6"] = r.Peer
	case peerPrefix:
		m["PrefixListId"] = r.Peer
	case peerGroup:
		m["GroupId"] = r.Peer
		m["UserId"] = r.User
	}
	if r.Desc != "" {
		m["Description"] = r.Desc
	}
	return m
}

// peerOf reads the source of a list item of kind.
func peerOf(kind string, item map[string]any) string {
	switch kind {
	case peerCidr4:
		return strParam(item, "CidrIp")
	case peerCidr6:
		return strParam(item, "CidrIpv6")
	case peerPrefix:
		return strParam(item, "PrefixListId")
	}
	return strParam(item, "GroupId")
}

// normProto normalizes an IP protocol as EC2 stores it: names for TCP, UDP,
// ICMP and ICMPv6 (also given by number), -1 for all, other numbers as
// they are.
func normProto(p string) (string, bool) {
	p = strings.ToLower(strings.TrimSpace(p))
	switch p {
	case "tcp", "6":
		return "tcp", true
	case "udp", "17":
		return "udp", true
	case "icmp", "1":
		return "icmp", true
	case "icmpv6", "58":
		return "icmpv6", true
	case "-1", "all":
		return "-1", true
	}
	if n, err := strconv.Atoi(p); err == nil && n >= 0 && n <= 255 {
		return strconv.Itoa(n), true
	}
	return "", false
}

// permPorts reads a permission's ports for its protocol: TCP and UDP need
// both, ICMP's are a type and a code (-1 for any), other protocols have
// none (AWS allows every port and shows none).
func permPorts(proto string, perm map[string]any, strict bool) (from, to *int64, err *APIError) {
	f, hasF := intOf(perm["FromPort"])
	t, hasT := intOf(perm["ToPort"])
	switch proto {
	case "tcp", "udp":
		if !hasF || !hasT {
			if strict {
				return nil, nil, apiErr("InvalidParameterValue", "Invalid value 'Must specify both from and to ports with TCP/UDP.' for portRange")
			}
			return nil, nil, nil
		}
		if strict && (f < 0 || t > 65535 || f > t) {
			return nil, nil, apiErr("InvalidParameterValue", "Invalid value '%d-%d' for portRange. Must be a range of ports from 0 to 65535.", f, t)
		}
	case "icmp", "icmpv6":
		if !hasF {
			f = -1
		}
		if !hasT {
			t = -1
		}
		if strict && (f < -1 || f > 255 || t < -1 || t > 255) {
			return nil, nil, apiErr("InvalidParameterValue", "Invalid value '%d,%d' for ICMP type and code.", f, t)
		}
	default:
		return nil, nil, nil
	}
	return &f, &t, nil
}

// permRules lists the rules of a permission as a document holds it.
func permRules(perm map[string]any) []sgRule {
	proto, ok := normProto(scalarString(perm["IpProtocol"]))
	if !ok {
		proto = scalarString(perm["IpProtocol"])
	}
	from, to, _ := permPorts(proto, perm, false)
	var rules []sgRule
	for _, kind := range peerKinds {
		for _, it := range list(perm, kind) {
			item, _ := it.(map[string]any)
			rules = append(rules, sgRule{Proto: proto, From: from, To: to, Kind: kind,
				Peer: peerOf(kind, item), User: strParam(item, "UserId"), Desc: strParam(item, "Description")})
		}
	}
	return rules
}

// groupRules lists a group's rules of one direction.
func groupRules(group map[string]any, listKey string) []sgRule {
	var rules []sgRule
	for _, p := range list(group, listKey) {
		perm, _ := p.(map[string]any)
		rules = append(rules, permRules(perm)...)
	}
	return rules
}

// samePorts reports whether a permission of a document holds rules of r's
// protocol and port range.
func samePorts(perm map[string]any, r sgRule) bool {
	proto, ok := normProto(scalarString(perm["IpProtocol"]))
	if !ok || proto != r.Proto {
		return false
	}
	from, to, _ := permPorts(proto, perm, false)
	return portText(from) == portText(r.From) && portText(to) == portText(r.To)
}

// addRule adds a rule to a list of permissions, merged into the permission
// of its protocol and ports.
func addRule(perms []any, r sgRule) []any {
	for _, p := range perms {
		perm, _ := p.(map[string]any)
		if perm != nil && samePorts(perm, r) {
			perm[r.Kind] = append(list(perm, r.Kind), r.peerDoc())
			return perms
		}
	}
	perm := map[string]any{"IpProtocol": r.Proto}
	for _, kind := range peerKinds {
		perm[kind] = []any{}
	}
	if r.From != nil {
		perm["FromPort"] = num(*r.From)
		perm["ToPort"] = num(*r.To)
	}
	perm[r.Kind] = []any{r.peerDoc()}
	return append(perms, perm)
}

// removeRule removes a rule from a list of permissions, and the permission
// when it has no source left.
func removeRule(perms []any, r sgRule) []any {
	for i, p := range perms {
		perm, _ := p.(map[string]any)
		if perm == nil || !samePorts(perm, r) {
			continue
		}
		items := list(perm, r.Kind)
		for j, it := range items {
			item, _ := it.(map[string]any)
			if peerOf(r.Kind, item) != r.Peer {
				continue
			}
			perm[r.Kind] = removeAt(items, j)
			for _, kind := range peerKinds {
				if len(list(perm, kind)) > 0 {
					return perms
				}
			}
			return removeAt(perms, i)
		}
	}
	return perms
}

// ruleID is a rule's sgr- id. It is derived from the rule, so the id
// AuthorizeSecurityGroup* answers names the rule for RevokeSecurityGroup*'s
// SecurityGroupRuleIds, and rules already in the estate have ids too.
func ruleID(c *call, groupID string, egress bool, r sgRule) string {
	sum := sha256.Sum256([]byte(c.Account + "/" + c.Region + "/" + groupID + "/" + strconv.FormatBool(egress) + "/" + r.key()))
	return "sgr-" + hex.EncodeToString(sum[:])[:17]
}

// ruleDoc is a rule as a SecurityGroupRule of the Authorize answers.
func ruleDoc(c *call, groupID string, egress bool, r sgRule, tags []any) map[string]any {
	from, to := int64(-1), int64(-1)
	if r.From != nil {
		from, to = *r.From, *r.To
	}
	m := map[string]any{
		"SecurityGroupRuleId": ruleID(c, groupID, egress, r),
		"GroupId":             groupID,
		"GroupOwnerId":        c.Account,
		"IsEgress":            egress,
		"IpProtocol":          r.Proto,
		"FromPort":            num(from),
		"ToPort":              num(to),
	}
	switch r.Kind {
	case peerCidr4:
		m["CidrIpv4"] = r.Peer
	case peerCidr6:
		m["CidrIpv6"] = r.Peer
	case peerPrefix:
		m["PrefixListId"] = r.Peer
	case peerGroup:
		m["ReferencedGroupInfo"] = map[string]any{"GroupId": r.Peer, "UserId": r.User}
	}
	if r.Desc != "" {
		m["Description"] = r.Desc
	}
	if len(tags) > 0 {
		m["Tags"] = tags
	}
	return m
}

// permListKey is the member of a group holding one direction's rules.
func permListKey(egress bool) string {
	if egress {
		return "IpPermissionsEgress"
	}
	return "IpPermissions"
}

// findGroup finds the group a request names by GroupId, or by GroupName
// in the default VPC (as EC2 resolves names).
func findGroup(t *tx, c *call) (map[string]any, *APIError) {
	doc := t.get(regionKey(c, fileSecurityGroups))
	if id := strParam(c.Input, "GroupId"); id != "" {
		if _, g := find(doc, "SecurityGroups", "GroupId", id); g != nil {
			return g, nil
		}
		return nil, apiErr("InvalidGroup.NotFound", "The security group '%s' does not exist", id)
	}
	name := strParam(c.Input, "GroupName")
	if name == "" {
		return nil, apiErr("MissingParameter", "The request must contain the parameter groupName or groupId")
	}
	vpc := defaultVpc(t, c)
	for _, it := range list(doc, "SecurityGroups") {
		g, _ := it.(map[string]any)
		if vpc != "" && strParam(g, "GroupName") == name && strParam(g, "VpcId") == vpc {
			return g, nil
		}
	}
	return nil, apiErr("InvalidGroup.NotFound", "The security group '%s' does not exist in default VPC '%s'", name, nonEmpty(vpc, "none"))
}

// requestPermissions returns the request's IpPermissions, with the legacy
// top-level members (IpProtocol, FromPort, ToPort, CidrIp,
// SourceSecurityGroupName) as one more permission.
func requestPermissions(in map[string]any) []any {
	perms := list(in, "IpPermissions")
	cidr, src := strParam(in, "CidrIp"), strParam(in, "SourceSecurityGroupName")
	if cidr == "" && src == "" {
		return perms
	}
	p := map[string]any{"IpProtocol": nonEmpty(strParam(in, "IpProtocol"), "-1")}
	for _, k := range []string{"FromPort", "ToPort"} {
		if v, ok := in[k]; ok {
			p[k] = v
		}
	}
	if cidr != "" {
		p[peerCidr4] = []any{map[string]any{"CidrIp": cidr}}
	}
	if src != "" {
		p[peerGroup] = []any{map[string]any{"GroupName": src, "UserId": strParam(in, "SourceSecurityGroupOwnerId")}}
	}
	return append(append([]any{}, perms...), p)
}

// requestRules validates the request's permissions and lists their rules:
// protocols and ports must be valid, CIDRs well formed, and the prefix
// lists and groups they name must exist.
func requestRules(t *tx, c *call, group map[string]any) ([]sgRule, *APIError) {
	var rules []sgRule
	for _, p := range requestPermissions(c.Input) {
		perm, _ := p.(map[string]any)
		raw := scalarString(perm["IpProtocol"])
		if raw == "" {
			return nil, missingParam("ipPermissions.ipProtocol")
		}
		proto, ok := normProto(raw)
		if !ok {
			return nil, apiErr("InvalidParameterValue", "Invalid value '%s' for IP protocol. Unknown protocol.", raw)
		}
		from, to, err := permPorts(proto, perm, true)
		if err != nil {
			return nil, err
		}
		before := len(rules)
		for _, kind := range peerKinds {
			for _, it := range list(perm, kind) {
				item, _ := it.(map[string]any)
				r := sgRule{Proto: proto, From: from, To: to, Kind: kind, Desc: strParam(item, "Description")}
				if r.Peer, r.User, err = requestPeer(t, c, group, kind, item); err != nil {
					return nil, err
				}
				rules = append(rules, r)
			}
		}
		if len(rules) == before {
			return nil, apiErr("InvalidParameterValue", "Each IpPermission needs a source or destination: IpRanges, Ipv6Ranges, PrefixListIds or UserIdGroupPairs.")
		}
	}
	return rules, nil
}

// requestPeer validates one source of a request's permission and returns
// it (and, for a group, its owner).
func requestPeer(t *tx, c *call, group map[string]any, kind string, item map[string]any) (peer, user string, err *APIError) {
	switch kind {
	case peerCidr4, peerCidr6:
		cidr := peerOf(kind, item)
		pfx, perr := netip.ParsePrefix(cidr)
		if perr != nil || pfx.Addr().Is4() != (kind == peerCidr4) {
			return "", "", apiErr("InvalidParameterValue", "CIDR block %s is malformed", cidr)
		}
		return cidr, "", nil
	case peerPrefix:
		id := strParam(item, "PrefixListId")
		if _, pl := find(t.get(regionKey(c, filePrefixLists)), "PrefixLists", "PrefixListId", id); pl != nil {
			return id, "", nil
		}
		if t.get(regionKey(c, "ec2/get-managed-prefix-list-entries/"+id)) != nil {
			return id, "", nil
		}
		return "", "", apiErr("InvalidPrefixListID.NotFound", "The prefix list ID '%s' does not exist", id)
	}
	user = nonEmpty(strParam(item, "UserId"), c.Account)
	id, name := strParam(item, "GroupId"), strParam(item, "GroupName")
	if user != c.Account {
		// Another account's group: nothing here can check it.
		if id == "" {
			return "", "", missingParam("groupId")
		}
		return id, user, nil
	}
	doc := t.get(regionKey(c, fileSecurityGroups))
	if id != "" {
		if _, g := find(doc, "SecurityGroups", "GroupId", id); g != nil {
			return id, user, nil
		}
		return "", "", apiErr("InvalidGroup.NotFound", "The security group '%s' does not exist", id)
	}
	vpc := strParam(group, "VpcId")
	for _, it := range list(doc, "SecurityGroups") {
		g, _ := it.(map[string]any)
		if strParam(g, "GroupName") == name && strParam(g, "VpcId") == vpc {
			return strParam(g, "GroupId"), user, nil
		}
	}
	return "", "", apiErr("InvalidGroup.NotFound", "The security group '%s' does not exist in VPC '%s'", name, vpc)
}

func authorizeIngress(s *Server, c *call) (map[string]any, *APIError) { return authorize(s, c, false) }
func authorizeEgress(s *Server, c *call) (map[string]any, *APIError)  { return authorize(s, c, true) }
func revokeIngress(s *Server, c *call) (map[string]any, *APIError)    { return revoke(s, c, false) }
func revokeEgress(s *Server, c *call) (map[string]any, *APIError)     { return revoke(s, c, true) }

// authorize adds rules to a group. A rule the group already has (or the
// request repeats) fails the whole request with InvalidPermission.Duplicate.
func authorize(s *Server, c *call, egress bool) (map[string]any, *APIError) {
	var out map[string]any
	err := s.world.write(func(t *tx) *APIError {
		group, err := findGroup(t, c)
		if err != nil {
			return err
		}
		rules, err := requestRules(t, c, group)
		if err != nil {
			return err
		}
		if len(rules) == 0 {
			return missingParam("ipPermissions")
		}
		if err := checkDryRun(c); err != nil {
			return err
		}
		listKey := permListKey(egress)
		have := map[string]bool{}
		for _, r := range groupRules(group, listKey) {
			have[r.key()] = true
		}
		for _, r := range rules {
			if have[r.key()] {
				return apiErr("InvalidPermission.Duplicate", "the specified rule %q already exists", r.String())
			}
			have[r.key()] = true
		}
		groupID := strParam(group, "GroupId")
		_, g := find(t.edit(regionKey(c, fileSecurityGroups)), "SecurityGroups", "GroupId", groupID)
		perms := list(g, listKey)
		tags := requestTags(c.Input, "security-group-rule")
		created := make([]any, 0, len(rules))
		for _, r := range rules {
			perms = addRule(perms, r)
			created = append(created, ruleDoc(c, groupID, egress, r, tags))
		}
		g[listKey] = perms
		out = map[string]any{"Return": true, "SecurityGroupRules": created}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// revoke removes rules from a group, named by their properties or by
// SecurityGroupRuleIds. A rule the group does not have fails the request
// with InvalidPermission.NotFound, except in the default VPC, where AWS
// revokes the others and lists the unknown ones in UnknownIpPermissions.
func revoke(s *Server, c *call, egress bool) (map[string]any, *APIError) {
	var out map[string]any
	err := s.world.write(func(t *tx) *APIError {
		group, err := findGroup(t, c)
		if err != nil {
			return err
		}
		rules, err := requestRules(t, c, group)
		if err != nil {
			return err
		}
		groupID := strParam(group, "GroupId")
		listKey := permListKey(egress)
		existing := groupRules(group, listKey)
		if ids := strList(c.Input, "SecurityGroupRuleIds"); len(ids) > 0 {
			byID := map[string]sgRule{}
			for _, r := range existing {
				byID[ruleID(c, groupID, egress, r)] = r
			}
			for _, id := range ids {
				r, ok := byID[id]
				if !ok {
					return apiErr("InvalidSecurityGroupRuleId.NotFound", "The security group rule ID '%s' does not exist", id)
				}
				rules = append(rules, r)
			}
		}
		if len(rules) == 0 {
			return missingParam("ipPermissions")
		}
		have := map[string]bool{}
		for _, r := range existing {
			have[r.key()] = true
		}
		var known []sgRule
		var unknown []any
		for _, r := range rules {
			if have[r.key()] {
				known = append(known, r)
			} else {
				unknown = addRule(unknown, r)
			}
		}
		if len(unknown) > 0 && !isDefaultVpc(t, c, strParam(group, "VpcId")) {
			return apiErr("InvalidPermission.NotFound", "The specified rule does not exist in this security group.")
		}
		if err := checkDryRun(c); err != nil {
			return err
		}
		if len(known) > 0 {
			_, g := find(t.edit(regionKey(c, fileSecurityGroups)), "SecurityGroups", "GroupId", groupID)
			perms := list(g, listKey)
			for _, r := range known {
				perms = removeRule(perms, r)
			}
			g[listKey] = perms
		}
		out = map[string]any{"Return": true}
		if len(unknown) > 0 {
			out["UnknownIpPermissions"] = unknown
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// createSecurityGroup creates a group in a VPC (the default VPC when none
// is named) with AWS's default egress rule, which allows all traffic.
func createSecurityGroup(s *Server, c *call) (map[string]any, *APIError) {
	name, desc := strParam(c.Input, "GroupName"), strParam(c.Input, "Description")
	switch {
	case name == "":
		return nil, missingParam("GroupName")
	case desc == "":
		return nil, missingParam("GroupDescription")
	case strings.HasPrefix(name, "sg-"):
		return nil, apiErr("InvalidParameterValue", "Value (%s) for parameter GroupName is invalid. Group names may not be in the format sg-*.", name)
	case name == "default":
		return nil, apiErr("InvalidGroup.Reserved", "The security group 'default' is reserved")
	}
	var out map[string]any
	err := s.world.write(func(t *tx) *APIError {
		vpc := strParam(c.Input, "VpcId")
		if vpc == "" {
			if vpc = defaultVpc(t, c); vpc == "" {
				return apiErr("VPCIdNotSpecified", "No default VPC for this user")
			}
		} else if _, v := find(t.get(regionKey(c, fileVpcs)), "Vpcs", "VpcId", vpc); v == nil {
			return apiErr("InvalidVpcID.NotFound", "The vpc ID '%s' does not exist", vpc)
		}
		if err := checkDryRun(c); err != nil {
			return err
		}
		key := regionKey(c, fileSecurityGroups)
		for _, it := range list(t.get(key), "SecurityGroups") {
			g, _ := it.(map[string]any)
			if strParam(g, "GroupName") == name && strParam(g, "VpcId") == vpc {
				return apiErr("InvalidGroup.Duplicate", "The security group '%s' already exists for VPC '%s'", name, vpc)
			}
		}
		id := t.w.newID("sg-")
		group := map[string]any{
			"Description":   desc,
			"GroupName":     name,
			"IpPermissions": []any{},
			"OwnerId":       c.Account,
			"GroupId":       id,
			"IpPermissionsEgress": []any{map[string]any{
				"IpProtocol": "-1", "IpRanges": []any{map[string]any{"CidrIp": "0.0.0.0/0"}},
				"Ipv6Ranges": []any{}, "PrefixListIds": []any{}, "UserIdGroupPairs": []any{},
			}},
			"VpcId": vpc,
		}
		out = map[string]any{"GroupId": id}
		if tags := requestTags(c.Input, "security-group"); len(tags) > 0 {
			group["Tags"] = tags
			out["Tags"] = deepCopy(tags)
		}
		doc := t.edit(key)
		doc["SecurityGroups"] = append(list(doc, "SecurityGroups"), group)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// deleteSecurityGroup deletes a group nothing uses: no instance or network
// interface, no VPC endpoint, no other group's rule.
func deleteSecurityGroup(s *Server, c *call) (map[string]any, *APIError) {
	err := s.world.write(func(t *tx) *APIError {
		group, err := findGroup(t, c)
		if err != nil {
			return err
		}
		id := strParam(group, "GroupId")
		if strParam(group, "GroupName") == "default" {
			return apiErr("CannotDelete", "the specified group: %q name: \"default\" cannot be deleted by a user", id)
		}
		if err := checkDryRun(c); err != nil {
			return err
		}
		if groupInUse(t, c, id) {
			return apiErr("DependencyViolation", "resource %s has a dependent object", id)
		}
		key := regionKey(c, fileSecurityGroups)
		doc := t.edit(key)
		i, _ := find(doc, "SecurityGroups", "GroupId", id)
		doc["SecurityGroups"] = removeAt(list(doc, "SecurityGroups"), i)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{}, nil
}

// groupInUse reports whether an instance that is not terminated (or its
// network interfaces), a VPC endpoint or another group's rule uses a group.
func groupInUse(t *tx, c *call, id string) bool {
	hasGroup := func(groups []any) bool {
		for _, g := range groups {
			obj, _ := g.(map[string]any)
			if strParam(obj, "GroupId") == id {
				return true
			}
		}
		return false
	}
	for _, inst := range allInstances(t.get(regionKey(c, fileInstances))) {
		if instanceGone(inst) {
			continue
		}
		if hasGroup(list(inst, "SecurityGroups")) {
			return true
		}
		for _, n := range list(inst, "NetworkInterfaces") {
			eni, _ := n.(map[string]any)
			if hasGroup(list(eni, "Groups")) {
				return true
			}
		}
	}
	for _, e := range list(t.get(regionKey(c, fileVpcEndpoints)), "VpcEndpoints") {
		ep, _ := e.(map[string]any)
		if hasGroup(list(ep, "Groups")) {
			return true
		}
	}
	for _, it := range list(t.get(regionKey(c, fileSecurityGroups)), "SecurityGroups") {
		g, _ := it.(map[string]any)
		if strParam(g, "GroupId") == id {
			continue
		}
		for _, listKey := range []string{"IpPermissions", "IpPermissionsEgress"} {
			for _, r := range groupRules(g, listKey) {
				if r.Kind == peerGroup && r.Peer == id {
					return true
				}
			}
		}
	}
	return false
}
