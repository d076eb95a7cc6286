package main

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
)

// finding is one thing wrong with a token. The detail is a fixed sentence
// per reason (with the offending part quoted) so that findings with the same
// reason group into one anomaly.
type finding struct {
	kind   string
	detail string
}

// Anomaly kinds.
const (
	kindDuplicate     = "duplicate"      // listed more than once in a section; kept once
	kindExcessCell    = "excess_cell"    // a cell beyond the table's columns; kept, though renderers hide it
	kindTypo          = "typo"           // a misspelling, kept as written
	kindIncomplete    = "incomplete"     // a kernel string missing a part uname -r always prints
	kindMalformed     = "malformed"      // not a kernel release string at all
	kindForeign       = "foreign"        // a kernel of another OS or release than the section's
	kindSuspicious    = "suspicious"     // well-formed but unlikely to exist as written
	kindStray         = "stray_text"     // a cell with words and no kernel
	kindSectionName   = "section_name"   // a section name that had to be read
	kindCopiedSection = "copied_section" // a section whose kernels are exactly another section's
	kindWindowsBuild  = "windows_build"  // a Windows cell that is not the release's build
)

var (
	// rpmKernel: VERSION-RELEASE.DIST[.ARCH], e.g. 3.10.0-862.3.2.el7.x86_64.
	rpmKernel = regexp.MustCompile(`^([0-9]+\.[0-9]+\.[0-9]+)-([0-9]+(?:\.[0-9]+)*)\.([a-z]+[0-9]+(?:_[0-9]+)?(?:uek)?)(?:\.([A-Za-z0-9_]+))?$`)
	// ubuntuKernel: MAJOR.MINOR.PATCH-ABI[-FLAVOUR], e.g. 4.4.0-1066-aws.
	ubuntuKernel = regexp.MustCompile(`^([0-9]+)\.([0-9]+)\.([0-9]+)-([0-9]+)(?:-([a-z][a-z0-9]*))?$`)
	// suseKernel: VERSION-RELEASE[-FLAVOUR], e.g. 4.12.14-95.3-default.
	suseKernel = regexp.MustCompile(`^[0-9]+\.[0-9]+\.[0-9]+-[0-9]+(?:\.[0-9]+)*(?:-([a-z]+))?$`)
	// windowsBuild: MAJOR.MINOR.BUILD as SSM reports PlatformVersion.
	windowsBuild = regexp.MustCompile(`^[0-9]+\.[0-9]+\.[0-9]+$`)
)

// checkKernel compares a kernel token with the shape its section's family
// writes. It never changes the token; it only says what is odd about it.
func checkKernel(spec sectionSpec, k string) []finding {
	switch spec.scheme {
	case schemeRPM:
		return checkRPM(spec, k)
	case schemeUbuntu:
		return checkUbuntu(spec, k)
	case schemeSUSE:
		return checkSUSE(k)
	}
	return nil
}

func checkRPM(spec sectionSpec, k string) []finding {
	m := rpmKernel.FindStringSubmatch(k)
	if m == nil {
		return []finding{{kindMalformed, "not a kernel release string: an RPM kernel's uname -r is VERSION-RELEASE.DIST.ARCH"}}
	}
	dist, arch := m[3], m[4]
	var out []finding
	if !spec.dist.MatchString(dist) {
		out = append(out, finding{kindForeign, fmt.Sprintf("dist tag %q is not this section's %q: the kernel belongs to another OS or release", dist, spec.distWant)})
	}
	switch arch {
	case "x86_64":
	case "":
		out = append(out, finding{kindIncomplete, "no architecture suffix: uname -r ends in .x86_64 on x86_64, so no running kernel prints this string"})
	case "x86_x64":
		out = append(out, finding{kindTypo, `architecture written "x86_x64" (uname -r prints "x86_64"); kept as written, so it matches no running kernel`})
	default:
		out = append(out, finding{kindSuspicious, fmt.Sprintf("architecture %q is not x86_64", arch)})
	}
	return out
}

func checkUbuntu(spec sectionSpec, k string) []finding {
	m := ubuntuKernel.FindStringSubmatch(k)
	if m == nil {
		return []finding{{kindMalformed, "not a kernel release string: an Ubuntu kernel's uname -r is MAJOR.MINOR.PATCH-ABI-FLAVOUR"}}
	}
	var out []finding
	series := m[1] + "." + m[2]
	if !slices.Contains(ubuntuSeries[spec.ubuntu], series) {
		out = append(out, finding{kindForeign, fmt.Sprintf("kernel series %s was never shipped for Ubuntu %s", series, spec.ubuntu)})
	}
	abi, _ := strconv.Atoi(m[4])
	switch flavour := m[5]; {
	case flavour == "":
		out = append(out, finding{kindIncomplete, "no flavour suffix: uname -r on Ubuntu always ends in one (-generic, -aws, …), so no running kernel prints this string"})
	case flavour != "generic" && flavour != "lowlatency" && abi < 1000:
		out = append(out, finding{kindSuspicious, fmt.Sprintf("-%s kernels number their ABI from 1000; an ABI below 1000 is a -generic kernel's", flavour)})
	}
	return out
}

func checkSUSE(k string) []finding {
	m := suseKernel.FindStringSubmatch(k)
	if m == nil {
		return []finding{{kindMalformed, "not a kernel release string: a SLES kernel's uname -r is MAJOR.MINOR.PATCH-RELEASE-FLAVOUR"}}
	}
	if m[1] == "" {
		return []finding{{kindIncomplete, "no flavour suffix: uname -r on SLES ends in -default, so no running kernel prints this string"}}
	}
	return nil
}

// checkWindows compares a Windows cell with the build of its release.
func checkWindows(spec sectionSpec, build string) []finding {
	if !windowsBuild.MatchString(build) {
		return []finding{{kindWindowsBuild, "not a Windows build number (MAJOR.MINOR.BUILD)"}}
	}
	if build != spec.build {
		return []finding{{kindWindowsBuild, fmt.Sprintf("Microsoft documents this release as build %s", spec.build)}}
	}
	return nil
}
