# METADATA
# title: Test rule driven by VPC tags
# description: |
#   Reports each VPC tagged test:status with that status, and the severity of its
#   test:severity tag (high when absent). For the command-line tests only.
# custom:
#   id: TEST-FAKE-001
#   severity: high
#   resource_kind: vpc
#   remediation: manual
#   help: |
#     Used by internal/cli's tests to drive audit's exit codes from a hand-made snapshot.
package test.fake

import rego.v1

results contains result if {
	some account in input.accounts
	some region in account.regions
	some vpc in region.vpcs
	status := vpc.tags["test:status"]
	result := {
		"resource_id": vpc.id,
		"resource_type": "vpc",
		"account": account.id,
		"region": region.name,
		"status": status,
		"severity": object.get(vpc.tags, "test:severity", "high"),
		"message": sprintf("tagged %s", [status]),
	}
}
