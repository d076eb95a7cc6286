package pdr.os.kernel_test

import data.pdr.fixtures
import data.pdr.os.kernel
import rego.v1

os_data := {
	"kernels": ["4.14.47-56.37.amzn1.x86_64", "4.4.0-1066-aws"],
	"kernel_sections": {"4.14.47-56.37.amzn1.x86_64": ["Amazon Linux 2018.03"], "4.4.0-1066-aws": ["Ubuntu 16.04LTS"]},
	"os": [],
	"windows_builds": [],
}

k(id, release, source, detail) := {"instance_id": id, "release": release, "source": source, "detail": detail}

snap := fixtures.snapshot({
	"instances": [
		fixtures.instance("i-listed", {}),
		fixtures.instance("i-inventory", {}),
		fixtures.instance("i-unlisted", {}),
		fixtures.instance("i-arm", {"architecture": "arm64"}),
		fixtures.instance("i-two-kernels", {}),
		fixtures.instance("i-no-evidence", {}),
		fixtures.instance("i-win", {"platform": "windows"}),
	],
	"kernels": [
		k("i-listed", "4.14.47-56.37.amzn1.x86_64", "run-command", ""),
		k("i-inventory", "4.4.0-1066-aws", "inventory", ""),
		k("i-unlisted", "4.14.177-107.254.amzn1.x86_64", "run-command", ""),
		k("i-arm", "4.14.47-56.37.amzn1.x86_64", "run-command", ""),
		k("i-two-kernels", "", "unknown", "2 kernel packages in inventory, no uname evidence"),
	],
})

results := r if {
	r := kernel.results with input as snap with data.profile.os as os_data
}

test_statuses if {
	{r.resource_id: r.status | some r in results} == {
		"i-listed": "pass",
		"i-inventory": "pass",
		"i-unlisted": "fail",
		"i-arm": "fail",
		"i-two-kernels": "unknown",
		"i-no-evidence": "unknown",
	}
}

test_messages if {
	fixtures.result_for(results, "i-listed").message == "running kernel 4.14.47-56.37.amzn1.x86_64 (from uname -r) is listed (Amazon Linux 2018.03)"
	fixtures.result_for(results, "i-inventory").message == "running kernel 4.4.0-1066-aws (from SSM inventory) is listed (Ubuntu 16.04LTS)"
	fixtures.result_for(results, "i-unlisted").message == sprintf("running kernel 4.14.177-107.254.amzn1.x86_64 (from uname -r) is not in the %s kernel list", [data.profile.name])
	fixtures.result_for(results, "i-arm").message == "the instance is arm64; the agent supports only x86_64 (running kernel 4.14.47-56.37.amzn1.x86_64)"
	fixtures.result_for(results, "i-two-kernels").message == "the running kernel is unknown: 2 kernel packages in inventory, no uname evidence"
}

test_an_unread_instance_list_is_unknown_but_arm_still_fails if {
	s := fixtures.snapshot_with(
		{
			"instances": [fixtures.instance("i-listed", {}), fixtures.instance("i-arm", {"architecture": "arm64"})],
			"kernels": [k("i-listed", "4.14.47-56.37.amzn1.x86_64", "inventory", ""), k("i-arm", "", "unknown", "SSM instance information unreadable")],
		},
		[], [fixtures.gap("ssm:DescribeInstanceInformation")],
	)
	rs := kernel.results with input as s with data.profile.os as os_data
	fixtures.status_of(rs, "i-listed") == "unknown"
	fixtures.status_of(rs, "i-arm") == "fail"
}

test_windows_by_ssm_platform_has_no_result if {
	s := fixtures.snapshot({
		"instances": [fixtures.instance("i-w", {})],
		"ssm_instances": [fixtures.ssm("i-w", {"platform_type": "Windows"})],
	})
	count(kernel.results) == 0 with input as s with data.profile.os as os_data
}

# pay-api-3's kernel is listed only from pdr-2020-03 on.
test_profile_lists if {
	expected := {"pdr-2018-10": "fail", "pdr-2020-03": "pass"}[data.profile.name]
	s := fixtures.snapshot({"instances": [fixtures.instance("i-x", {})], "kernels": [k("i-x", "3.10.0-957.el7.x86_64", "run-command", "")]})
	fixtures.status_of(kernel.results, "i-x") == expected with input as s
}
