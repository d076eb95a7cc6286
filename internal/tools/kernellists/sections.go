package main

import (
	"regexp"
	"strings"
)

// This file holds every decision that is not a token of the documents: how
// a section's name maps to what SSM's DescribeInstanceInformation reports
// (PlatformName and PlatformVersion), and the facts the shape checks compare
// the tokens with. A section name missing here stops the generator, so a new
// document forces a decision instead of a guess.
//
// What the SSM Agent reports (amazon-ssm-agent, agent/platform/
// platform_unix.go): NAME and VERSION_ID of /etc/os-release when the file
// exists; otherwise the text before and after "release" in
// /etc/system-release (Amazon, Red Hat, CentOS); otherwise lsb_release. So:
//
//	Amazon Linux AMI 2017.03…2018.03  os-release  "Amazon Linux AMI"                 "2018.03"
//	Amazon Linux 2                    os-release  "Amazon Linux"                     "2"
//	RHEL 6                            system-rel. "Red Hat Enterprise Linux Server"  "6.10" (agents before 2.3: "6.10 (Santiago)")
//	RHEL 7                            os-release  "Red Hat Enterprise Linux Server"  "7.5"
//	RHEL 8                            os-release  "Red Hat Enterprise Linux"         "8.1"
//	CentOS 6                          system-rel. "CentOS"                           "6.10" (older agents: "6.10 (Final)")
//	CentOS 7, 8                       os-release  "CentOS Linux"                     "7", "8" (VERSION_ID is the major only)
//	Oracle Linux 6, 7                 os-release  "Oracle Linux Server"              "6.10", "7.7"
//	SLES 11 SP4, 12 SPn, 15 SPn       os-release  "SLES"                             "11.4", "12.4", "15", "15.1"
//	Ubuntu 14.04, 16.04, 18.04        os-release  "Ubuntu"                           "14.04", "16.04", "18.04"
//
// Matching: Amazon Linux, Ubuntu and SLES versions match exactly (SLES "15"
// must not admit "15.2", a service pack the document does not list).
// RHEL, CentOS and Oracle Linux sections name only the major release, so
// they match by prefix: "7" admits "7" and anything starting "7." ("7.5",
// "7.5.1804"), never "70". Both RHEL names (with and without "Server") and
// both CentOS names are accepted for every major release: the name differs
// by release file, not by whether the release is supported.

// osMatch is one OS family a section covers, as SSM reports it.
type osMatch struct {
	family   string
	names    []string // PlatformName values
	versions []string // PlatformVersion values that match exactly
	prefixes []string // PlatformVersion values that match as themselves or as "<p>."-prefixes
}

// kernelScheme is how a family writes its kernel release strings.
type kernelScheme int

const (
	schemeRPM    kernelScheme = iota + 1 // 3.10.0-862.el7.x86_64, 4.14.47-56.37.amzn1.x86_64
	schemeUbuntu                         // 4.4.0-1066-aws
	schemeSUSE                           // 4.12.14-95.3-default
)

// sectionSpec is what the generator knows about one section of a document.
type sectionSpec struct {
	windows bool
	build   string // Windows: the build Microsoft documents for the release

	os       []osMatch
	scheme   kernelScheme
	dist     *regexp.Regexp // RPM: the dist tag this section's kernels carry
	distWant string         // RPM: dist, for messages
	ubuntu   string         // Ubuntu: the release whose kernel series apply
	reading  string         // how an odd section name was read; reported as an anomaly
}

var (
	rhelNames   = []string{"Red Hat Enterprise Linux", "Red Hat Enterprise Linux Server"}
	centosNames = []string{"CentOS", "CentOS Linux"}
)

func amazonAMI(version string) sectionSpec {
	return sectionSpec{
		os:     []osMatch{{family: "amazon", names: []string{"Amazon Linux AMI"}, versions: []string{version}}},
		scheme: schemeRPM, dist: regexp.MustCompile(`^amzn1$`), distWant: "amzn1",
	}
}

func rhelCentOS(major string) sectionSpec {
	dist := `^el` + major + `$`
	if major == "8" {
		dist = `^el8(_[0-9]+)?$` // RHEL 8 kernels carry the minor release: el8_0, el8_1
	}
	return sectionSpec{
		os: []osMatch{
			{family: "rhel", names: rhelNames, prefixes: []string{major}},
			{family: "centos", names: centosNames, prefixes: []string{major}},
		},
		scheme: schemeRPM, dist: regexp.MustCompile(dist), distWant: "el" + major,
	}
}

func oracle(major string) sectionSpec {
	return sectionSpec{
		os:     []osMatch{{family: "oracle", names: []string{"Oracle Linux Server"}, prefixes: []string{major}}},
		scheme: schemeRPM, dist: regexp.MustCompile(`^el` + major + `uek$`), distWant: "el" + major + "uek",
	}
}

func ubuntu(release string) sectionSpec {
	return sectionSpec{
		os:     []osMatch{{family: "ubuntu", names: []string{"Ubuntu"}, versions: []string{release}}},
		scheme: schemeUbuntu, ubuntu: release,
	}
}

func sles(version string) sectionSpec {
	return sectionSpec{
		os:     []osMatch{{family: "suse", names: []string{"SLES"}, versions: []string{version}}},
		scheme: schemeSUSE,
	}
}

func windows(build string) sectionSpec { return sectionSpec{windows: true, build: build} }

// Windows builds: major.minor from Microsoft's "Operating System Version"
// table (https://learn.microsoft.com/windows/win32/sysinfo/operating-system-version:
// 6.1 Windows Server 2008 R2, 6.2 Windows Server 2012, 6.3 Windows Server
// 2012 R2, 10.0 Windows Server 2016 and 2019), build numbers from Microsoft's
// "Windows Server release information"
// (https://learn.microsoft.com/windows/release-health/windows-server-release-info:
// 2016 = version 1607, OS build 14393; 2019 = version 1809, OS build 17763)
// and the release builds of the older systems (2008 R2 SP1 = 7601, 2012 =
// 9200, 2012 R2 = 9600). SSM reports PlatformVersion as major.minor.build,
// e.g. "10.0.14393". The documents list these same numbers; a difference
// would be reported as an anomaly, never corrected.
var sectionSpecs = map[string]sectionSpec{
	// pdr-2018-10
	"Amazon Linux 2017.03": amazonAMI("2017.03"),
	"Amazon Linux 2017.09": amazonAMI("2017.09"),
	"Amazon Linux 2018.03": amazonAMI("2018.03"),
	"RHEL 6 / CentOS 6":    rhelCentOS("6"),
	"RHEL 7 / CentOS 7":    rhelCentOS("7"),
	"Ubuntu 14.04LTS":      ubuntu("14.04"),
	"Ubuntu 14.05.5LTS": func() sectionSpec {
		s := ubuntu("14.04")
		s.reading = "Ubuntu has no release 14.05; read as 14.04.5 LTS (whose kernel, 4.4.0 HWE, is the one listed), which SSM reports as Ubuntu 14.04"
		return s
	}(),
	"Ubuntu 16.04LTS":            ubuntu("16.04"),
	"Windows Server 2008 R2 SP1": windows("6.1.7601"),
	"Windows Server 2012":        windows("6.2.9200"),
	"Windows Server 2012 R2":     windows("6.3.9600"),
	"Windows Server 2016":        windows("10.0.14393"),

	// pdr-2020-03 adds
	"Amazon Linux 2": {
		os:     []osMatch{{family: "amazon", names: []string{"Amazon Linux"}, versions: []string{"2"}}},
		scheme: schemeRPM, dist: regexp.MustCompile(`^amzn2$`), distWant: "amzn2",
	},
	"Oracle Linux 6":                             oracle("6"),
	"Oracle Linux 7":                             oracle("7"),
	"RHEL 6 and CentOS 6":                        rhelCentOS("6"),
	"RHEL 7 and CentOS 7":                        rhelCentOS("7"),
	"RHEL 8 and CentOS 8":                        rhelCentOS("8"),
	"SUSE Linux Enterprise Server (SLES) 11 SP1": sles("11.1"),
	"SLES 11 SP4":                                sles("11.4"),
	"SLES 12 SP1":                                sles("12.1"),
	"SLES 12 SP2":                                sles("12.2"),
	"SLES 12 SP3":                                sles("12.3"),
	"SLES 12 SP4":                                sles("12.4"),
	"SLES 12 SP5":                                sles("12.5"),
	"SLES 15":                                    sles("15"),
	"SLES 15 SP1":                                sles("15.1"),
	"Ubuntu 16.04.5":                             ubuntu("16.04"), // a point release: VERSION_ID stays "16.04"
	"Ubuntu 18.04 LTS":                           ubuntu("18.04"),
	"Windows Server 2019":                        windows("10.0.17763"),
}

// ubuntuSeries lists the kernel series (MAJOR.MINOR) Canonical shipped for
// each LTS release: the release kernel, then the hardware-enablement and
// cloud (-aws, -gcp, -azure) kernels built for it (Ubuntu kernel release
// cycle, https://ubuntu.com/about/release-cycle, and the Ubuntu wiki's
// Kernel/LTSEnablementStack). A kernel of another series cannot run on the
// release, so it is reported.
var ubuntuSeries = map[string][]string{
	"14.04": {"3.13", "3.16", "3.19", "4.2", "4.4"},
	"16.04": {"4.4", "4.8", "4.10", "4.11", "4.13", "4.15"},
	"18.04": {"4.15", "4.18", "5.0", "5.3", "5.4"},
}

// sectionName turns a heading's text into the section's name: trademark
// signs dropped, the "supported versions" suffix (any case) cut off.
func sectionName(text string) string {
	s := strings.NewReplacer("®", "", "™", "").Replace(text)
	s = strings.Join(strings.Fields(s), " ")
	const suffix = " supported versions"
	if len(s) >= len(suffix) && strings.EqualFold(s[len(s)-len(suffix):], suffix) {
		s = s[:len(s)-len(suffix)]
	}
	return strings.TrimSpace(s)
}
