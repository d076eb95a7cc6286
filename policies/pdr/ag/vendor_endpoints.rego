# METADATA
# title: Monitored instances reach the PDR agents' vendor endpoints
# description: |
#   TCP 443 from every monitored instance reaches the cloud endpoints of the PDR agents
#   listed by the profile: Alert Logic, CrowdStrike and Rapid7 (for the configured
#   Rapid7 region).
# custom:
#   id: PDR-AG-002
#   severity: medium
#   resource_kind: monitored-instance
#   remediation: add-security-group-rules
#   help: |
#     Besides the appliance, the PDR agents talk to their vendors' clouds over HTTPS:
#     Alert Logic (`vaporator.alertlogic.com`), the CrowdStrike endpoint addresses listed
#     in Rackspace's agent networking page, and Rapid7's endpoints for your Rapid7
#     region. Hostnames are checked as "TCP 443 to the internet".
#
#     The path must be allowed by the instance's security groups (egress), its subnet's
#     network ACL (outbound, and inbound for the replies) and a route to a NAT gateway,
#     or to an internet gateway when the instance has a public IP.
#
#     **To fix:** the result names the first component that blocks: add the security
#     group egress rule (TCP 443 to 0.0.0.0/0 covers every endpoint), the network ACL
#     entries, or a default route to a NAT gateway.
package pdr.ag.vendor_endpoints

import data.pdr.lib
import rego.v1

# endpoints are the profile's vendor endpoints and the configured region's
# Rapid7 endpoints, each {name, proto, port, to}.
endpoints := array.concat(
	[_endpoint(e) | some e in data.profile.network.agent_vendor_endpoints],
	[_endpoint(e) | some e in object.get(data.profile.network.rapid7, lib.rapid7_region, [])],
)

_endpoint(e) := {
	"name": e.name,
	"proto": object.get(e, "proto", "tcp"),
	"port": object.get(e, "port", 443),
	"to": e.to,
}

# The paths leave the VPC, so they are evaluated once per network position
# (see lib.position_of).
results contains lib.rebase_result(by_position[lib.position_of[id]], lib.position_representatives[lib.position_of[id]], id) if {
	some id in lib.monitored_ids
}

by_position := {position: lib.net_result(lib.instance_resource(lib.instances[rep]), checks, message) |
	some position, rep in lib.position_representatives
	checks := [lib.check(_label(e), pdr.net.reach(rep, e.to, e.proto, e.port)) | some e in endpoints]
}

message := sprintf("%s reaches all %d vendor endpoints", [lib.proto_label("tcp", 443), count(endpoints)])

_label(e) := sprintf("%s (%s)", [lib.path_label(e.proto, e.port, e.to), e.name])
