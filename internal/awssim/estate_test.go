package awssim_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pdr-audit/pdr-audit/internal/awssim"
	"github.com/pdr-audit/pdr-audit/internal/awssim/simtest"
)

func TestEveryTestEstateLoads(t *testing.T) {
	dirs, err := os.ReadDir(simtest.EstatesDir(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dirs {
		if !d.IsDir() {
			continue
		}
		t.Run(d.Name(), func(t *testing.T) {
			if _, err := awssim.LoadEstate(filepath.Join(simtest.EstatesDir(t), d.Name())); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// A bad estate is refused whole, with the file and the place of the error.
func TestBadEstatesAreRefusedWithFileAndPosition(t *testing.T) {
	tests := []struct {
		name  string
		file  string
		data  string
		wants []string
	}{
		{"a JSON syntax error names line and column", "eu-west-1/ec2/describe-vpcs.json",
			"{\n  \"Vpcs\": [\n    {\"VpcId\": \"vpc-1\",}\n  ]\n}\n", []string{"describe-vpcs.json", "line 3, column 23"}},
		{"a field AWS does not have is named with its path", "eu-west-1/ec2/describe-subnets.json",
			`{"Subnets": [{"SubnetId": "subnet-1", "Colour": "red"}]}`, []string{"describe-subnets.json", ".Subnets[0].Colour", "Subnet"}},
		{"a value of the wrong type is named", "eu-west-1/ec2/describe-instances.json",
			`{"Reservations": [{"Instances": [{"InstanceId": "i-1", "AmiLaunchIndex": "zero"}]}]}`, []string{".Reservations[0].Instances[0].AmiLaunchIndex", "want an integer"}},
		{"a file the format does not define is refused", "eu-west-1/ec2/describe-volumes.json",
			`{"Volumes": []}`, []string{"describe-volumes.json", "not a file of the estate format"}},
		{"a truncated file is refused", "eu-west-1/ssm/describe-instance-information.json",
			`{"InstanceInformationList": [`, []string{"describe-instance-information.json", "line 1"}},
		{"a bad timestamp is refused", "eu-west-1/ec2/describe-instances.json",
			`{"Reservations": [{"Instances": [{"InstanceId": "i-1", "LaunchTime": "yesterday"}]}]}`, []string{"LaunchTime", "RFC 3339"}},
		{"a bad faults.json is refused", "faults.json",
			`[{"action": "ec2:DescribeVpcs", "error": "InternalError", "rate": 2}]`, []string{"faults.json", "rate"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := simtest.CopyEstate(t, filepath.Join(simtest.EstatesDir(t), "example"))
			if err := os.WriteFile(filepath.Join(dir, tt.file), []byte(tt.data), 0o644); err != nil {
				t.Fatal(err)
			}
			est, err := awssim.LoadEstate(dir)
			if err == nil {
				_, err = awssim.NewServer(est, awssim.Options{})
			}
			if err == nil {
				t.Fatal("the bad estate was accepted")
			}
			if !errors.Is(err, awssim.ErrBadEstate) {
				t.Errorf("error %v does not wrap ErrBadEstate", err)
			}
			for _, w := range tt.wants {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}
