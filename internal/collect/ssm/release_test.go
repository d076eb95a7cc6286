package ssmcollect_test

import (
	"testing"

	ssmcollect "github.com/pdr-audit/pdr-audit/internal/collect/ssm"
)

func rpmEntry(name, version, release, arch string) map[string]string {
	return map[string]string{"Name": name, "Version": version, "Release": release, "Architecture": arch}
}

func debEntry(name, version string) map[string]string {
	return map[string]string{"Name": name, "Version": version, "Architecture": "amd64"}
}

func TestReleaseFromInventory(t *testing.T) {
	tests := []struct {
		name        string
		entries     []map[string]string
		wantRelease string
		wantDetail  string
	}{
		{
			name: "an Amazon Linux kernel RPM gives version-release.arch",
			entries: []map[string]string{
				rpmEntry("kernel", "4.14.47", "56.37.amzn1", "x86_64"),
				rpmEntry("kernel-tools", "4.14.47", "56.37.amzn1", "x86_64"),
				rpmEntry("kernel-devel", "4.14.47", "56.37.amzn1", "x86_64"),
			},
			wantRelease: "4.14.47-56.37.amzn1.x86_64",
		},
		{
			name:        "an Oracle UEK kernel RPM is a kernel",
			entries:     []map[string]string{rpmEntry("kernel-uek", "4.14.35", "1902.3.2.el7uek", "x86_64")},
			wantRelease: "4.14.35-1902.3.2.el7uek.x86_64",
		},
		{
			name:        "a SUSE kernel-default RPM gives the release SUSE's uname -r prints",
			entries:     []map[string]string{rpmEntry("kernel-default", "4.12.14", "122.37.1", "x86_64")},
			wantRelease: "4.12.14-122.37-default",
		},
		{
			name:        "RHEL 8's kernel-core beside kernel is not a second kernel",
			entries:     []map[string]string{rpmEntry("kernel", "4.18.0", "80.el8", "x86_64"), rpmEntry("kernel-core", "4.18.0", "80.el8", "x86_64")},
			wantRelease: "4.18.0-80.el8.x86_64",
		},
		{
			name: "an Ubuntu linux-image package gives its release; meta packages are skipped",
			entries: []map[string]string{
				debEntry("linux-image-4.4.0-1066-aws", "4.4.0-1066.76"),
				debEntry("linux-image-aws", "4.4.0.1066.68"),
				debEntry("linux-image-generic", "4.4.0.1066.68"),
				debEntry("linux-image-virtual", "4.4.0.1066.68"),
			},
			wantRelease: "4.4.0-1066-aws",
		},
		{
			name:        "a Debian cloud kernel gives its release",
			entries:     []map[string]string{debEntry("linux-image-cloud-amd64", "5.10.197-1"), debEntry("linux-image-5.10.0-26-cloud-amd64", "5.10.197-1")},
			wantRelease: "5.10.0-26-cloud-amd64",
		},
		{
			name:        "an Ubuntu unsigned kernel image gives its release",
			entries:     []map[string]string{debEntry("linux-image-unsigned-5.4.0-1009-aws", "5.4.0-1009.9")},
			wantRelease: "5.4.0-1009-aws",
		},
		{
			name:        "a Debian unsigned kernel image and its signed twin are one release",
			entries:     []map[string]string{debEntry("linux-image-5.10.0-26-cloud-amd64-unsigned", "5.10.197-1"), debEntry("linux-image-5.10.0-26-cloud-amd64", "5.10.197-1")},
			wantRelease: "5.10.0-26-cloud-amd64",
		},
		{
			name:        "debug-symbol packages are not kernels",
			entries:     []map[string]string{debEntry("linux-image-5.10.0-26-cloud-amd64", "5.10.197-1"), debEntry("linux-image-5.10.0-26-cloud-amd64-dbg", "5.10.197-1"), debEntry("linux-image-5.4.0-1009-aws-dbgsym", "5.4.0-1009.9")},
			wantRelease: "5.10.0-26-cloud-amd64",
		},
		{
			name:       "two installed RPM kernels are unknown, not a guess",
			entries:    []map[string]string{rpmEntry("kernel", "3.10.0", "862.el7", "x86_64"), rpmEntry("kernel", "3.10.0", "862.3.3.el7", "x86_64")},
			wantDetail: "2 kernel packages in inventory, no uname evidence",
		},
		{
			name: "three installed Ubuntu kernels are unknown",
			entries: []map[string]string{
				debEntry("linux-image-4.4.0-1062-aws", "4.4.0-1062.71"),
				debEntry("linux-image-4.4.0-1066-aws", "4.4.0-1066.76"),
				debEntry("linux-image-4.4.0-1069-aws", "4.4.0-1069.79"),
				debEntry("linux-image-aws", "4.4.0.1069.71"),
			},
			wantDetail: "3 kernel packages in inventory, no uname evidence",
		},
		{
			name:       "a kernel and a UEK kernel side by side are unknown",
			entries:    []map[string]string{rpmEntry("kernel", "3.10.0", "957.el7", "x86_64"), rpmEntry("kernel-uek", "4.14.35", "1902.3.2.el7uek", "x86_64")},
			wantDetail: "2 kernel packages in inventory, no uname evidence",
		},
		{
			name:       "only meta packages is no kernel",
			entries:    []map[string]string{debEntry("linux-image-aws", "4.4.0.1066.68"), debEntry("linux-image-generic", "4.4.0.1066.68")},
			wantDetail: "no kernel package in inventory",
		},
		{
			name:       "kernel tools without a kernel is no kernel",
			entries:    []map[string]string{rpmEntry("kernel-tools", "4.14.47", "56.37.amzn1", "x86_64"), rpmEntry("kernel-headers", "4.14.47", "56.37.amzn1", "x86_64")},
			wantDetail: "no kernel package in inventory",
		},
		{
			name:       "an empty inventory is no kernel",
			wantDetail: "no kernel package in inventory",
		},
		{
			name:       "a kernel RPM without an architecture cannot be spelled",
			entries:    []map[string]string{rpmEntry("kernel", "4.14.47", "56.37.amzn1", "")},
			wantDetail: "kernel package kernel in inventory lacks Version, Release or Architecture",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rel, detail := ssmcollect.ReleaseFromInventory(tt.entries)
			if rel != tt.wantRelease || detail != tt.wantDetail {
				t.Errorf("ReleaseFromInventory = (%q, %q), want (%q, %q)", rel, detail, tt.wantRelease, tt.wantDetail)
			}
		})
	}
}

func TestReleaseFromUname(t *testing.T) {
	tests := []struct {
		name   string
		output string
		want   string
		wantOK bool
	}{
		{"one line with its newline is the release", "4.14.33-51.37.amzn1.x86_64\n", "4.14.33-51.37.amzn1.x86_64", true},
		{"surrounding blanks are trimmed", "  5.15.0-1051-aws \r\n", "5.15.0-1051-aws", true},
		{"empty output is no release", "", "", false},
		{"blank output is no release", " \n\n", "", false},
		{"two lines are not one release", "4.4.0-1066-aws\nsecond line\n", "", false},
		{"a line with words is not a release", "uname: command not found\n", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := ssmcollect.ReleaseFromUname(tt.output)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("ReleaseFromUname(%q) = (%q, %v), want (%q, %v)", tt.output, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}
