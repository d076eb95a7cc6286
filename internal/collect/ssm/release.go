package ssmcollect

import (
	"fmt"
	"slices"
	"strings"
)

// rpmKernelNames are the RPM packages that are a kernel image (exact
// names: kernel-tools, kernel-devel, kernel-core and the like are not).
var rpmKernelNames = map[string]bool{"kernel": true, "kernel-uek": true, "kernel-default": true}

// debianImagePrefix starts the name of every Debian/Ubuntu kernel image
// package, versioned (linux-image-4.4.0-1066-aws) or meta
// (linux-image-aws).
const debianImagePrefix = "linux-image-"

// ReleaseFromInventory returns the running kernel release (`uname -r`) that
// an instance's AWS:Application inventory entries name, or "" and why not.
// It decides only when exactly one kernel release is installed:
//
//   - RPM "kernel" and "kernel-uek": <Version>-<Release>.<Architecture>
//     (4.14.47-56.37.amzn1.x86_64).
//   - RPM "kernel-default" (SUSE): <Version>-<Release without its last
//     component>-default (5.14.21-150400.24.97.1 → 5.14.21-150400.24.97-default),
//     which is what SUSE kernels report as `uname -r`.
//   - Debian/Ubuntu "linux-image-<release>" where <release> starts with a
//     digit: <release> (linux-image-4.4.0-1066-aws → 4.4.0-1066-aws). The
//     Ubuntu "linux-image-unsigned-<release>" and Debian
//     "linux-image-<release>-unsigned" variants install the same release;
//     meta packages (linux-image-aws, linux-image-generic) and debug-symbol
//     packages (-dbg, -dbgsym) are not kernels.
//
// Packages naming the same release count once.
func ReleaseFromInventory(entries []map[string]string) (release, detail string) {
	var releases []string
	var underivable []string
	for _, e := range entries {
		rel, isKernel := kernelPackageRelease(e)
		switch {
		case !isKernel:
		case rel == "":
			underivable = append(underivable, e["Name"])
		case !slices.Contains(releases, rel):
			releases = append(releases, rel)
		}
	}
	switch n := len(releases) + len(underivable); {
	case n == 0:
		return "", "no kernel package in inventory"
	case n > 1:
		return "", fmt.Sprintf("%d kernel packages in inventory, no uname evidence", n)
	case len(underivable) == 1:
		return "", fmt.Sprintf("kernel package %s in inventory lacks Version, Release or Architecture", underivable[0])
	}
	return releases[0], ""
}

// kernelPackageRelease says whether an inventory entry is a kernel image
// package and, when it is, the release it installs ("" when the entry
// lacks the attributes the release is built from).
func kernelPackageRelease(e map[string]string) (release string, isKernel bool) {
	name := e["Name"]
	if rest, ok := strings.CutPrefix(name, debianImagePrefix); ok {
		rest = strings.TrimPrefix(rest, "unsigned-")
		if strings.HasSuffix(rest, "-dbg") || strings.HasSuffix(rest, "-dbgsym") {
			return "", false
		}
		rest = strings.TrimSuffix(rest, "-unsigned")
		if rest == "" || rest[0] < '0' || rest[0] > '9' {
			return "", false
		}
		return rest, true
	}
	if !rpmKernelNames[name] {
		return "", false
	}
	version, rel, arch := e["Version"], e["Release"], e["Architecture"]
	if name == "kernel-default" {
		if version == "" || rel == "" {
			return "", true
		}
		if i := strings.LastIndex(rel, "."); i > 0 {
			rel = rel[:i]
		}
		return version + "-" + rel + "-default", true
	}
	if version == "" || rel == "" || arch == "" {
		return "", true
	}
	return version + "-" + rel + "." + arch, true
}

// ReleaseFromUname returns the release printed by `uname -r`: the trimmed
// output, which must be one non-empty line with no blanks in it.
func ReleaseFromUname(output string) (string, bool) {
	s := strings.TrimSpace(output)
	if s == "" || strings.ContainsAny(s, " \t\r\n") {
		return "", false
	}
	return s, true
}
