# METADATA
# title: Monitored instances are registered with SSM and online
# description: |
#   Every monitored instance appears in SSM's DescribeInstanceInformation with
#   PingStatus Online.
# custom:
#   id: PDR-SSM-001
#   severity: high
#   resource_kind: monitored-instance
#   remediation: manual
#   help: |
#     Rackspace installs and manages the PDR agents through AWS Systems Manager. An
#     instance SSM does not list, or lists as `ConnectionLost` or `Inactive`, cannot
#     receive the agents or their updates.
#
#     An instance registers when three things hold: the SSM Agent is installed and
#     running (it is preinstalled on Amazon Linux, Ubuntu and Windows AMIs, not on
#     RHEL or CentOS), it can reach the SSM endpoints over HTTPS (PDR-SSM-002), and it
#     has permission (PDR-SSM-003).
#
#     **To fix:** fix PDR-SSM-002 and PDR-SSM-003 first; then install or restart the SSM
#     Agent on the instance (`sudo systemctl restart amazon-ssm-agent`, or
#     `Restart-Service AmazonSSMAgent` on Windows) and check its log
#     (`/var/log/amazon/ssm/amazon-ssm-agent.log`).
package pdr.ssm.registered

import data.pdr.lib
import rego.v1

# Outcomes are functions of a few values, so that OPA computes each distinct
# outcome once however many instances share it.
results contains lib.instance_result(i, _outcome(lib.gap_note(i.account, i.region, api), _node(i.id))) if {
	some i in lib.monitored_instances
}

api := "ssm:DescribeInstanceInformation"

_node(id) := [s.ping_status, s.agent_version, s.last_ping_at] if {
	s := lib.ssm_instances[id]
} else := null

_outcome(gap, _) := {"status": "unknown", "message": sprintf("SSM's instance list %s", [gap])} if gap != ""

_outcome("", [ping, agent, _]) := {"status": "pass", "message": sprintf("registered with SSM and Online (agent %s)", [agent])} if {
	ping == "Online"
}

_outcome("", [ping, _, last]) := {"status": "fail", "message": msg} if {
	ping != "Online"
	msg := sprintf("registered with SSM but PingStatus is %s (last ping %s)", [ping, last])
}

_outcome("", null) := {"status": "fail", "message": "not registered with SSM: absent from DescribeInstanceInformation"}
