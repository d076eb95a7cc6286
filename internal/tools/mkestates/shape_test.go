package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// botocoreData is where the AWS CLI keeps its service models; override it
// with PDR_BOTOCORE_DATA.
func botocoreData() string {
	if d := os.Getenv("PDR_BOTOCORE_DATA"); d != "" {
		return d
	}
	return "/usr/lib/python3/dist-packages/awscli/botocore/data"
}

// model is the part of a botocore service-2.json the checks need.
type model struct {
	Operations map[string]struct {
		Output *struct{ Shape string } `json:"output"`
	} `json:"operations"`
	Shapes map[string]*shapeDef `json:"shapes"`
}

type shapeDef struct {
	Type    string         `json:"type"`
	Members orderedMembers `json:"members"`
	Member  *struct{ Shape string }
	Value   *struct{ Shape string }
	Enum    []string `json:"enum"`
}

// orderedMembers keeps the members of a structure in model order: the order
// the CLI prints them in.
type orderedMembers struct {
	names []string
	shape map[string]string
}

func (m *orderedMembers) UnmarshalJSON(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	if _, err := dec.Token(); err != nil {
		return err
	}
	m.shape = map[string]string{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return err
		}
		var ref struct{ Shape string }
		if err := dec.Decode(&ref); err != nil {
			return err
		}
		name := t.(string)
		m.names = append(m.names, name)
		m.shape[name] = ref.Shape
	}
	_, err := dec.Token()
	return err
}

func (m orderedMembers) index(name string) int {
	for i, n := range m.names {
		if n == name {
			return i
		}
	}
	return -1
}

func loadModel(t *testing.T, service string) *model {
	t.Helper()
	dir := filepath.Join(botocoreData(), service)
	versions, err := os.ReadDir(dir)
	if err != nil || len(versions) == 0 {
		t.Skipf("botocore model for %s not found under %s", service, botocoreData())
	}
	b, err := os.ReadFile(filepath.Join(dir, versions[len(versions)-1].Name(), "service-2.json"))
	if err != nil {
		t.Fatalf("read %s model: %v", service, err)
	}
	var m model
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("parse %s model: %v", service, err)
	}
	return &m
}

var timestampRE = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{6})?\+00:00$`)

// checker validates a printed document against a botocore output shape.
type checker struct {
	m    *model
	errs []string
}

func (c *checker) fail(at, format string, a ...any) {
	c.errs = append(c.errs, at+": "+fmt.Sprintf(format, a...))
}

func (c *checker) check(at, shapeName string, n *node) {
	sh := c.m.Shapes[shapeName]
	if sh == nil {
		c.fail(at, "shape %s not in model", shapeName)
		return
	}
	switch sh.Type {
	case "structure":
		if n.kind != 'o' {
			c.fail(at, "want an object for %s", shapeName)
			return
		}
		last := -1
		for i, k := range n.keys {
			idx := sh.Members.index(k)
			if idx < 0 {
				c.fail(at, "%q is not a member of %s", k, shapeName)
				continue
			}
			if idx < last {
				c.fail(at, "%q is out of the model's member order of %s", k, shapeName)
			}
			last = idx
			c.check(at+"."+k, sh.Members.shape[k], n.vals[i])
		}
	case "list":
		if n.kind != 'a' {
			c.fail(at, "want an array for %s", shapeName)
			return
		}
		for i, e := range n.vals {
			c.check(fmt.Sprintf("%s[%d]", at, i), sh.Member.Shape, e)
		}
	case "map":
		if n.kind != 'o' {
			c.fail(at, "want an object for map %s", shapeName)
			return
		}
		for i, k := range n.keys {
			c.check(at+"."+k, sh.Value.Shape, n.vals[i])
		}
	case "string":
		// The CLI decodes IAM policy documents into JSON objects.
		if shapeName == "policyDocumentType" && n.kind == 'o' {
			return
		}
		if n.kind != 's' {
			c.fail(at, "want a string for %s", shapeName)
			return
		}
		if len(sh.Enum) > 0 && !enumHas(sh.Enum, n.str) && knownEnumDeviations[shapeName] != n.str {
			c.fail(at, "%q is not one of %s's values %v", n.str, shapeName, sh.Enum)
		}
	case "integer", "long":
		if n.kind != 'n' || strings.ContainsAny(n.num.String(), ".eE") {
			c.fail(at, "want an integer for %s", shapeName)
		}
	case "double", "float":
		if n.kind != 'n' {
			c.fail(at, "want a number for %s", shapeName)
		}
	case "boolean":
		if n.kind != 'b' {
			c.fail(at, "want a boolean for %s", shapeName)
		}
	case "timestamp":
		if n.kind != 's' || !timestampRE.MatchString(n.str) {
			c.fail(at, "want a timestamp like 2024-02-12T10:48:59+00:00 for %s, got %v", shapeName, n.str)
		}
	case "blob":
		if n.kind != 's' {
			c.fail(at, "want a string for blob %s", shapeName)
		}
	default:
		c.fail(at, "shape type %s of %s not handled", sh.Type, shapeName)
	}
}

// knownEnumDeviations are values EC2 really prints that its model's enum
// lacks: an attached internet gateway's attachment State is "available".
var knownEnumDeviations = map[string]string{"AttachmentStatus": "available"}

// enumHas compares case-insensitively: EC2 prints some enum values in a
// different case than its model declares (Platform "windows", VPC endpoint
// State "available").
func enumHas(values []string, v string) bool {
	for _, x := range values {
		if strings.EqualFold(x, v) {
			return true
		}
	}
	return false
}

// operationFor names the service and operation whose output a file of an
// estate holds; ok is false for files that are not CLI output.
func operationFor(rel string) (service, op string, ok bool, err error) {
	parts := strings.Split(rel, "/")
	if len(parts) > 2 && parts[0] == "accounts" {
		parts = parts[2:]
	}
	switch {
	case len(parts) == 1 && parts[0] == "account.json":
		return "sts", "GetCallerIdentity", true, nil
	case len(parts) == 1 && (parts[0] == "README.md" || parts[0] == "faults.json"):
		return "", "", false, nil
	case len(parts) == 2 && parts[0] == "organizations":
		return "organizations", pascal(strings.TrimSuffix(parts[1], ".json")), true, nil
	case len(parts) == 3 && parts[0] == "iam":
		return "iam", pascal(parts[1]), true, nil
	case len(parts) >= 3 && (parts[1] == "ec2" || parts[1] == "ssm"):
		return parts[1], pascal(strings.TrimSuffix(parts[2], ".json")), true, nil
	}
	return "", "", false, fmt.Errorf("%s: not a file of the estate format", rel)
}

// pascal turns a CLI command name into its operation name.
func pascal(cmd string) string {
	var b strings.Builder
	for _, w := range strings.Split(cmd, "-") {
		if w != "" {
			b.WriteString(strings.ToUpper(w[:1]) + w[1:])
		}
	}
	return b.String()
}

// allEstateFiles returns the generated estates plus the committed copy of
// the example estate, keyed by path under testdata/estates.
func allEstateFiles(t *testing.T) files {
	t.Helper()
	all := generate()
	root := filepath.Join(estatesDir, "example")
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(estatesDir, p)
		all[filepath.ToSlash(rel)] = b
		return nil
	})
	if err != nil {
		t.Fatalf("read the example estate: %v", err)
	}
	return all
}

func TestEveryFileMatchesTheBotocoreOutputShape(t *testing.T) {
	models := map[string]*model{}
	for _, s := range []string{"ec2", "ssm", "iam", "sts", "organizations"} {
		models[s] = loadModel(t, s)
	}
	all := allEstateFiles(t)
	checked := 0
	for _, p := range all.paths() {
		estate, rel, _ := strings.Cut(p, "/")
		if estate == "README.md" {
			continue
		}
		svc, op, ok, err := operationFor(rel)
		if err != nil {
			t.Errorf("%s: %v", estate, err)
			continue
		}
		if !ok {
			continue
		}
		m := models[svc]
		o, found := m.Operations[op]
		if !found || o.Output == nil {
			t.Errorf("%s: %s has no operation %s with an output", p, svc, op)
			continue
		}
		n, err := parseNode(all[p])
		if err != nil {
			t.Errorf("%s: %v", p, err)
			continue
		}
		c := &checker{m: m}
		c.check(p, o.Output.Shape, n)
		for _, e := range c.errs {
			t.Error(e)
		}
		checked++
	}
	if checked < 100 {
		t.Errorf("checked only %d files; the estates are missing", checked)
	}
}

func TestEveryFileIsPrintedTheWayTheCLIPrintsIt(t *testing.T) {
	all := allEstateFiles(t)
	for _, p := range all.paths() {
		if !strings.HasSuffix(p, ".json") {
			continue
		}
		n, err := parseNode(all[p])
		if err != nil {
			t.Errorf("%s: %v", p, err)
			continue
		}
		v, err := n.toValue()
		if err != nil {
			t.Errorf("%s: %v", p, err)
			continue
		}
		if got := encode(v); !bytes.Equal(got, all[p]) {
			t.Errorf("%s: not in the CLI's layout (4-space indent, one member per line, trailing newline)", p)
		}
	}
}

func TestTheCheckerRejectsWhatTheCLINeverPrints(t *testing.T) {
	m := loadModel(t, "ec2")
	tests := []struct {
		name string
		doc  string
		want string
	}{
		{"an unknown member is reported", `{"Vpcs": [{"VpcId": "vpc-1", "Colour": "red"}]}`, `"Colour" is not a member`},
		{"members out of model order are reported", `{"Vpcs": [{"VpcId": "vpc-1", "CidrBlock": "10.0.0.0/16"}]}`, "out of the model's member order"},
		{"a number where a boolean belongs is reported", `{"Vpcs": [{"IsDefault": 1}]}`, "want a boolean"},
		{"a timestamp without a zone is reported", `{"NatGateways": [{"CreateTime": "2024-02-12T10:48:59Z"}]}`, "want a timestamp"},
		{"a valid document passes", `{"Vpcs": [{"CidrBlock": "10.0.0.0/16", "VpcId": "vpc-1", "IsDefault": false}]}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := parseNode([]byte(tt.doc))
			if err != nil {
				t.Fatal(err)
			}
			out := "DescribeVpcsResult"
			if strings.Contains(tt.doc, "NatGateways") {
				out = "DescribeNatGatewaysResult"
			}
			c := &checker{m: m}
			c.check("doc", out, n)
			got := strings.Join(c.errs, "\n")
			if tt.want == "" && got != "" {
				t.Errorf("unexpected errors: %s", got)
			}
			if tt.want != "" && !strings.Contains(got, tt.want) {
				t.Errorf("errors %q do not mention %q", got, tt.want)
			}
		})
	}
}
