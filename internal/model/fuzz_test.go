package model

import (
	"bytes"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

// fuzzSeedSnapshot is a small snapshot with at least one of everything,
// so the fuzzer starts from every field's encoding. The committed corpus
// (testdata/fuzz/FuzzDecode) adds a real one: the import of
// testdata/estates/example.
func fuzzSeedSnapshot() *Snapshot {
	p := func(v int32) *int32 { return &v }
	return &Snapshot{
		SchemaVersion: SchemaVersion,
		Tool:          Tool{Name: "pdr-audit", Version: "test"},
		CollectedAt:   time.Date(2024, 1, 2, 3, 4, 5, 6, time.UTC),
		Scope:         Scope{Source: "import", Accounts: []string{"111122223333"}, Regions: []string{"us-east-1"}, KernelSource: "inventory"},
		Accounts: []Account{{
			ID: "111122223333",
			InstanceProfiles: []InstanceProfile{{Name: "p", ARN: "arn:aws:iam::111122223333:instance-profile/p",
				Roles: []Role{{Name: "r", ARN: "arn:r", AttachedPolicies: []string{"arn:b", "arn:a"}, PoliciesRead: true},
					{Name: "q", PoliciesRead: false}}}},
			Regions: []Region{{
				Name:    "us-east-1",
				VPCs:    []VPC{{ID: "vpc-1", OwnerID: "111122223333", State: "available", CIDRBlocks: []string{"10.0.0.0/16"}, Tags: Tags{"Name": "main"}}},
				Subnets: []Subnet{{ID: "subnet-1", VPCID: "vpc-1", AvailabilityZone: "us-east-1a", CIDRBlock: "10.0.1.0/24", MapPublicIPOnLaunch: true}},
				SecurityGroups: []SecurityGroup{{ID: "sg-1", Name: "default", VPCID: "vpc-1",
					Ingress: []Permission{{Protocol: "tcp", FromPort: p(443), ToPort: p(443), IPv4Ranges: []string{"0.0.0.0/0"},
						Groups: []GroupRef{{GroupID: "sg-2", UserID: "999988887777"}}, PrefixListIDs: []string{"pl-1"}}},
					Egress: []Permission{{Protocol: "-1", IPv4Ranges: []string{"0.0.0.0/0"}, IPv6Ranges: []string{"::/0"}}}}},
				NetworkACLs: []NetworkACL{{ID: "acl-1", VPCID: "vpc-1", IsDefault: true,
					Entries: []NetworkACLEntry{{RuleNumber: 100, Protocol: "6", RuleAction: "allow", CIDRBlock: "0.0.0.0/0", PortFrom: p(1024), PortTo: p(65535)},
						{RuleNumber: 32767, Egress: true, Protocol: "1", RuleAction: "deny", CIDRBlock: "0.0.0.0/0", ICMPType: p(-1), ICMPCode: p(-1)}},
					Associations: []NetworkACLAssociation{{ID: "aclassoc-1", SubnetID: "subnet-1"}}}},
				RouteTables: []RouteTable{{ID: "rtb-1", VPCID: "vpc-1", Main: true,
					Routes: []Route{{DestinationCIDR: "10.0.0.0/16", TargetType: TargetLocal, TargetID: "local", State: "active", Origin: "CreateRouteTable"},
						{DestinationPrefixListID: "pl-1", TargetType: TargetNATGateway, TargetID: "nat-1", State: "blackhole"}},
					Associations: []RouteTableAssociation{{ID: "rtbassoc-1", Main: true, State: "associated"}}}},
				NATGateways: []NATGateway{{ID: "nat-1", VPCID: "vpc-1", SubnetID: "subnet-1", State: "available", ConnectivityType: "public",
					Addresses: []NATAddress{{PublicIP: "3.3.3.3", PrivateIP: "10.0.1.5", AllocationID: "eipalloc-1"}}}},
				InternetGateways: []InternetGateway{{ID: "igw-1", Attachments: []InternetGatewayAttachment{{VPCID: "vpc-1", State: "available"}}}},
				VPCEndpoints: []VPCEndpoint{{ID: "vpce-1", VPCID: "vpc-1", Type: "Interface", ServiceName: "com.amazonaws.us-east-1.ssm",
					PrivateDNSEnabled: true, SubnetIDs: []string{"subnet-1"}, SecurityGroupIDs: []string{"sg-1"}}},
				PrefixLists: []PrefixList{{ID: "pl-1", Name: "list", AddressFamily: "IPv4", MaxEntries: p(5), CIDRs: []string{"8.8.8.8/32"}, EntriesRead: true}},
				Instances: []Instance{{ID: "i-1", State: "running", VPCID: "vpc-1", SubnetID: "subnet-1", PrivateIP: "10.0.1.10",
					SecurityGroupIDs: []string{"sg-1"}, LaunchTime: time.Date(2023, 5, 6, 7, 8, 9, 0, time.FixedZone("", 3600)),
					NetworkInterfaces: []NetworkInterface{{ID: "eni-1", SubnetID: "subnet-1", PrivateIPs: []string{"10.0.1.10"}, SecurityGroupIDs: []string{"sg-1"}}}}},
				SSMInstances:          []SSMInstance{{InstanceID: "i-1", PingStatus: "Online", LastPingAt: time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC)}},
				Kernels:               []Kernel{{InstanceID: "i-1", Release: "5.10.0", Source: KernelFromRunCommand}},
				DefaultHostManagement: &ServiceSetting{SettingID: "/ssm/managed-instance/default-ec2-instance-management-role", Value: "role", Status: "Customized"},
			}},
		}},
		Gaps: []Gap{{Account: "111122223333", Region: "us-east-1", API: "ec2:DescribeNetworkAcls", Class: GapDenied, Code: "UnauthorizedOperation", Message: "no"},
			{Account: "111122223333", Region: "global", API: "iam:GetInstanceProfile", Resource: "p", Class: GapThrottled, Code: "Throttling"}},
	}
}

// FuzzDecode feeds arbitrary bytes to Decode. Property: it never panics,
// an error comes with no snapshot, and an accepted snapshot re-encodes
// (Encode) to bytes that decode to an equal snapshot and encode to the
// same bytes again: the encoding is canonical.
func FuzzDecode(f *testing.F) {
	seed, err := Marshal(fuzzSeedSnapshot())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	for _, s := range []string{
		`{"schema_version":"1"}`,
		`{"schema_version":"1","accounts":null,"gaps":null}`,
		`{"schema_version":"1","accounts":[{"id":"b"},{"id":"a"},{"id":"a","regions":[{"name":"x"}]}]}`,
		`{"schema_version":"1","gaps":[{"account":"a","api":"x","class":"denied"},{"account":"a","api":"x","class":"error"},{"account":"a","api":"x","class":"denied"}]}`,
		`{"schema_version":"1","collected_at":"2024-01-02T03:04:05.123456789123+14:00"}`,
		`{"schema_version":"1","collected_at":"0000-01-01T00:00:00Z"}`,
		`{"schema_version":"1","accounts":[{"id":"a","regions":[{"name":"r","network_acls":[{"id":"acl","entries":[{"rule_number":1,"protocol":"6"},{"rule_number":1,"protocol":"17"}]}]}]}]}`,
		`{"schema_version":"1"} trailing`,
		`{"schema_version":"2"}`,
		`{"schema_version":null}`,
		`{"schema_version":"1","schema_version":"1"}`,
		`[]`,
		`null`,
		"",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Decode(data)
		if err != nil {
			if s != nil {
				t.Fatalf("Decode returned a snapshot with the error %v", err)
			}
			if err.Error() == "" || !oneClearLine(err.Error()) {
				t.Fatalf("Decode error %q is empty or not one clear line", err)
			}
			return
		}
		first, err := Marshal(s)
		if err != nil {
			t.Fatalf("an accepted snapshot does not encode: %v", err)
		}
		again, err := Decode(first)
		if err != nil {
			t.Fatalf("the encoding of an accepted snapshot does not decode: %v\n%s", err, first)
		}
		if diff := cmp.Diff(s, again); diff != "" {
			t.Fatalf("decode(encode(s)) differs from s (-s +again):\n%s", diff)
		}
		second, err := Marshal(again)
		if err != nil {
			t.Fatalf("a re-decoded snapshot does not encode: %v", err)
		}
		if !bytes.Equal(first, second) {
			t.Fatalf("encoding is not canonical:\nfirst:\n%s\nsecond:\n%s", first, second)
		}
	})
}

// oneClearLine reports whether s is one line of valid UTF-8 that a
// terminal shows as it reads: no control character (no line break, no
// escape sequence; DEL, which terminals ignore and time.Parse's own
// messages carry, excepted) and no bidirectional override.
func oneClearLine(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsFunc(s, func(r rune) bool {
		return r != 0x7f && unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r)
	})
}
