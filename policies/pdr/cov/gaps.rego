# METADATA
# title: Every API the audit needs could be read
# description: |
#   Reports each (account, region, API) that could not be read. Such a coverage gap is
#   never a pass: the rules that needed the data report unknown, and this rule names
#   the read that failed.
# custom:
#   id: PDR-COV-001
#   severity: high
#   resource_kind: api
#   remediation: manual
#   help: |
#     pdr-audit only passes what it has seen. When a read fails — access denied,
#     throttled, an error, a timeout — the data it would have returned is missing, and
#     every rule that needed it reports `unknown` instead of guessing. This rule lists
#     each failed read once, as `<account>/<region>/<service>:<Action>` (region
#     `global` for IAM and Organizations), with the error AWS returned.
#
#     **To fix:** grant the audit role the missing permission (the read-only policy in
#     pdr-audit's documentation lists them all) and run the audit again. A throttled or
#     timed-out read usually succeeds on a second run.
package pdr.cov.gaps

import data.pdr.lib
import rego.v1

results contains lib.result(resource, "unknown", message) if {
	some id, resource in lib.api_resources
	gaps := [g | some g in lib.gaps_by_id[id]]
	message := concat("", [
		sprintf("%s could not be read in %s/%s: %s", [gaps[0].api, gaps[0].account, gaps[0].region, _errors(gaps)]),
		_resources(gaps),
		"; the results that need it are unknown",
	])
}

_errors(gaps) := concat(", ", {sprintf("%s (%s)", [g.code, g.class]) | some g in gaps})

_resources(gaps) := sprintf(" for %s", [concat(", ", names)]) if {
	names := {r | some g in gaps; r := object.get(g, "resource", ""); r != ""}
	count(names) > 0
} else := ""
