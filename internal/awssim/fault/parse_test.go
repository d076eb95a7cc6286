package fault

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The example of ESTATES.md, verbatim.
const estatesExample = `[
  {"account": "*", "region": "us-west-2", "action": "ec2:DescribeNetworkAcls", "error": "UnauthorizedOperation"},
  {"account": "*", "region": "*", "action": "ec2:DescribeInstances", "error": "RequestLimitExceeded", "first": 3},
  {"account": "111122223333", "region": "*", "action": "ssm:DescribeInstanceInformation", "error": "InternalError", "rate": 0.2, "seed": 7}
]
`

func TestParseAcceptsTheDocumentedExample(t *testing.T) {
	got, err := Parse("faults.json", []byte(estatesExample))
	if err != nil {
		t.Fatal(err)
	}
	want := []Rule{
		{Account: "*", Region: "us-west-2", Action: "ec2:DescribeNetworkAcls", Error: "UnauthorizedOperation",
			Pos: Position{File: "faults.json", Index: 0, Line: 2, Col: 3}},
		{Account: "*", Region: "*", Action: "ec2:DescribeInstances", Error: "RequestLimitExceeded", First: 3,
			Pos: Position{File: "faults.json", Index: 1, Line: 3, Col: 3}},
		{Account: "111122223333", Region: "*", Action: "ssm:DescribeInstanceInformation", Error: "InternalError", Rate: 0.2, Seed: 7,
			Pos: Position{File: "faults.json", Index: 2, Line: 4, Col: 3}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("rules (-want +got):\n%s", diff)
	}
}

func TestParseValidFiles(t *testing.T) {
	tests := []struct {
		name string
		data string
		want []Rule
	}{
		{
			name: "an empty array means no faults",
			data: "[]",
			want: []Rule{},
		},
		{
			name: "absent account and region default to the wildcard",
			data: `[{"action": "iam:GetInstanceProfile", "error": "AccessDenied"}]`,
			want: []Rule{{Account: "*", Region: "*", Action: "iam:GetInstanceProfile", Error: "AccessDenied"}},
		},
		{
			name: "a rate of exactly one is allowed and seed defaults to zero",
			data: `[{"action": "sts:AssumeRole", "error": "Throttling", "rate": 1}]`,
			want: []Rule{{Account: "*", Region: "*", Action: "sts:AssumeRole", Error: "Throttling", Rate: 1}},
		},
		{
			name: "dotted EC2 error codes and the largest seed are accepted",
			data: `[{"action": "ec2:DescribeImages", "error": "InvalidAMIID.NotFound", "rate": 0.5, "seed": 18446744073709551615}]`,
			want: []Rule{{Account: "*", Region: "*", Action: "ec2:DescribeImages", Error: "InvalidAMIID.NotFound", Rate: 0.5, Seed: 1<<64 - 1}},
		},
		{
			name: "keys may come in any order",
			data: `[{"first": 2, "error": "TooManyRequestsException", "region": "us-gov-west-1", "action": "organizations:ListAccounts", "account": "123456789012"}]`,
			want: []Rule{{Account: "123456789012", Region: "us-gov-west-1", Action: "organizations:ListAccounts", Error: "TooManyRequestsException", First: 2}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse("f.json", []byte(tt.data))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got, cmp.FilterPath(func(p cmp.Path) bool {
				return p.Last().String() == ".Pos"
			}, cmp.Ignore())); diff != "" {
				t.Errorf("rules (-want +got):\n%s", diff)
			}
		})
	}
}

// In the inputs below, § marks where the error must be reported; it is
// removed before parsing.
func TestParseRejects(t *testing.T) {
	tests := []struct {
		name  string
		data  string
		index int
		key   string
		msg   string // substring of the message
	}{
		{"an empty file", "§", -1, "", "invalid JSON: unexpected end"},
		{"a truncated array", `[{"action": "ec2:DescribeVpcs", "error": "X"}§`, -1, "", "unexpected end"},
		{"a missing comma, at the offending character", "[\n  {\"action\": \"ec2:DescribeVpcs\" §\"error\": \"X\"}\n]", -1, "", "invalid JSON"},
		{"a trailing comma", `[{"action": "ec2:DescribeVpcs", "error": "X",§}]`, -1, "", "invalid JSON"},
		{"data after the array", `[] §[]`, -1, "", "after top-level value"},
		{"an object instead of an array", `§{"action": "ec2:DescribeVpcs"}`, -1, "", "want a JSON array of fault rules, got an object"},
		{"an element that is not an object", `[§"ec2:DescribeVpcs"]`, 0, "", `want an object, got the string "ec2:DescribeVpcs"`},
		{"an unknown key", `[{"action": "ec2:DescribeVpcs", "error": "X"}, {§"Action": "ec2:DescribeVpcs", "error": "X"}]`, 1, "Action", "unknown key (want account, region, action"},
		{"a duplicate key", `[{"action": "ec2:DescribeVpcs", "error": "X", §"action": "ec2:DescribeSubnets"}]`, 0, "action", "duplicate key"},
		{"a missing action, at the rule", "[\n  §{\"error\": \"X\"}\n]", 0, "", `missing "action"`},
		{"a missing error, at the rule", `[§{"action": "ec2:DescribeVpcs"}]`, 0, "", `missing "error"`},
		{"a numeric account", `[{"account": §111122223333, "action": "ec2:DescribeVpcs", "error": "X"}]`, 0, "account", "want a string, got the number 111122223333"},
		{"a short account id", `[{"account": §"11112222333", "action": "ec2:DescribeVpcs", "error": "X"}]`, 0, "account", "want a 12-digit account id"},
		{"an empty account", `[{"account": §"", "action": "ec2:DescribeVpcs", "error": "X"}]`, 0, "account", "want a 12-digit account id"},
		{"a region in capitals", `[{"region": §"EU-WEST-1", "action": "ec2:DescribeVpcs", "error": "X"}]`, 0, "region", "want a region code"},
		{"a null region", `[{"region": §null, "action": "ec2:DescribeVpcs", "error": "X"}]`, 0, "region", "want a string, got null"},
		{"an action without a service", `[{"action": §"DescribeVpcs", "error": "X"}]`, 0, "action", "want service:Operation"},
		{"an operation in lower case", `[{"action": §"ec2:describeVpcs", "error": "X"}]`, 0, "action", "want service:Operation"},
		{"a service the simulator does not speak", `[{"action": §"s3:ListBuckets", "error": "X"}]`, 0, "action", `unknown service "s3"`},
		{"an action given as an array", `[{"action": §["ec2:DescribeVpcs"], "error": "X"}]`, 0, "action", "want a string, got an array"},
		{"an error code with a space", `[{"action": "ec2:DescribeVpcs", "error": §"Access Denied"}]`, 0, "error", "want an AWS error code"},
		{"an error code given as an object", `[{"action": "ec2:DescribeVpcs", "error": §{"code": "X"}}]`, 0, "error", "want a string, got an object"},
		{"first given as a string", `[{"action": "ec2:DescribeVpcs", "error": "X", "first": §"3"}]`, 0, "first", `want a number, got the string "3"`},
		{"first of zero", `[{"action": "ec2:DescribeVpcs", "error": "X", "first": §0}]`, 0, "first", "want at least 1, got 0"},
		{"a negative first", `[{"action": "ec2:DescribeVpcs", "error": "X", "first": §-2}]`, 0, "first", "want at least 1, got -2"},
		{"a fractional first", `[{"action": "ec2:DescribeVpcs", "error": "X", "first": §1.5}]`, 0, "first", "want a whole number of calls, got 1.5"},
		{"a rate of zero", `[{"action": "ec2:DescribeVpcs", "error": "X", "rate": §0}]`, 0, "rate", "want a fraction in (0, 1], got 0"},
		{"a rate above one", `[{"action": "ec2:DescribeVpcs", "error": "X", "rate": §1.5}]`, 0, "rate", "want a fraction in (0, 1], got 1.5"},
		{"a negative rate", `[{"action": "ec2:DescribeVpcs", "error": "X", "rate": §-0.1}]`, 0, "rate", "want a fraction in (0, 1]"},
		{"a rate given as a boolean", `[{"action": "ec2:DescribeVpcs", "error": "X", "rate": §true}]`, 0, "rate", "want a number, got true"},
		{"both first and rate", `[{"action": "ec2:DescribeVpcs", "error": "X", "first": 1, §"rate": 0.5}]`, 0, "rate", `"first" and "rate" exclude each other`},
		{"a seed without a rate", `[{"action": "ec2:DescribeVpcs", "error": "X", §"seed": 7}]`, 0, "seed", `"seed" only applies to a "rate" rule`},
		{"a negative seed", `[{"action": "ec2:DescribeVpcs", "error": "X", "rate": 0.5, "seed": §-1}]`, 0, "seed", "want a whole number from 0 to 18446744073709551615, got -1"},
		{"a seed beyond 64 bits", `[{"action": "ec2:DescribeVpcs", "error": "X", "rate": 0.5, "seed": §18446744073709551616}]`, 0, "seed", "want a whole number"},
		{"a syntax error after wide characters, by character column", `[{"action": "ü€" §x}]`, -1, "", "invalid JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			at := strings.Index(tt.data, "§")
			if at < 0 {
				t.Fatal("test input has no § marker")
			}
			data := strings.Replace(tt.data, "§", "", 1)
			wantLine, wantCol := lineCol([]byte(data), int64(at))

			rules, err := Parse("faults.json", []byte(data))
			if err == nil {
				t.Fatalf("Parse succeeded with %+v; want an error", rules)
			}
			var perr *ParseError
			if !errors.As(err, &perr) {
				t.Fatalf("error %v is a %T; want *ParseError", err, err)
			}
			got := [4]any{perr.Line, perr.Col, perr.Index, perr.Key}
			want := [4]any{wantLine, wantCol, tt.index, tt.key}
			if got != want {
				t.Errorf("error %q at line, col, index, key %v; want %v", err, got, want)
			}
			if !strings.Contains(perr.Msg, tt.msg) {
				t.Errorf("message %q does not contain %q", perr.Msg, tt.msg)
			}
			if !strings.HasPrefix(err.Error(), "faults.json:") {
				t.Errorf("error %q does not start with the file name", err)
			}
		})
	}
}

func TestParseErrorNamesFileLineIndexAndKey(t *testing.T) {
	data := "[\n  {\"action\": \"ec2:DescribeVpcs\", \"error\": \"X\"},\n  {\"action\": \"ec2:DescribeVpcs\", \"error\": \"X\", \"rate\": 1.5}\n]\n"
	_, err := Parse("estates/demo/faults.json", []byte(data))
	want := "estates/demo/faults.json:3:56: [1].rate: want a fraction in (0, 1], got 1.5"
	if err == nil || err.Error() != want {
		t.Errorf("error %v; want %q", err, want)
	}
}

func TestParseSyntaxErrorUnwrapsToTheJSONError(t *testing.T) {
	_, err := Parse("faults.json", []byte(`[{]`))
	var se *json.SyntaxError
	if !errors.As(err, &se) {
		t.Errorf("error %v does not wrap a *json.SyntaxError", err)
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "faults.json")
	if err := os.WriteFile(path, []byte(estatesExample), 0o600); err != nil {
		t.Fatal(err)
	}

	t.Run("a file is read and its rules carry its path", func(t *testing.T) {
		rules, err := Load(path)
		if err != nil {
			t.Fatal(err)
		}
		if len(rules) != 3 || rules[2].Pos.String() != path+":4:3" {
			t.Errorf("got %d rules, last at %v; want 3, last at %s:4:3", len(rules), rules[len(rules)-1].Pos, path)
		}
	})
	t.Run("a missing file is fs.ErrNotExist", func(t *testing.T) {
		_, err := Load(filepath.Join(dir, "absent.json"))
		if !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("error %v; want one matching fs.ErrNotExist", err)
		}
	})
}
