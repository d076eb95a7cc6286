# METADATA
# title: Monitored Linux instances run a supported kernel on x86_64
# description: |
#   The running kernel of every monitored Linux instance is exactly one of the profile's
#   kernel strings, and the instance's architecture is x86_64.
# custom:
#   id: PDR-OS-002
#   severity: high
#   resource_kind: monitored-linux-instance
#   remediation: manual
#   help: |
#     The Alert Logic agent for Linux loads a kernel module built for specific kernels:
#     the running kernel's release (`uname -r`) must be exactly one listed on Rackspace's
#     agent compatibility page for the selected profile, and only x86_64 builds exist
#     (an arm64/Graviton instance fails whatever its kernel).
#
#     The running kernel comes, in order of trust, from `uname -r` run through SSM, else
#     from SSM inventory when it lists exactly one kernel package; with several kernel
#     packages installed and no `uname -r` evidence the kernel is unknown, not guessed.
#
#     **To fix:** boot a listed kernel (install it, make it the default, reboot), or
#     move the workload to an x86_64 instance type. For an unknown kernel, allow
#     `--kernel-source run-command` (it runs `uname -r` through SSM) or make sure the
#     instance is registered with SSM and its inventory is collected.
package pdr.os.kernel

import data.pdr.lib
import rego.v1

# supported_kernels is the profile's kernel list.
supported_kernels := {k | some k in data.profile.os.kernels}

# Outcomes are functions of a few values, so that OPA computes each distinct
# outcome once however many instances share it.
results contains lib.instance_result(i, outcome) if {
	some i in lib.monitored_linux_instances
	outcome := _outcome(
		object.get(i, "architecture", ""),
		lib.gap_note(i.account, i.region, api),
		_kernel(i.id),
	)
}

api := "ssm:DescribeInstanceInformation"

_kernel(id) := [k.source, object.get(k, "release", ""), object.get(k, "detail", "")] if {
	k := lib.kernels[id]
} else := null

_outcome(arch, gap, kernel) := {"status": "fail", "message": msg} if {
	not arch in {"x86_64", ""}
	msg := sprintf("the instance is %s; the agent supports only x86_64%s", [arch, _running(kernel)])
} else := {"status": "unknown", "message": msg} if {
	gap != ""
	msg := sprintf("SSM's instance list %s, so the running kernel is unknown", [gap])
} else := {"status": "unknown", "message": "no kernel evidence was collected for the instance"} if {
	kernel == null
} else := {"status": "unknown", "message": msg} if {
	[source, release, detail] := kernel
	_undecided(source, release)
	msg := sprintf("the running kernel is unknown: %s", [_or_text(detail, "no evidence")])
} else := {"status": "unknown", "message": "the architecture is not known"} if {
	arch == ""
} else := {"status": "pass", "message": msg} if {
	[source, release, _] := kernel
	release in supported_kernels
	msg := sprintf("running kernel %s (%s) is listed (%s)", [release, _source(source), concat(", ", _sections(release))])
} else := {"status": "fail", "message": msg} if {
	[source, release, _] := kernel
	msg := sprintf("running kernel %s (%s) is not in the %s kernel list", [release, _source(source), data.profile.name])
}

_undecided(source, _) if source == "unknown"

_undecided(_, release) if release == ""

_running(kernel) := sprintf(" (running kernel %s)", [kernel[1]]) if {
	kernel[1] != ""
} else := ""

_source("run-command") := "from uname -r"

_source("inventory") := "from SSM inventory"

_source(source) := sprintf("from %s", [source]) if not source in {"run-command", "inventory"}

_sections(release) := object.get(object.get(data.profile.os, "kernel_sections", {}), release, [])

_or_text("", fallback) := fallback

_or_text(text, _) := text if text != ""
