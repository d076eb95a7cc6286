# METADATA
# title: Monitored instances run a supported operating system
# description: |
#   The OS family and version SSM reports for every monitored instance is in the
#   profile's compatibility list; Windows is judged by build number.
# custom:
#   id: PDR-OS-001
#   severity: high
#   resource_kind: monitored-instance
#   remediation: manual
#   help: |
#     The PDR agents support a fixed list of operating systems (Rackspace's agent
#     compatibility page, as of the selected profile). The OS is what SSM reports
#     (`PlatformName` and `PlatformVersion`); Windows is matched by its build number,
#     e.g. `10.0.14393` for Windows Server 2016, because SSM reports the build, not the
#     marketing name. An instance SSM does not know has an unknown OS.
#
#     **To fix:** upgrade (or rebuild) the instance to a supported release, or agree an
#     exception with your PDR team and record it as a waiver. An unknown OS resolves
#     when the instance registers with SSM (PDR-SSM-001).
package pdr.os.supported_os

import data.pdr.lib
import rego.v1

# Outcomes are functions of a few values, so that OPA computes each distinct
# outcome once however many instances share it.
results contains lib.instance_result(i, _outcome(lib.gap_note(i.account, i.region, api), _platform(i.id))) if {
	some i in lib.monitored_instances
}

api := "ssm:DescribeInstanceInformation"

_platform(id) := [s.platform_type, s.platform_name, s.platform_version] if {
	s := lib.ssm_instances[id]
} else := null

_outcome(gap, _) := {"status": "unknown", "message": sprintf("SSM's instance list %s, so the OS is unknown", [gap])} if gap != ""

_outcome("", null) := {"status": "unknown", "message": "SSM does not know the instance, so its OS is unknown"}

_outcome("", [type, name, version]) := {"status": "pass", "message": msg} if {
	sections := supported(type, name, version)
	count(sections) > 0
	msg := sprintf("%s is supported (%s)", [os_name(type, name, version), concat(", ", sort(sections))])
} else := {"status": "fail", "message": msg} if {
	msg := sprintf("%s is not in the %s compatibility list", [os_name(type, name, version), data.profile.name])
}

# os_name describes what SSM reports: "Ubuntu 16.04 (Linux)".
os_name(type, name, version) := sprintf("%s %s (%s)", [name, version, type])

# supported returns the names of the profile sections that admit what SSM
# reports for a node: its PlatformType, PlatformName and PlatformVersion.
supported("Windows", _, version) := {b.name |
	some b in data.profile.os.windows_builds
	windows_build_matches(version, b.build)
}

supported(type, name, version) := {section |
	some e in data.profile.os.os
	name in e.platform_names
	version_matches(version, e)
	some section in e.sections
} if {
	type != "Windows"
}

# windows_build_matches: SSM's PlatformVersion is major.minor.build, possibly
# followed by a revision.
windows_build_matches(version, build) if version == build

windows_build_matches(version, build) if startswith(version, concat("", [build, "."]))

# version_matches: a version listed exactly, or one of the entry's prefixes
# itself or followed by "." ("7" admits "7" and "7.5", not "70").
version_matches(version, entry) if version in entry.versions

version_matches(version, entry) if version in entry.version_prefixes

version_matches(version, entry) if {
	some prefix in entry.version_prefixes
	startswith(version, concat("", [prefix, "."]))
}
