package synth

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Platform is a Linux release as the SSM Agent reports it, with kernels
// that the PDR profile lists name for it (Listed) and kernels they do not
// (Unlisted). Every kernel of both lists can be written as an
// AWS:Application inventory package whose release a reader derives back
// exactly (see kernelPackage).
type Platform struct {
	// Family is the profile lists' family: amazon, rhel, centos, oracle,
	// ubuntu or suse.
	Family string
	// Name and Version are SSM's PlatformName and PlatformVersion.
	Name, Version string
	Listed        []string
	Unlisted      []string
}

// Catalog is the Linux platforms an estate's instances run.
type Catalog struct {
	// Source says where the lists came from: "profiles <name>, …" (the
	// profile directories read) or "built-in".
	Source    string
	Platforms []Platform
}

// profileOS is the part of a profile's os.json the generator reads.
type profileOS struct {
	Linux []struct {
		Section string   `json:"section"`
		Kernels []string `json:"kernels"`
	} `json:"linux"`
	OS []struct {
		Family        string   `json:"family"`
		PlatformNames []string `json:"platform_names"`
		Versions      []string `json:"versions"`
		VersionPrefix []string `json:"version_prefixes"`
		Sections      []string `json:"sections"`
	} `json:"os"`
}

// LoadCatalog reads every <dir>/*/os.json (the PDR profiles' kernel lists,
// policies/data/profiles in the repository) into a catalog: one platform
// per family, platform name and version, with the union of the kernels the
// profiles list for it.
func LoadCatalog(dir string) (*Catalog, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*", "os.json"))
	if err != nil {
		return nil, fmt.Errorf("kernel lists in %s: %w", dir, err)
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("kernel lists in %s: no */os.json", dir)
	}
	slices.Sort(files)
	type key struct{ family, name, version string }
	byKey := map[key]*Platform{}
	var order []key
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("read kernel list: %w", err)
		}
		var doc profileOS
		if err := json.Unmarshal(b, &doc); err != nil {
			return nil, fmt.Errorf("kernel list %s: %w", f, err)
		}
		sections := map[string][]string{}
		for _, s := range doc.Linux {
			sections[s.Section] = append(sections[s.Section], s.Kernels...)
		}
		for _, o := range doc.OS {
			if len(o.PlatformNames) == 0 {
				continue
			}
			version := ""
			switch {
			case len(o.Versions) > 0:
				version = o.Versions[0]
			case len(o.VersionPrefix) > 0:
				version = o.VersionPrefix[0] + ".9"
			default:
				continue
			}
			k := key{o.Family, o.PlatformNames[len(o.PlatformNames)-1], version}
			p := byKey[k]
			if p == nil {
				p = &Platform{Family: k.family, Name: k.name, Version: k.version}
				byKey[k] = p
				order = append(order, k)
			}
			for _, sec := range o.Sections {
				for _, kern := range sections[sec] {
					if _, ok := kernelPackage(p.Family, kern); ok && !slices.Contains(p.Listed, kern) {
						p.Listed = append(p.Listed, kern)
					}
				}
			}
		}
	}
	var names []string
	for _, f := range files {
		names = append(names, filepath.Base(filepath.Dir(f)))
	}
	c := &Catalog{Source: "profiles " + strings.Join(names, ", ")}
	for _, k := range order {
		p := byKey[k]
		if len(p.Listed) == 0 {
			continue
		}
		slices.Sort(p.Listed)
		c.Platforms = append(c.Platforms, *p)
	}
	if len(c.Platforms) == 0 {
		return nil, fmt.Errorf("kernel lists in %s: no Linux platform with a usable kernel", dir)
	}
	c.fillUnlisted()
	return c, nil
}

// BuiltinCatalog is a small catalog for when no profile lists are at hand:
// a few kernels of each family that the PDR agent compatibility lists
// name, and newer ones they do not.
func BuiltinCatalog() *Catalog {
	c := &Catalog{Source: "built-in", Platforms: []Platform{
		{Family: "amazon", Name: "Amazon Linux", Version: "2", Listed: []string{
			"4.14.101-91.76.amzn2.x86_64", "4.14.123-111.109.amzn2.x86_64", "4.19.84-33.70.amzn2.x86_64"}},
		{Family: "amazon", Name: "Amazon Linux AMI", Version: "2018.03", Listed: []string{
			"4.14.26-46.32.amzn1.x86_64", "4.14.97-74.72.amzn1.x86_64"}},
		{Family: "rhel", Name: "Red Hat Enterprise Linux Server", Version: "7.9", Listed: []string{
			"3.10.0-1062.1.1.el7.x86_64", "3.10.0-514.48.3.el7.x86_64"}},
		{Family: "centos", Name: "CentOS Linux", Version: "7.9", Listed: []string{
			"3.10.0-1062.1.1.el7.x86_64", "3.10.0-514.48.3.el7.x86_64"}},
		{Family: "rhel", Name: "Red Hat Enterprise Linux", Version: "8.9", Listed: []string{
			"4.18.0-147.0.2.el8_1.x86_64", "4.18.0-80.11.2.el8_0.x86_64"}},
		{Family: "ubuntu", Name: "Ubuntu", Version: "16.04", Listed: []string{
			"4.4.0-1074-aws", "4.4.0-98-generic"}},
		{Family: "suse", Name: "SLES", Version: "12.4", Listed: []string{
			"4.12.14-94.41-default", "4.12.14-95.6-default"}},
	}}
	c.fillUnlisted()
	return c
}

// unlistedByFamily are real kernel releases, newer than the PDR lists, per
// family and major platform version.
var unlistedByFamily = map[string][]string{
	"amazon/2":     {"5.10.210-201.852.amzn2.x86_64", "4.14.336-257.562.amzn2.x86_64"},
	"amazon/2018":  {"4.14.355-196.705.amzn1.x86_64"},
	"amazon/2017":  {"4.9.124-37.60.amzn1.x86_64"},
	"rhel/6":       {"2.6.32-754.35.1.el6.x86_64"},
	"rhel/7":       {"3.10.0-1160.119.1.el7.x86_64"},
	"rhel/8":       {"4.18.0-513.24.1.el8_9.x86_64"},
	"centos/6":     {"2.6.32-754.35.1.el6.x86_64"},
	"centos/7":     {"3.10.0-1160.119.1.el7.x86_64"},
	"centos/8":     {"4.18.0-348.7.1.el8_5.x86_64"},
	"oracle/6":     {"4.1.12-124.48.6.el6uek.x86_64"},
	"oracle/7":     {"5.4.17-2136.330.7.1.el7uek.x86_64"},
	"ubuntu/14.04": {"4.4.0-148-generic"},
	"ubuntu/16.04": {"4.15.0-1163-aws", "4.4.0-1128-aws"},
	"ubuntu/18.04": {"5.4.0-1103-aws"},
	"suse/11":      {"3.0.101-108.135-default"},
	"suse/12":      {"4.12.14-122.183-default"},
	"suse/15":      {"5.3.18-150300.59.153-default"},
}

// fillUnlisted gives every platform kernels outside every listed one.
func (c *Catalog) fillUnlisted() {
	listed := map[string]bool{}
	for _, p := range c.Platforms {
		for _, k := range p.Listed {
			listed[k] = true
		}
	}
	for i := range c.Platforms {
		p := &c.Platforms[i]
		major := p.Version
		if p.Family != "ubuntu" {
			major, _, _ = strings.Cut(p.Version, ".")
		}
		p.Unlisted = nil
		for _, k := range unlistedByFamily[p.Family+"/"+major] {
			if _, ok := kernelPackage(p.Family, k); ok && !listed[k] {
				p.Unlisted = append(p.Unlisted, k)
			}
		}
		if len(p.Unlisted) == 0 {
			// No known newer release: one past the platform's newest listed
			// kernel's upload number, which no list names.
			if k := bumped(p.Family, p.Listed[len(p.Listed)-1], listed); k != "" {
				p.Unlisted = []string{k}
			}
		}
	}
}

var firstNumber = regexp.MustCompile(`-([0-9]+)`)

// bumped returns kernel with the number after its first dash raised until
// the release is in no list.
func bumped(family, kernel string, listed map[string]bool) string {
	m := firstNumber.FindStringSubmatchIndex(kernel)
	if m == nil {
		return ""
	}
	n, _ := strconv.Atoi(kernel[m[2]:m[3]])
	for step := 1000; step < 100000; step += 1000 {
		k := kernel[:m[2]] + strconv.Itoa(n+step) + kernel[m[3]:]
		if _, ok := kernelPackage(family, k); ok && !listed[k] {
			return k
		}
	}
	return ""
}

// pkg is one kernel image package as AWS:Application inventory lists it.
type pkg struct {
	name, version, release, arch string
	deb                          bool
}

var (
	rpmKernelRe  = regexp.MustCompile(`^([0-9][0-9.]*)-([0-9][0-9A-Za-z._]*)\.(x86_64|aarch64|i686)$`)
	suseKernelRe = regexp.MustCompile(`^([0-9]+\.[0-9]+\.[0-9]+)-([0-9][0-9.]*)-default$`)
	debKernelRe  = regexp.MustCompile(`^[0-9][0-9A-Za-z.+-]*$`)
)

// kernelPackage returns the inventory package that installs kernel on a
// platform of family, and whether there is one the release can be derived
// back from: RPM "kernel" (<Version>-<Release>.<Architecture>), Oracle's
// "kernel-uek", SUSE's "kernel-default" (<Version>-<Release minus its last
// component>-default) and Debian's "linux-image-<release>".
func kernelPackage(family, kernel string) (pkg, bool) {
	switch family {
	case "ubuntu":
		if !debKernelRe.MatchString(kernel) {
			return pkg{}, false
		}
		return pkg{name: "linux-image-" + kernel, version: debVersion(kernel), arch: "amd64", deb: true}, true
	case "suse":
		m := suseKernelRe.FindStringSubmatch(kernel)
		if m == nil {
			return pkg{}, false
		}
		return pkg{name: "kernel-default", version: m[1], release: m[2] + ".1", arch: "x86_64"}, true
	case "amazon", "rhel", "centos", "oracle":
		m := rpmKernelRe.FindStringSubmatch(kernel)
		if m == nil {
			return pkg{}, false
		}
		name := "kernel"
		if strings.Contains(m[2], "uek") {
			name = "kernel-uek"
		}
		return pkg{name: name, version: m[1], release: m[2], arch: m[3]}, true
	}
	return pkg{}, false
}

// debVersion is the package version of a Debian kernel image:
// "4.4.0-1061-aws" → "4.4.0-1061.70".
func debVersion(k string) string {
	parts := strings.SplitN(k, "-", 3)
	if len(parts) < 2 {
		return k
	}
	abi, err := strconv.Atoi(parts[1])
	if err != nil {
		return parts[0] + "-" + parts[1]
	}
	return parts[0] + "-" + parts[1] + "." + strconv.Itoa(abi%97+43)
}

// Kernels returns every kernel the catalog can give an instance, listed
// or not, for tests and summaries.
func (c *Catalog) Kernels() (listed, unlisted []string) {
	for _, p := range c.Platforms {
		listed = append(listed, p.Listed...)
		unlisted = append(unlisted, p.Unlisted...)
	}
	return listed, unlisted
}
