package pdr.os.supported_os_test

import data.pdr.fixtures
import data.pdr.os.supported_os
import rego.v1

os_data := {
	"kernels": [],
	"kernel_sections": {},
	"os": [
		{"family": "amazon", "platform_names": ["Amazon Linux AMI"], "versions": ["2018.03"], "version_prefixes": [], "sections": ["Amazon Linux 2018.03"]},
		{"family": "rhel", "platform_names": ["Red Hat Enterprise Linux", "Red Hat Enterprise Linux Server"], "versions": [], "version_prefixes": ["7"], "sections": ["RHEL 7 / CentOS 7"]},
		{"family": "ubuntu", "platform_names": ["Ubuntu"], "versions": ["16.04"], "version_prefixes": [], "sections": ["Ubuntu 16.04LTS", "Ubuntu 16.04.5"]},
	],
	"windows_builds": [{"name": "Windows Server 2016", "build": "10.0.14393", "line": 1}],
}

nodes := {
	"i-amzn": {"platform_name": "Amazon Linux AMI", "platform_version": "2018.03"},
	"i-amzn-old": {"platform_name": "Amazon Linux AMI", "platform_version": "2016.09"},
	"i-rhel75": {"platform_name": "Red Hat Enterprise Linux Server", "platform_version": "7.5"},
	"i-rhel70": {"platform_name": "Red Hat Enterprise Linux Server", "platform_version": "70"},
	"i-ubuntu": {"platform_name": "Ubuntu", "platform_version": "16.04"},
	"i-win2016": {"platform_type": "Windows", "platform_name": "Microsoft Windows Server 2016 Datacenter", "platform_version": "10.0.14393"},
	"i-win2022": {"platform_type": "Windows", "platform_name": "Microsoft Windows Server 2022 Datacenter", "platform_version": "10.0.20348"},
}

snap := fixtures.snapshot({
	"instances": array.concat([fixtures.instance(id, {}) | some id, _ in nodes], [fixtures.instance("i-unmanaged", {})]),
	"ssm_instances": [fixtures.ssm(id, extra) | some id, extra in nodes],
})

statuses := result if {
	results := supported_os.results with input as snap with data.profile.os as os_data
	result := {r.resource_id: r.status | some r in results}
}

test_os_versions_against_the_list if {
	statuses == {
		"i-amzn": "pass",
		"i-amzn-old": "fail",
		"i-rhel75": "pass",
		"i-rhel70": "fail",
		"i-ubuntu": "pass",
		"i-win2016": "pass",
		"i-win2022": "fail",
		"i-unmanaged": "unknown",
	}
}

test_messages if {
	results := supported_os.results with input as snap with data.profile.os as os_data
	fixtures.result_for(results, "i-ubuntu").message == "Ubuntu 16.04 (Linux) is supported (Ubuntu 16.04.5, Ubuntu 16.04LTS)"
	fixtures.result_for(results, "i-win2016").message == "Microsoft Windows Server 2016 Datacenter 10.0.14393 (Windows) is supported (Windows Server 2016)"
	fixtures.result_for(results, "i-win2022").message == sprintf("Microsoft Windows Server 2022 Datacenter 10.0.20348 (Windows) is not in the %s compatibility list", [data.profile.name])
	fixtures.result_for(results, "i-unmanaged").message == "SSM does not know the instance, so its OS is unknown"
}

test_an_unread_instance_list_is_unknown if {
	s := fixtures.snapshot_with(
		{"instances": [fixtures.instance("i-amzn", {})], "ssm_instances": [fixtures.ssm("i-amzn", {})]},
		[], [fixtures.gap("ssm:DescribeInstanceInformation")],
	)
	fixtures.status_of(supported_os.results, "i-amzn") == "unknown" with input as s with data.profile.os as os_data
}

test_windows_build_matching if {
	supported_os.windows_build_matches("10.0.14393", "10.0.14393")
	supported_os.windows_build_matches("10.0.14393.2125", "10.0.14393")
	not supported_os.windows_build_matches("10.0.143930", "10.0.14393")
}

# The profiles differ on Windows Server 2019 and Amazon Linux 2.
test_profile_lists if {
	expected := {"pdr-2018-10": "fail", "pdr-2020-03": "pass"}[data.profile.name]
	s := fixtures.snapshot({
		"instances": [fixtures.instance("i-win2019", {}), fixtures.instance("i-al2", {})],
		"ssm_instances": [
			fixtures.ssm("i-win2019", {"platform_type": "Windows", "platform_name": "Microsoft Windows Server 2019 Datacenter", "platform_version": "10.0.17763"}),
			fixtures.ssm("i-al2", {"platform_name": "Amazon Linux", "platform_version": "2"}),
		],
	})
	results := supported_os.results with input as s
	fixtures.status_of(results, "i-win2019") == expected
	fixtures.status_of(results, "i-al2") == expected
}
