package main

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the committed profile data from testdata/")

// repoRoot is the module root, seen from this package's directory.
var repoRoot = filepath.Join("..", "..", "..")

// The committed profile data must be what the in-repo copies of the
// reference documents give.
func TestCommittedDataIsCurrent(t *testing.T) {
	for _, ps := range profiles {
		t.Run(ps.profile, func(t *testing.T) {
			want, err := generate("testdata", ps)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(repoRoot, "policies", "data", "profiles", ps.profile, outputName)
			if *update {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, want, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			got, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("%s is stale: run go run ./internal/tools/kernellists -ref ../shared/reference -out policies/data/profiles (or this test with -update)", path)
			}
		})
	}
}

// The copies in testdata/ must be the reference documents byte for byte.
// The check runs where ../shared/reference exists beside the repository
// (CI); elsewhere it is skipped.
func TestTestdataCopiesEqualTheSharedReference(t *testing.T) {
	shared := filepath.Join(repoRoot, "..", "shared", "reference")
	if _, err := os.Stat(shared); err != nil {
		t.Skipf("no shared reference at %s", shared)
	}
	for _, ps := range profiles {
		want, err := os.ReadFile(filepath.Join(shared, ps.file))
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join("testdata", ps.file))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("testdata/%s differs from %s: copy it again and regenerate", ps.file, shared)
		}
	}
}

func TestRunWritesEveryProfile(t *testing.T) {
	out := t.TempDir()
	if err := run("testdata", out); err != nil {
		t.Fatal(err)
	}
	for _, ps := range profiles {
		got, err := os.ReadFile(filepath.Join(out, ps.profile, outputName))
		if err != nil {
			t.Fatal(err)
		}
		want, err := generate("testdata", ps)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s: written data differs from generated data", ps.profile)
		}
		if !bytes.HasSuffix(got, []byte("}\n")) {
			t.Errorf("%s: output does not end in a newline", ps.profile)
		}
	}
}

func TestRunFailsWithoutTheDocuments(t *testing.T) {
	err := run(t.TempDir(), t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "profile pdr-2018-10") {
		t.Fatalf("run error = %v, want one naming the profile", err)
	}
}

const sampleDoc = `---
title: sample
created_date: '2018-10-09'
---

### Linux agent compatibility

Kernel strings must match exactly.

### RHEL 7 and CentOS 7 supported versions

| | |
|-|-|
| 3.10.0-862.el7.x86_64 Earlier than v3.4 | 7.5 - 3.10.0-862.2.3.el7.x86_64 |
| 3.10.0-862.el7.x86_64 | 3.10.0-862.46.1.el7.x86_x64 | 3.10.0-957.el7.x86_64 |
| | |

### Ubuntu 16.04LTS supported versions

| |
|-|
| 4.4.0-21-generic |

### Ubuntu 18.04 LTS supported versions

| |
|-|
| 4.4.0-21-generic |

**Windows Server 2016 Supported Versions**

| |
|-|
| 10.0.14393 |
`

func TestExtractKeepsEveryTokenAndReportsOddities(t *testing.T) {
	p, err := Extract("sample", "sample.md", []byte(sampleDoc))
	if err != nil {
		t.Fatal(err)
	}
	wantLinux := []LinuxSection{
		{
			Section: "RHEL 7 and CentOS 7", Heading: "### RHEL 7 and CentOS 7 supported versions", Line: 10,
			Families: []string{"rhel", "centos"}, Versions: []string{"7"},
			Kernels: []string{"3.10.0-862.2.3.el7.x86_64", "3.10.0-862.46.1.el7.x86_x64", "3.10.0-862.el7.x86_64", "3.10.0-957.el7.x86_64"},
			Notes: []KernelNote{
				{Kernel: "3.10.0-862.el7.x86_64", Line: 14, Note: "Earlier than v3.4"},
				{Kernel: "3.10.0-862.2.3.el7.x86_64", Line: 14, Release: "7.5"},
			},
		},
		{
			Section: "Ubuntu 16.04LTS", Heading: "### Ubuntu 16.04LTS supported versions", Line: 18,
			Families: []string{"ubuntu"}, Versions: []string{"16.04"}, Kernels: []string{"4.4.0-21-generic"}, Notes: []KernelNote{},
		},
		{
			Section: "Ubuntu 18.04 LTS", Heading: "### Ubuntu 18.04 LTS supported versions", Line: 24,
			Families: []string{"ubuntu"}, Versions: []string{"18.04"}, Kernels: []string{"4.4.0-21-generic"}, Notes: []KernelNote{},
		},
	}
	if diff := cmp.Diff(wantLinux, p.Linux); diff != "" {
		t.Errorf("linux mismatch (-want +got):\n%s", diff)
	}
	wantKernels := []string{"3.10.0-862.2.3.el7.x86_64", "3.10.0-862.46.1.el7.x86_x64", "3.10.0-862.el7.x86_64", "3.10.0-957.el7.x86_64", "4.4.0-21-generic"}
	if diff := cmp.Diff(wantKernels, p.Kernels); diff != "" {
		t.Errorf("kernels mismatch (-want +got):\n%s", diff)
	}
	if got, want := p.KernelSections["4.4.0-21-generic"], []string{"Ubuntu 16.04LTS", "Ubuntu 18.04 LTS"}; !slices.Equal(got, want) {
		t.Errorf("kernel_sections[4.4.0-21-generic] = %v, want %v", got, want)
	}
	wantOS := []OSEntry{
		{Family: "centos", PlatformNames: []string{"CentOS", "CentOS Linux"}, Versions: []string{}, VersionPrefixes: []string{"7"}, Sections: []string{"RHEL 7 and CentOS 7"}},
		{Family: "rhel", PlatformNames: []string{"Red Hat Enterprise Linux", "Red Hat Enterprise Linux Server"}, Versions: []string{}, VersionPrefixes: []string{"7"}, Sections: []string{"RHEL 7 and CentOS 7"}},
		{Family: "ubuntu", PlatformNames: []string{"Ubuntu"}, Versions: []string{"16.04"}, VersionPrefixes: []string{}, Sections: []string{"Ubuntu 16.04LTS"}},
		{Family: "ubuntu", PlatformNames: []string{"Ubuntu"}, Versions: []string{"18.04"}, VersionPrefixes: []string{}, Sections: []string{"Ubuntu 18.04 LTS"}},
	}
	if diff := cmp.Diff(wantOS, p.OS); diff != "" {
		t.Errorf("os mismatch (-want +got):\n%s", diff)
	}
	wantWindows := []WindowsBuild{{Name: "Windows Server 2016", Build: "10.0.14393", Line: 34}}
	if diff := cmp.Diff(wantWindows, p.WindowsBuilds); diff != "" {
		t.Errorf("windows_builds mismatch (-want +got):\n%s", diff)
	}

	type brief struct {
		Section, Kind string
		Tokens        []Occurrence
	}
	var got []brief
	for _, a := range p.Anomalies {
		got = append(got, brief{a.Section, a.Kind, a.Tokens})
	}
	want := []brief{
		{"RHEL 7 and CentOS 7", kindDuplicate, []Occurrence{{"3.10.0-862.el7.x86_64", 14}, {"3.10.0-862.el7.x86_64", 15}}},
		{"RHEL 7 and CentOS 7", kindExcessCell, []Occurrence{{"3.10.0-957.el7.x86_64", 15}}},
		{"RHEL 7 and CentOS 7", kindTypo, []Occurrence{{"3.10.0-862.46.1.el7.x86_x64", 15}}},
		{"Ubuntu 18.04 LTS", kindCopiedSection, []Occurrence{}},
		{"Ubuntu 18.04 LTS", kindForeign, []Occurrence{{"4.4.0-21-generic", 28}}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("anomalies mismatch (-want +got):\n%s", diff)
	}
}

func TestExtractRefusesASectionWithoutAMapping(t *testing.T) {
	doc := "### Debian 9 supported versions\n\n| |\n|-|\n| 4.9.0-8-amd64 |\n"
	_, err := Extract("sample", "sample.md", []byte(doc))
	if err == nil || !strings.Contains(err.Error(), `section "Debian 9" has no entry in sectionSpecs`) {
		t.Fatalf("Extract error = %v, want one naming the unmapped section", err)
	}
}

func TestExtractIsDeterministic(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("testdata", profiles[1].file))
	if err != nil {
		t.Fatal(err)
	}
	var first []byte
	for i := range 3 {
		p, err := Extract(profiles[1].profile, profiles[1].file, src)
		if err != nil {
			t.Fatal(err)
		}
		b, err := Encode(p)
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first = b
		} else if !bytes.Equal(first, b) {
			t.Fatal("two extractions of the same document encode differently")
		}
	}
}

// The oddities of the real documents are found, and the odd tokens are kept
// in the kernel lists exactly as written.
func TestRealDocumentsKeepAndReportTheirOddities(t *testing.T) {
	tests := []struct {
		profile, section, kind, token string
	}{
		{"pdr-2018-10", "RHEL 7 / CentOS 7", kindDuplicate, "3.10.0-514.35.1.el7.x86_64"},
		{"pdr-2018-10", "Ubuntu 14.05.5LTS", kindSectionName, "Ubuntu 14.05.5LTS"},
		{"pdr-2020-03", "RHEL 7 and CentOS 7", kindTypo, "3.10.0-862.46.1.el7.x86_x64"},
		{"pdr-2020-03", "RHEL 7 and CentOS 7", kindForeign, "4.14.35-1902.6.6.el7uek"},
		{"pdr-2020-03", "Amazon Linux 2", kindExcessCell, "4.19.58-21.57.amzn2.x86_64"},
		{"pdr-2020-03", "Amazon Linux 2", kindIncomplete, "4.14.154-128.181.amzn2"},
		{"pdr-2020-03", "SLES 12 SP2", kindMalformed, "4-92.64"},
		{"pdr-2020-03", "Ubuntu 16.04LTS", kindIncomplete, "4.4.0-171"},
		{"pdr-2020-03", "Ubuntu 16.04.5", kindDuplicate, "4.15.0-13-generic"},
	}
	data := map[string]*Profile{}
	for _, ps := range profiles {
		src, err := os.ReadFile(filepath.Join("testdata", ps.file))
		if err != nil {
			t.Fatal(err)
		}
		p, err := Extract(ps.profile, ps.file, src)
		if err != nil {
			t.Fatal(err)
		}
		data[ps.profile] = p
	}
	for _, tt := range tests {
		t.Run(tt.profile+" "+tt.kind+" "+tt.token, func(t *testing.T) {
			p := data[tt.profile]
			found := false
			for _, a := range p.Anomalies {
				if a.Section == tt.section && a.Kind == tt.kind && slices.ContainsFunc(a.Tokens, func(o Occurrence) bool { return o.Token == tt.token }) {
					found = true
				}
			}
			if !found {
				t.Errorf("no %s anomaly for %q in %q", tt.kind, tt.token, tt.section)
			}
			if tt.kind != kindSectionName && !slices.Contains(p.Kernels, tt.token) {
				t.Errorf("%q is not in the kernel list as written", tt.token)
			}
		})
	}
}
