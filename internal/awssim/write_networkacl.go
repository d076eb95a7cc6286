package awssim

import (
	"net/netip"
	"strconv"
	"strings"
)

// Network ACL writes: CreateNetworkAclEntry and DeleteNetworkAclEntry, on
// ec2/describe-network-acls. An ACL's entries are kept in DescribeNetworkAcls'
// order, egress entries first, each direction by rule number; a new entry
// takes its place in that order, so deleting it restores the document.

// naclProto normalizes a network ACL protocol as EC2 stores it: a number
// ("6" for tcp), or -1 for all.
func naclProto(p string) (string, bool) {
	switch p = strings.ToLower(strings.TrimSpace(p)); p {
	case "tcp":
		return "6", true
	case "udp":
		return "17", true
	case "icmp":
		return "1", true
	case "icmpv6":
		return "58", true
	case "all", "-1":
		return "-1", true
	}
	if n, err := strconv.Atoi(p); err == nil && n >= 0 && n <= 255 {
		return strconv.Itoa(n), true
	}
	return "", false
}

// naclEntryParams reads the entry a request names: its ACL, direction and
// rule number (1 to 32766; higher numbers are AWS's own).
func naclEntryParams(c *call) (aclID string, egress bool, rule int64, err *APIError) {
	aclID = strParam(c.Input, "NetworkAclId")
	if aclID == "" {
		return "", false, 0, missingParam("networkAclId")
	}
	egress, ok := c.Input["Egress"].(bool)
	if !ok {
		return "", false, 0, missingParam("egress")
	}
	rule, ok = intParam(c.Input, "RuleNumber")
	if !ok {
		return "", false, 0, missingParam("ruleNumber")
	}
	if rule < 1 || rule > 32766 {
		return "", false, 0, apiErr("InvalidParameterValue", "Value (%d) for parameter ruleNumber is invalid. Rule numbers must be between 1 and 32766.", rule)
	}
	return aclID, egress, rule, nil
}

// findACL finds a network ACL of the call's region.
func findACL(t *tx, c *call, id string) (map[string]any, *APIError) {
	if _, acl := find(t.get(regionKey(c, fileNetworkACLs)), "NetworkAcls", "NetworkAclId", id); acl != nil {
		return acl, nil
	}
	p := ec2Lists["DescribeNetworkAcls"].IDs
	return nil, apiErr(p.NotFound, "%s", p.message(id))
}

// aclEntryIndex returns the index of an ACL's entry, or -1.
func aclEntryIndex(acl map[string]any, egress bool, rule int64) int {
	for i, e := range list(acl, "Entries") {
		entry, _ := e.(map[string]any)
		n, _ := intOf(entry["RuleNumber"])
		if eg, _ := entry["Egress"].(bool); eg == egress && n == rule {
			return i
		}
	}
	return -1
}

func direction(egress bool) string {
	if egress {
		return "egress"
	}
	return "ingress"
}

// createNetworkACLEntry adds a numbered rule to one direction of an ACL.
func createNetworkACLEntry(s *Server, c *call) (map[string]any, *APIError) {
	aclID, egress, rule, err := naclEntryParams(c)
	if err != nil {
		return nil, err
	}
	entry, err := naclEntry(c, egress, rule)
	if err != nil {
		return nil, err
	}
	err = s.world.write(func(t *tx) *APIError {
		if _, err := findACL(t, c, aclID); err != nil {
			return err
		}
		if err := checkDryRun(c); err != nil {
			return err
		}
		_, acl := find(t.edit(regionKey(c, fileNetworkACLs)), "NetworkAcls", "NetworkAclId", aclID)
		if aclEntryIndex(acl, egress, rule) >= 0 {
			return apiErr("NetworkAclEntryAlreadyExists", "The network acl entry identified by %d already exists.", rule)
		}
		entries := list(acl, "Entries")
		at := len(entries)
		for i, e := range entries {
			other, _ := e.(map[string]any)
			oe, _ := other["Egress"].(bool)
			n, _ := intOf(other["RuleNumber"])
			if (egress && !oe) || (oe == egress && n > rule) {
				at = i
				break
			}
		}
		grown := make([]any, 0, len(entries)+1)
		grown = append(append(append(grown, entries[:at]...), entry), entries[at:]...)
		acl["Entries"] = grown
		return nil
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{}, nil
}

// naclEntry validates a CreateNetworkAclEntry request and builds the entry
// as DescribeNetworkAcls shows it.
func naclEntry(c *call, egress bool, rule int64) (map[string]any, *APIError) {
	in := c.Input
	raw := strParam(in, "Protocol")
	if raw == "" {
		return nil, missingParam("protocol")
	}
	proto, ok := naclProto(raw)
	if !ok {
		return nil, apiErr("InvalidParameterValue", "Invalid value '%s' for protocol.", raw)
	}
	action := strParam(in, "RuleAction")
	if action == "" {
		return nil, missingParam("ruleAction")
	}
	if action != "allow" && action != "deny" {
		return nil, apiErr("InvalidParameterValue", "Value (%s) for parameter ruleAction is invalid. Expected allow or deny.", action)
	}
	entry := map[string]any{"Egress": egress, "Protocol": proto, "RuleAction": action, "RuleNumber": num(rule)}
	cidr, cidr6 := strParam(in, "CidrBlock"), strParam(in, "Ipv6CidrBlock")
	switch {
	case cidr == "" && cidr6 == "":
		return nil, apiErr("MissingParameter", "The request must contain the parameter cidrBlock or ipv6CidrBlock")
	case cidr != "" && cidr6 != "":
		return nil, apiErr("InvalidParameterCombination", "The parameter cidrBlock cannot be used with the parameter ipv6CidrBlock")
	case cidr != "":
		if p, err := netip.ParsePrefix(cidr); err != nil || !p.Addr().Is4() {
			return nil, apiErr("InvalidParameterValue", "Value (%s) for parameter cidrBlock is invalid. This is not a valid CIDR block.", cidr)
		}
		entry["CidrBlock"] = cidr
	default:
		if p, err := netip.ParsePrefix(cidr6); err != nil || p.Addr().Is4() {
			return nil, apiErr("InvalidParameterValue", "Value (%s) for parameter ipv6CidrBlock is invalid. This is not a valid IPv6 CIDR block.", cidr6)
		}
		entry["Ipv6CidrBlock"] = cidr6
	}
	switch proto {
	case "6", "17":
		pr, _ := in["PortRange"].(map[string]any)
		from, okF := intOf(pr["From"])
		to, okT := intOf(pr["To"])
		if !okF || !okT {
			return nil, missingParam("portRange")
		}
		if from < 0 || to > 65535 || from > to {
			return nil, apiErr("InvalidParameterValue", "Invalid value '%d-%d' for portRange. Must be a range of ports from 0 to 65535.", from, to)
		}
		entry["PortRange"] = map[string]any{"From": num(from), "To": num(to)}
	case "1", "58":
		ic, _ := in["IcmpTypeCode"].(map[string]any)
		typ, okT := intOf(ic["Type"])
		code, okC := intOf(ic["Code"])
		if !okT || !okC {
			return nil, missingParam("icmpTypeCode")
		}
		entry["IcmpTypeCode"] = map[string]any{"Code": num(code), "Type": num(typ)}
	}
	return entry, nil
}

// deleteNetworkACLEntry removes a numbered rule from one direction of an ACL.
func deleteNetworkACLEntry(s *Server, c *call) (map[string]any, *APIError) {
	aclID, egress, rule, err := naclEntryParams(c)
	if err != nil {
		return nil, err
	}
	err = s.world.write(func(t *tx) *APIError {
		acl, err := findACL(t, c, aclID)
		if err != nil {
			return err
		}
		if aclEntryIndex(acl, egress, rule) < 0 {
			return apiErr("InvalidNetworkAclEntry.NotFound", "no %s entry with number %d", direction(egress), rule)
		}
		if err := checkDryRun(c); err != nil {
			return err
		}
		_, acl = find(t.edit(regionKey(c, fileNetworkACLs)), "NetworkAcls", "NetworkAclId", aclID)
		acl["Entries"] = removeAt(list(acl, "Entries"), aclEntryIndex(acl, egress, rule))
		return nil
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{}, nil
}
