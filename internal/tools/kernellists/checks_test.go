package main

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestCheckKernel(t *testing.T) {
	tests := []struct {
		name    string
		section string
		kernel  string
		want    []string // kinds
	}{
		{"a well-formed RHEL 7 kernel passes", "RHEL 7 and CentOS 7", "3.10.0-862.3.2.el7.x86_64", nil},
		{"a RHEL 8 kernel with a minor-release dist tag passes", "RHEL 8 and CentOS 8", "4.18.0-147.0.2.el8_1.x86_64", nil},
		{"an Amazon Linux 2 kernel passes", "Amazon Linux 2", "4.14.47-64.38.amzn2.x86_64", nil},
		{"an Oracle UEK kernel passes in its section", "Oracle Linux 7", "4.14.35-1902.10.8.el7uek.x86_64", nil},
		{"x86_x64 is a typo", "RHEL 7 and CentOS 7", "3.10.0-862.46.1.el7.x86_x64", []string{kindTypo}},
		{"a missing architecture is incomplete", "Amazon Linux 2", "4.14.154-128.181.amzn2", []string{kindIncomplete}},
		{"a UEK kernel under RHEL is foreign and incomplete", "RHEL 7 and CentOS 7", "4.1.12-124.32.3.el7uek", []string{kindForeign, kindIncomplete}},
		{"an Amazon Linux 2 kernel under Amazon Linux AMI is foreign", "Amazon Linux 2018.03", "4.14.47-64.38.amzn2.x86_64", []string{kindForeign}},
		{"another architecture is suspicious", "RHEL 7 and CentOS 7", "3.10.0-862.el7.i686", []string{kindSuspicious}},
		{"an RPM string without a dist tag is malformed", "RHEL 7 and CentOS 7", "3.10.0-862", []string{kindMalformed}},
		{"an Ubuntu generic kernel passes", "Ubuntu 16.04LTS", "4.4.0-21-generic", nil},
		{"an Ubuntu AWS kernel passes", "Ubuntu 16.04LTS", "4.4.0-1066-aws", nil},
		{"an Ubuntu kernel without a flavour is incomplete", "Ubuntu 16.04LTS", "4.4.0-171", []string{kindIncomplete}},
		{"a kernel series never shipped for the release is foreign", "Ubuntu 14.04LTS", "4.15.0-60-generic", []string{kindForeign}},
		{"an AWS kernel with a generic ABI is suspicious", "Ubuntu 16.04LTS", "4.4.0-130-aws", []string{kindSuspicious}},
		{"a SLES default kernel passes", "SLES 12 SP4", "4.12.14-95.3-default", nil},
		{"a SLES kernel without a flavour is incomplete", "SLES 15", "4.12.14-150.38", []string{kindIncomplete}},
		{"a truncated SLES string is malformed", "SLES 12 SP2", "4-92.64", []string{kindMalformed}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec, ok := sectionSpecs[tt.section]
			if !ok {
				t.Fatalf("no section %q", tt.section)
			}
			var got []string
			for _, f := range checkKernel(spec, tt.kernel) {
				got = append(got, f.kind)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("checkKernel(%q, %q) kinds mismatch (-want +got):\n%s", tt.section, tt.kernel, diff)
			}
		})
	}
}

func TestCheckWindows(t *testing.T) {
	tests := []struct {
		name    string
		section string
		build   string
		want    int
	}{
		{"the documented build passes", "Windows Server 2016", "10.0.14393", 0},
		{"another release's build is reported", "Windows Server 2016", "10.0.17763", 1},
		{"text that is not a build is reported", "Windows Server 2019", "1809", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := checkWindows(sectionSpecs[tt.section], tt.build); len(got) != tt.want {
				t.Errorf("checkWindows(%q, %q) = %v, want %d findings", tt.section, tt.build, got, tt.want)
			}
		})
	}
}

// Every section a version prefix is used for names a major release only;
// every exact version is the form SSM reports.
func TestSectionSpecsAreConsistent(t *testing.T) {
	for name, spec := range sectionSpecs {
		if spec.windows {
			if !windowsBuild.MatchString(spec.build) {
				t.Errorf("%s: build %q is not MAJOR.MINOR.BUILD", name, spec.build)
			}
			continue
		}
		if len(spec.os) == 0 || spec.scheme == 0 {
			t.Errorf("%s: no OS mapping or kernel scheme", name)
		}
		if spec.scheme == schemeRPM && spec.dist == nil {
			t.Errorf("%s: RPM section without a dist tag", name)
		}
		if spec.scheme == schemeUbuntu && ubuntuSeries[spec.ubuntu] == nil {
			t.Errorf("%s: no kernel series for Ubuntu %q", name, spec.ubuntu)
		}
		for _, m := range spec.os {
			if len(m.names) == 0 || len(m.versions)+len(m.prefixes) == 0 {
				t.Errorf("%s: %s has no platform names or versions", name, m.family)
			}
		}
	}
}
