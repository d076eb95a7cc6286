package awssim

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/pdr-audit/pdr-audit/internal/awssim/simmodel"
)

// FuzzParseDoc feeds arbitrary bytes to parseDoc, the byte-level entry of
// estate loading, and every document it accepts to the shape check of
// every operation an estate file may hold. Properties: neither panics; a
// refusal names the file and wraps ErrBadEstate.
func FuzzParseDoc(f *testing.F) {
	for _, fz := range fuzzEstateFiles {
		f.Add(readExampleFile(f, fz.path))
	}
	for _, s := range []string{
		`{}`, `null`, `[]`, `{"Vpcs":[{"VpcId":"vpc-1","CidrBlock":"10.0.0.0/16","IsDefault":true}]}`,
		`{"Vpcs":null,"NextToken":1}`, `{"a":1} {"b":2}`, `{"a":1e999}`, `{"a":9223372036854775808}`,
		`{"Reservations":[{"Instances":[{"LaunchTime":"2024-13-01T00:00:00Z"}]}]}`,
		"{\n\"a\": [1,\n2,,]}", "\xef\xbb\xbf{}", ``, `{"Vpcs":[{"\u001b[31m\n":1}]}`,
	} {
		f.Add([]byte(s))
	}
	const name = "fuzz/doc.json"
	var table []estateFile
	table = append(table, regionFiles...)
	table = append(table, accountFiles...)
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, err := parseDoc(name, data)
		if err != nil {
			if doc != nil {
				t.Fatalf("parseDoc returned a document with the error %v", err)
			}
			if !errors.Is(err, ErrBadEstate) || !strings.HasPrefix(err.Error(), name+": ") || !oneClearLine(err.Error()) {
				t.Fatalf("parseDoc error %q does not name the file, wrap ErrBadEstate or keep to one clear line", err)
			}
			return
		}
		for _, ef := range table {
			m := simmodel.MustLoad(ef.service)
			if err := validateDoc(m, m.Operations[ef.op].Output, doc, ""); err != nil && (err.Error() == "" || !oneClearLine(err.Error())) {
				t.Fatalf("%s: the error %q is empty or not one clear line", ef.op, err)
			}
		}
	})
}

// fuzzEstateFile is a file of testdata/estates/example that FuzzLoadEstate
// replaces, with the request that reads it back from the simulator (none
// for faults.json, whose rules may fail calls on purpose).
type fuzzEstateFile struct {
	path    string
	service string
	region  string
	target  string // X-Amz-Target of a JSON-protocol call
	body    string
}

var fuzzEstateFiles = []fuzzEstateFile{
	{"account.json", "sts", "us-east-1", "", "Action=GetCallerIdentity&Version=2011-06-15"},
	{"eu-west-1/ec2/describe-vpcs.json", "ec2", "eu-west-1", "", "Action=DescribeVpcs&Version=2016-11-15"},
	{"eu-west-1/ec2/describe-subnets.json", "ec2", "eu-west-1", "", "Action=DescribeSubnets&Version=2016-11-15"},
	{"eu-west-1/ec2/describe-instances.json", "ec2", "eu-west-1", "", "Action=DescribeInstances&Version=2016-11-15&MaxResults=5"},
	{"eu-west-1/ec2/describe-security-groups.json", "ec2", "eu-west-1", "", "Action=DescribeSecurityGroups&Version=2016-11-15"},
	{"eu-west-1/ec2/describe-network-acls.json", "ec2", "eu-west-1", "", "Action=DescribeNetworkAcls&Version=2016-11-15"},
	{"eu-west-1/ec2/describe-route-tables.json", "ec2", "eu-west-1", "", "Action=DescribeRouteTables&Version=2016-11-15"},
	{"eu-west-1/ec2/describe-managed-prefix-lists.json", "ec2", "eu-west-1", "", "Action=DescribeManagedPrefixLists&Version=2016-11-15"},
	{"eu-west-1/ssm/describe-instance-information.json", "ssm", "eu-west-1", "AmazonSSM.DescribeInstanceInformation", `{}`},
	{"eu-west-1/ssm/list-inventory-entries/i-01f6d8f5b7d4c9178/AWS_Application.json", "ssm", "eu-west-1",
		"AmazonSSM.ListInventoryEntries", `{"InstanceId":"i-01f6d8f5b7d4c9178","TypeName":"AWS:Application"}`},
	{"iam/get-instance-profile/pdr-ssm-instance.json", "iam", "us-east-1", "",
		"Action=GetInstanceProfile&InstanceProfileName=pdr-ssm-instance&Version=2010-05-08"},
	{"faults.json", "", "", "", ""},
}

// readExampleFile reads a file of testdata/estates/example; faults.json,
// which the example has not, is the documented example of ESTATES.md.
func readExampleFile(t testing.TB, rel string) []byte {
	t.Helper()
	if rel == "faults.json" {
		return []byte(`[
  {"account": "*", "region": "us-west-2", "action": "ec2:DescribeNetworkAcls", "error": "UnauthorizedOperation"},
  {"account": "*", "region": "*", "action": "ec2:DescribeInstances", "error": "RequestLimitExceeded", "first": 3},
  {"account": "555566667777", "region": "*", "action": "ssm:DescribeInstanceInformation", "error": "InternalError", "rate": 0.2, "seed": 7}
]
`)
	}
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "estates", "example", filepath.FromSlash(rel)))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// copyTree copies the directory src to dst.
func copyTree(t testing.TB, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// FuzzLoadEstate loads the example estate with one of its files (chosen by
// which) replaced by arbitrary bytes. Properties: LoadEstate never panics,
// and a refusal wraps ErrBadEstate and names the replaced file; an estate
// that loads makes a server (NewServer parses faults.json; its refusals
// wrap ErrBadEstate too), and that server answers the call that reads the
// replaced file without panicking and without an internal error: what
// passed validation at load can always be served.
func FuzzLoadEstate(f *testing.F) {
	for i, fz := range fuzzEstateFiles {
		f.Add(uint8(i), readExampleFile(f, fz.path))
	}
	f.Add(uint8(1), []byte(`{"Vpcs":[{"VpcId":"vpc-1","Tags":[{"Key":"Name"}],"CidrBlockAssociationSet":[{}]}]}`))
	f.Add(uint8(0), []byte(`{"Account":"555566667777","Arn":"arn:aws:iam::555566667777:root","UserId":"x"}`))
	f.Add(uint8(0), []byte(`{"Account":"5555666677771"}`))
	f.Add(uint8(11), []byte(`[{"action":"ec2:DescribeVpcs","error":"InternalError","delay":"1ms","body":"truncated"}]`))
	f.Add(uint8(11), []byte(`[{"action":"ec2:FlyToTheMoon","error":"X"}]`))

	dir := filepath.Join(f.TempDir(), "estate")
	copyTree(f, filepath.Join("..", "..", "testdata", "estates", "example"), dir)
	f.Fuzz(func(t *testing.T, which uint8, data []byte) {
		fz := fuzzEstateFiles[int(which)%len(fuzzEstateFiles)]
		p := filepath.Join(dir, filepath.FromSlash(fz.path))
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		defer restoreExampleFile(t, p, fz.path)

		est, err := LoadEstate(dir)
		if err != nil {
			if est != nil {
				t.Fatalf("LoadEstate returned an estate with the error %v", err)
			}
			if !errors.Is(err, ErrBadEstate) || !strings.Contains(err.Error(), p) || !oneClearLine(err.Error()) {
				t.Fatalf("LoadEstate error %q does not name %s, wrap ErrBadEstate or keep to one clear line", err, p)
			}
			return
		}
		srv, err := NewServer(est, Options{PersistentFaultsOnly: true})
		if err != nil {
			if !errors.Is(err, ErrBadEstate) || !strings.Contains(err.Error(), p) || !oneClearLine(err.Error()) {
				t.Fatalf("NewServer error %q does not name %s, wrap ErrBadEstate or keep to one clear line", err, p)
			}
			return
		}
		if fz.service == "" {
			return
		}
		req := httptest.NewRequest(http.MethodPost, "/", bytes.NewBufferString(fz.body))
		req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+CallerAccessKeyID+"/20261125/"+fz.region+"/"+fz.service+"/aws4_request, SignedHeaders=host, Signature=0")
		if fz.target != "" {
			req.Header.Set("X-Amz-Target", fz.target)
			req.Header.Set("Content-Type", "application/x-amz-json-1.1")
		} else {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s answered %d for a file that loaded:\n%s", fz.path, rec.Code, rec.Body.String())
		}
	})
}

// restoreExampleFile puts the example's own file back (or removes the
// faults.json it does not have).
func restoreExampleFile(t *testing.T, p, rel string) {
	t.Helper()
	if rel == "faults.json" {
		if err := os.Remove(p); err != nil {
			t.Fatal(err)
		}
		return
	}
	if err := os.WriteFile(p, readExampleFile(t, rel), 0o644); err != nil {
		t.Fatal(err)
	}
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
