package pdr.ssm.instance_role_test

import data.pdr.fixtures
import data.pdr.ssm.instance_role
import rego.v1

arn(name) := sprintf("arn:aws:iam::111122223333:instance-profile/%s", [name])

profile(name, policies) := {
	"name": name,
	"arn": arn(name),
	"roles": [{
		"name": concat("", [name, "-role"]),
		"arn": sprintf("arn:aws:iam::111122223333:role/%s-role", [name]),
		"attached_policies": policies,
		"policies_read": true,
	}],
}

profiles := [
	profile("core", [instance_role.core_policy, "arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy"]),
	profile("legacy", [instance_role.deprecated_policy]),
	profile("s3", ["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"]),
	{"name": "unread-role", "arn": arn("unread-role"), "roles": [{"name": "r", "arn": "arn:aws:iam::111122223333:role/r", "attached_policies": null, "policies_read": false}]},
	{"name": "unread", "arn": arn("unread"), "roles": []},
	{"name": "empty", "arn": arn("empty"), "roles": []},
]

gaps := [
	fixtures.gap_in("global", "iam:GetInstanceProfile", "unread"),
	fixtures.gap_in("global", "iam:ListAttachedRolePolicies", "r"),
]

instances := [
	fixtures.instance("i-core", {"iam_instance_profile_arn": arn("core")}),
	fixtures.instance("i-legacy", {"iam_instance_profile_arn": arn("legacy")}),
	fixtures.instance("i-s3", {"iam_instance_profile_arn": arn("s3")}),
	fixtures.instance("i-none", {}),
	fixtures.instance("i-unread-role", {"iam_instance_profile_arn": arn("unread-role")}),
	fixtures.instance("i-unread", {"iam_instance_profile_arn": arn("unread")}),
	fixtures.instance("i-empty", {"iam_instance_profile_arn": arn("empty")}),
]

snap(dhmc) := fixtures.snapshot_with({"instances": instances, "default_host_management": dhmc}, profiles, gaps)

statuses(dhmc) := result if {
	results := instance_role.results with input as snap(dhmc)
	result := {r.resource_id: r.status | some r in results}
}

test_dhmc_off if {
	statuses(fixtures.dhmc_off) == {
		"i-core": "pass",
		"i-legacy": "pass",
		"i-s3": "fail",
		"i-none": "fail",
		"i-unread-role": "unknown",
		"i-unread": "unknown",
		"i-empty": "fail",
	}
}

test_dhmc_on_passes_everyone if {
	statuses(fixtures.dhmc_on) == {id: "pass" | some i in instances; id := i.id}
}

test_dhmc_unread_decides_only_what_the_role_does_not if {
	statuses(null) == {
		"i-core": "pass",
		"i-legacy": "pass",
		"i-s3": "unknown",
		"i-none": "unknown",
		"i-unread-role": "unknown",
		"i-unread": "unknown",
		"i-empty": "unknown",
	}
}

message(id) := msg if {
	results := instance_role.results with input as snap(fixtures.dhmc_off)
	msg := fixtures.result_for(results, id).message
}

test_messages if {
	message("i-core") == "the role of core has AmazonSSMManagedInstanceCore"
	message("i-legacy") == "the role of legacy has only AmazonEC2RoleforSSM, which is deprecated: attach AmazonSSMManagedInstanceCore instead"
	message("i-s3") == "the role of s3 has neither AmazonSSMManagedInstanceCore nor AmazonEC2RoleforSSM, and Default Host Management Configuration is off in us-east-1"
	message("i-none") == "no instance profile, and Default Host Management Configuration is off in us-east-1"
	message("i-unread") == "the role of unread could not be read (iam:GetInstanceProfile), and Default Host Management Configuration is off in us-east-1"
	message("i-unread-role") == "the role of unread-role could not be read (iam:ListAttachedRolePolicies), and Default Host Management Configuration is off in us-east-1"
	message("i-empty") == "the instance profile empty has no role, and Default Host Management Configuration is off in us-east-1"
}

test_a_profile_that_was_not_observed_is_unknown if {
	s := fixtures.snapshot({"instances": [fixtures.instance("i-x", {"iam_instance_profile_arn": arn("missing")})]})
	fixtures.status_of(instance_role.results, "i-x") == "unknown" with input as s
}
