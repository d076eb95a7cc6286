# METADATA
# title: Monitored instances reach the SSM endpoints
# description: |
#   TCP 443 from every monitored instance reaches SSM's ssm, ec2messages and ssmmessages
#   endpoints of its region, over the internet (NAT gateway, or public IP and internet
#   gateway) or through interface VPC endpoints.
# custom:
#   id: PDR-SSM-002
#   severity: high
#   resource_kind: monitored-instance
#   remediation: create-ssm-endpoints
#   help: |
#     The SSM Agent only makes outbound HTTPS connections, to three endpoints of the
#     instance's region: `ssm`, `ec2messages` and `ssmmessages`. It reaches them either
#     over the internet (a NAT gateway, or a public IP and an internet gateway), or
#     privately through interface VPC endpoints
#     `com.amazonaws.<region>.{ssm,ec2messages,ssmmessages}` with private DNS enabled,
#     whose security group admits TCP 443 from the instance. No inbound rule is needed.
#
#     **To fix:** the result names the first component that blocks. In a private VPC,
#     create the three interface endpoints (with private DNS) in the instance's subnets
#     with a security group admitting TCP 443 from the VPC; otherwise allow TCP 443 out
#     in the security group and network ACL and route 0.0.0.0/0 to a NAT gateway.
package pdr.ssm.endpoints

import data.pdr.lib
import rego.v1

services := data.profile.network.ssm_services

# The checks run once per class of instances (see lib.class_of).
results contains lib.rebase_result(by_class[class], lib.class_representatives[class], id) if {
	some id, class in lib.class_of
}

by_class := {class: lib.net_result(lib.instance_resource(lib.instances[rep]), checks, message) |
	some class, rep in lib.class_representatives
	checks := [lib.check(lib.path_label("tcp", 443, to), pdr.net.reach(rep, to, "tcp", 443)) |
		some s in services
		to := concat("", ["service:", s])
	]
}

message := sprintf("tcp/443 reaches the %s endpoints", [concat(", ", services)])
