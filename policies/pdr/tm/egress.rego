# METADATA
# title: Threat Manager appliances reach the Alert Logic data center
# description: |
#   Every path a Threat Manager appliance must open (updates, event transport, NTP, DNS
#   and HTTP, per the profile and the configured data center) is allowed by its security
#   groups, its subnet's network ACL and its route to the internet.
# custom:
#   id: PDR-TM-003
#   severity: high
#   resource_kind: appliance
#   remediation: add-security-group-rules
#   help: |
#     An appliance that cannot reach the Alert Logic data center neither receives updates
#     nor delivers the events it captures (TCP 4138, "event transport"): the VPC is
#     effectively unmonitored while everything looks deployed.
#
#     The required egress, for the US data center, is TCP 443 and TCP 4138 to
#     `204.110.218.96/27`, `204.110.219.96/27` and `208.71.209.32/27`; UDP 123 to the
#     last two; TCP and UDP 53 to `8.8.8.8` and `8.8.4.4`; TCP 80 to the internet (EU:
#     `185.54.124.0/24` instead of the US ranges). Each path must be allowed by the
#     appliance's security groups (egress), its subnet's network ACL (outbound, and
#     inbound for the replies on ephemeral ports) and a route to a NAT gateway, or to an
#     internet gateway when the appliance has a public IP.
#
#     **To fix:** the result names the first component that blocks. Add the missing
#     security group egress rule, or the network ACL entries (remove or renumber a
#     `deny` that comes first), or the default route.
package pdr.tm.egress

import data.pdr.lib
import rego.v1

# required is the profile's appliance egress for the configured data center.
required := data.profile.network.appliance_egress[lib.datacenter]

results contains lib.net_result(resource, checks, message) if {
	some id, resource in lib.appliance_resources
	checks := [lib.check(lib.path_label(e.proto, e.port, e.to), pdr.net.reach(id, e.to, e.proto, e.port)) |
		some e in required
	]
	message := sprintf("all %d required egress paths to the %s data center are allowed", [count(checks), lib.datacenter])
}
