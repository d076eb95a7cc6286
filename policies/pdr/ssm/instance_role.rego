# METADATA
# title: Monitored instances have SSM permissions
# description: |
#   The role of every monitored instance's instance profile has the managed policy
#   AmazonSSMManagedInstanceCore, or the region's Default Host Management Configuration
#   is on.
# custom:
#   id: PDR-SSM-003
#   severity: medium
#   resource_kind: monitored-instance
#   remediation: attach-ssm-policy
#   help: |
#     The SSM Agent authenticates with the instance's credentials. They grant SSM access
#     when the instance profile's role has the AWS managed policy
#     `AmazonSSMManagedInstanceCore`, or when the region's **Default Host Management
#     Configuration** (DHMC) is on, in which case SSM uses a role of its own.
#
#     `AmazonEC2RoleforSSM` is accepted but deprecated (it grants far more than SSM needs,
#     including S3 access): replace it with `AmazonSSMManagedInstanceCore`.
#
#     **To fix:** attach `arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore` to the
#     instance profile's role; an instance without an instance profile needs one
#     associated first (`aws ec2 associate-iam-instance-profile`). Alternatively turn on
#     DHMC in Systems Manager → Fleet Manager → Account management.
package pdr.ssm.instance_role

import data.pdr.lib
import rego.v1

core_policy := "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"

deprecated_policy := "arn:aws:iam::aws:policy/service-role/AmazonEC2RoleforSSM"

# The outcome depends only on the instance's account, region and instance
# profile: OPA computes it once per distinct triple.
results contains lib.instance_result(i, _outcome(x)) if {
	some i in lib.monitored_instances
	x := {"account": i.account, "region": i.region, "iam_instance_profile_arn": i.iam_instance_profile_arn}
}

# In the functions below, i is {account, region, iam_instance_profile_arn}.

# dhmc is the region's Default Host Management Configuration: "on", "off", or
# "unknown" when the setting could not be read.
dhmc(i) := "unknown" if {
	lib.default_host_management[lib.place(i.account, i.region)] == null
} else := "off" if {
	setting := lib.default_host_management[lib.place(i.account, i.region)]
	object.get(setting, "value", "") in {"", "$None"}
} else := "on" if {
	_ = lib.default_host_management[lib.place(i.account, i.region)]
} else := "unknown"

# profile returns the instance profile of i as observed, undefined when there
# is none or it was not observed.
profile(i) := lib.instance_profiles[i.iam_instance_profile_arn]

# policies returns the policies attached to the roles of i's profile that
# could be read; undefined when the profile was not observed.
policies(i) := {p |
	some role in profile(i).roles
	role.policies_read == true
	some p in role.attached_policies
}

# role_unreadable holds when i has an instance profile whose role's policies
# could not all be read.
role_unreadable(i) if {
	i.iam_instance_profile_arn != ""
	_profile_gap(i)
}

role_unreadable(i) if {
	i.iam_instance_profile_arn != ""
	not profile(i)
}

role_unreadable(i) if {
	some role in profile(i).roles
	role.policies_read != true
}

_outcome(i) := {"status": "pass", "message": msg} if {
	dhmc(i) == "on"
	msg := sprintf("Default Host Management Configuration is on in %s", [i.region])
} else := {"status": "pass", "message": msg} if {
	core_policy in policies(i)
	msg := sprintf("the role of %s has AmazonSSMManagedInstanceCore", [lib.instance_profile_name(i.iam_instance_profile_arn)])
} else := {"status": "pass", "message": msg} if {
	deprecated_policy in policies(i)
	msg := sprintf("the role of %s has only AmazonEC2RoleforSSM, which is deprecated: attach AmazonSSMManagedInstanceCore instead", [lib.instance_profile_name(i.iam_instance_profile_arn)])
} else := {"status": "unknown", "message": msg} if {
	role_unreadable(i)
	msg := sprintf("the role of %s could not be read (%s)%s", [
		lib.instance_profile_name(i.iam_instance_profile_arn),
		_unread_reason(i),
		_dhmc_note(i),
	])
} else := {"status": "unknown", "message": msg} if {
	dhmc(i) == "unknown"
	msg := sprintf("%s, and the Default Host Management Configuration of %s/%s could not be read (ssm:GetServiceSetting)", [_lacks(i), i.account, i.region])
} else := {"status": "fail", "message": msg} if {
	msg := sprintf("%s, and Default Host Management Configuration is off in %s", [_lacks(i), i.region])
}

_lacks(i) := "no instance profile" if {
	i.iam_instance_profile_arn == ""
} else := sprintf("the instance profile %s has no role", [lib.instance_profile_name(i.iam_instance_profile_arn)]) if {
	count(profile(i).roles) == 0
} else := sprintf("the role of %s has neither AmazonSSMManagedInstanceCore nor AmazonEC2RoleforSSM", [lib.instance_profile_name(i.iam_instance_profile_arn)])

_unread_reason(i) := "iam:GetInstanceProfile" if {
	_profile_gap(i)
} else := "iam:ListAttachedRolePolicies" if {
	some role in profile(i).roles
	role.policies_read != true
} else := "the instance profile was not observed"

_profile_gap(i) if lib.gap_for(i.account, "global", "iam:GetInstanceProfile", lib.instance_profile_name(i.iam_instance_profile_arn))

_profile_gap(i) if lib.gap_for(i.account, "global", "iam:GetInstanceProfile", i.iam_instance_profile_arn)

_dhmc_note(i) := sprintf(", and Default Host Management Configuration is %s in %s", [dhmc(i), i.region])
