package config

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDefaultDataHoldsEveryKey(t *testing.T) {
	got, err := json.Marshal(Default().Data())
	if err != nil {
		t.Fatal(err)
	}
	want := `{"appliances":{"name_contains":["threat manager"],"tags":{"ProductVendor":"AlertLogic"}},` +
		`"datacenter":"us","exclude_accounts":[],"exclude_vpcs":[],` +
		`"monitored":{"exclude_tags":{},"include_tags":{}},"profile":"pdr-2018-10","rapid7_region":"us"}`
	if string(got) != want {
		t.Errorf("Default().Data() =\n%s\nwant\n%s", got, want)
	}
}

func TestParseReadsEveryKeyOverTheDefaults(t *testing.T) {
	const file = `# pdr-audit.yaml
profile: pdr-2020-03
datacenter: eu
rapid7_region: au
monitored:
  include_tags:
    pdr:monitored: true
  exclude_tags: {env: "*"}
appliances:
  name_contains: [Threat Manager, "IDS "]
exclude_vpcs:
  - vpc-0bf81f5e18895f522
  - vpc-1234abcd
exclude_accounts: [111122223333, "012345678901"]
remediation:
  security_groups: dedicated
  instance_profile: pdr-ssm
  appliance:
    image_id: ami-0123456789abcdef0
    security_groups: {vpc-0bf81f5e18895f522: sg-0123456789abcdef0}
`
	cfg, err := Parse("pdr-audit.yaml", []byte(file))
	if err != nil {
		t.Fatal(err)
	}
	want := &Config{
		Path: "pdr-audit.yaml", Profile: "pdr-2020-03", Datacenter: "eu", Rapid7Region: "au",
		Monitored: Monitored{IncludeTags: map[string]string{"pdr:monitored": "true"}, ExcludeTags: map[string]string{"env": "*"}},
		// tags keeps its default: keys the file does not set are left alone.
		Appliances:      Appliances{Tags: map[string]string{"ProductVendor": "AlertLogic"}, NameContains: []string{"ids ", "threat manager"}},
		ExcludeVPCs:     []string{"vpc-0bf81f5e18895f522", "vpc-1234abcd"},
		ExcludeAccounts: []string{"012345678901", "111122223333"},
		// instance_type keeps its default.
		Remediation: Remediation{SecurityGroups: GroupsDedicated, InstanceProfile: "pdr-ssm",
			Appliance: ApplianceLaunch{ImageID: "ami-0123456789abcdef0", InstanceType: "c5.large",
				SecurityGroups: map[string]string{"vpc-0bf81f5e18895f522": "sg-0123456789abcdef0"}}},
	}
	if diff := cmp.Diff(want, cfg); diff != "" {
		t.Errorf("config (-want +got):\n%s", diff)
	}
}

func TestParseEmptyFilesGiveTheDefaults(t *testing.T) {
	for _, text := range []string{"", "# only a comment\n", "---\n"} {
		cfg, err := Parse("c.yaml", []byte(text))
		if err != nil {
			t.Fatalf("Parse(%q): %v", text, err)
		}
		want := Default()
		want.Path = "c.yaml"
		if diff := cmp.Diff(want, cfg); diff != "" {
			t.Errorf("Parse(%q) (-want +got):\n%s", text, diff)
		}
	}
}

func TestParseClearsAListOrMapSetEmpty(t *testing.T) {
	cfg, err := Parse("c.yaml", []byte("appliances:\n  name_contains: []\n  tags:\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Appliances.NameContains) != 0 || len(cfg.Appliances.Tags) != 0 {
		t.Errorf("appliances = %+v, want both selectors cleared", cfg.Appliances)
	}
}

func TestParseRefusesBadConfigNamingFileKeyAndLine(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want string
	}{
		{"an unknown top-level key is named with its line", "profile: pdr-2018-10\nprofiel: pdr-2020-03\n",
			"config file c.yaml, line 2, key profiel: unknown key (valid keys: appliances, datacenter, exclude_accounts, exclude_vpcs, monitored, profile, rapid7_region, remediation)"},
		{"a malformed appliance AMI is named by its path", "remediation:\n  appliance:\n    image_id: ami-xyz\n",
			"config file c.yaml, line 3, key remediation.appliance.image_id: \"ami-xyz\" is not an AMI id"},
		{"an unknown security group strategy lists the valid ones", "remediation:\n  security_groups: shared\n",
			"config file c.yaml, line 2, key remediation.security_groups: \"shared\" is not one of existing, dedicated"},
		{"an unknown nested key is named by its path", "monitored:\n  include_tags: {}\n  excluded_tags: {}\n",
			"config file c.yaml, line 3, key monitored.excluded_tags: unknown key (valid keys: exclude_tags, include_tags)"},
		{"a bad profile lists the ones this build has", "profile: pdr-2025-01\n",
			`config file c.yaml, line 1, key profile: "pdr-2025-01" is not one of pdr-2018-10, pdr-2020-03`},
		{"a bad datacenter is refused", "datacenter: apac\n",
			`line 1, key datacenter: "apac" is not one of us, eu`},
		{"a bad Rapid7 region is refused", "rapid7_region: jp\n",
			`key rapid7_region: "jp" is not one of us, ca, eu, ap, au`},
		{"a bad account id is refused with its position", "exclude_accounts:\n  - 111122223333\n  - 1234\n",
			`config file c.yaml, line 3, key exclude_accounts[1]: "1234" is not an AWS account id (12 digits)`},
		{"a bad VPC id is refused", "exclude_vpcs: [vpc-xyz]\n",
			`line 1, key exclude_vpcs[0]: "vpc-xyz" is not a VPC id`},
		{"a subnet id is not a VPC id", "exclude_vpcs: [subnet-0bf81f5e18895f522]\n",
			`"subnet-0bf81f5e18895f522" is not a VPC id`},
		{"a string where a list belongs is a type error", "exclude_vpcs: vpc-1234abcd\n",
			"line 1, key exclude_vpcs: must be a list, not a string"},
		{"a list where a string belongs is a type error", "profile: [pdr-2018-10]\n",
			"key profile: must be a string, not a list"},
		{"a list where tags belong is a type error", "appliances:\n  tags: [ProductVendor]\n",
			"line 2, key appliances.tags: must be a mapping of tag key to value"},
		{"a tag without a value is refused", "monitored:\n  include_tags:\n    pdr:monitored:\n",
			`line 3, key monitored.include_tags.pdr:monitored: needs a value ("*" matches any value)`},
		{"a scalar where a section belongs is a type error", "monitored: true\n",
			"line 1, key monitored: must be a mapping, not a boolean"},
		{"a key set twice is refused", "datacenter: us\ndatacenter: eu\n",
			"line 2, key datacenter: set twice (first on line 1)"},
		{"an empty name pattern is refused", "appliances:\n  name_contains: [\"\"]\n",
			"key appliances.name_contains[0]: an empty name would match every instance"},
		{"a top-level list is refused", "- profile\n",
			"config file c.yaml, line 1: must be a mapping, not a list"},
		{"two documents are refused", "profile: pdr-2018-10\n---\nprofile: pdr-2020-03\n",
			"config file c.yaml, line 2: more than one YAML document"},
		{"broken YAML is refused", "profile: [\n",
			"config file c.yaml: not valid YAML"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("c.yaml", []byte(tt.yaml))
			if err == nil {
				t.Fatal("Parse accepted the file")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %q, want it to contain %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error %q spans several lines", err)
			}
			var ce *Error
			if !errors.As(err, &ce) {
				t.Errorf("error is %T, want *config.Error", err)
			}
		})
	}
}

func TestLoadNamesAMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "absent.yaml"))
	if err == nil || !strings.Contains(err.Error(), "absent.yaml") {
		t.Errorf("Load(absent) error = %v, want one naming the file", err)
	}
	path := filepath.Join(t.TempDir(), "pdr-audit.yaml")
	if err := os.WriteFile(path, []byte("datacenter: eu\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(path)
	if err != nil || cfg.Datacenter != "eu" || cfg.Path != path {
		t.Errorf("Load = %+v, %v; want datacenter eu from %s", cfg, err, path)
	}
}
