package report

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/pdr-audit/pdr-audit/internal/finding"
	"github.com/pdr-audit/pdr-audit/internal/model"
	"github.com/pdr-audit/pdr-audit/internal/policy"
)

// multitoolVersion is the @microsoft/sarif-multitool release the GitHub
// upload-rule test was written against (.ci/run installs it).
const multitoolVersion = "5.7.0"

// estateGoldens are the JSON reports of every test estate under both
// profiles, pinned by internal/cli's golden test: the real output of
// `pdr-audit audit`.
var estateGoldens = []string{
	"audit-demo-pdr-2018-10", "audit-demo-pdr-2020-03",
	"audit-example-pdr-2018-10", "audit-example-pdr-2020-03",
	"audit-org-pdr-2018-10", "audit-org-pdr-2020-03",
}

var (
	catalogMu sync.Mutex
	catalogs  = map[string][]Rule{}
)

// profileCatalog is the built-in rule catalog of a profile, with the metadata
// the writers use (description, help, remediation), as the CLI passes it.
func profileCatalog(t *testing.T, profile string) []Rule {
	t.Helper()
	catalogMu.Lock()
	defer catalogMu.Unlock()
	if rules, ok := catalogs[profile]; ok {
		return rules
	}
	engine, err := policy.New(context.Background(), policy.Options{Profile: profile, Datacenter: "us"})
	if err != nil {
		t.Fatalf("load the %s catalog: %v", profile, err)
	}
	var rules []Rule
	for _, r := range engine.Rules() {
		rules = append(rules, Rule{ID: r.ID, Title: r.Title, Severity: finding.Severity(r.Severity), ResourceKind: r.ResourceKind,
			Description: r.Description, Remediation: r.Remediation, Help: r.Help})
	}
	catalogs[profile] = rules
	return rules
}

// estateInputs reads a test estate's audit (testdata/golden/<name>.json at
// the repository root) back into the inputs of New, with the catalog.
func estateInputs(t *testing.T, name string) ([]finding.Result, []model.Gap, Meta) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "golden", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Tool        Tool             `json:"tool"`
		Profile     string           `json:"profile"`
		Datacenter  string           `json:"datacenter"`
		GeneratedAt time.Time        `json:"generated_at"`
		Results     []finding.Result `json:"results"`
		Gaps        []model.Gap      `json:"gaps"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return doc.Results, doc.Gaps, Meta{Tool: doc.Tool, Profile: doc.Profile, Datacenter: doc.Datacenter,
		GeneratedAt: doc.GeneratedAt, Rules: profileCatalog(t, doc.Profile)}
}

// estateReport is a test estate's audit as a Report.
func estateReport(t *testing.T, name string) *Report {
	t.Helper()
	results, gaps, meta := estateInputs(t, name)
	return New(results, gaps, meta)
}

// writeFormat writes r in format; a truncation warning is returned, not fatal.
func writeFormat(t *testing.T, format string, r *Report) ([]byte, error) {
	t.Helper()
	var buf bytes.Buffer
	err := Write(&buf, format, r)
	if err != nil && !errors.Is(err, ErrTruncated) {
		t.Fatalf("write %s: %v", format, err)
	}
	return buf.Bytes(), err
}

var (
	schemaOnce sync.Once
	schema     *jsonschema.Schema
	schemaErr  error
)

// sarifSchemaError validates a SARIF log against the official SARIF 2.1.0
// schema (testdata/sarif-schema-2.1.0.json, see its .source.txt), formats
// (uri, date-time) included.
func sarifSchemaError(b []byte) error {
	schemaOnce.Do(func() {
		f, err := os.Open(filepath.Join("testdata", "sarif-schema-2.1.0.json"))
		if err != nil {
			schemaErr = err
			return
		}
		defer f.Close()
		doc, err := jsonschema.UnmarshalJSON(f)
		if err != nil {
			schemaErr = err
			return
		}
		c := jsonschema.NewCompiler()
		c.AssertFormat()
		const url = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
		if schemaErr = c.AddResource(url, doc); schemaErr != nil {
			return
		}
		schema, schemaErr = c.Compile(url)
	})
	if schemaErr != nil {
		return fmt.Errorf("load the SARIF schema: %w", schemaErr)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		return fmt.Errorf("not JSON: %w", err)
	}
	return schema.Validate(inst)
}

// validateSARIF fails the test unless b is valid SARIF 2.1.0.
func validateSARIF(t *testing.T, name string, b []byte) {
	t.Helper()
	if err := sarifSchemaError(b); err != nil {
		t.Errorf("%s does not validate against the SARIF 2.1.0 schema: %v", name, err)
	}
}

// sarifDoc is the part of a SARIF log the tests look at.
type sarifDoc struct {
	Runs []struct {
		Tool struct {
			Driver struct {
				Name    string `json:"name"`
				Version string `json:"version"`
				Rules   []struct {
					ID         string         `json:"id"`
					Name       string         `json:"name"`
					HelpURI    string         `json:"helpUri"`
					Help       map[string]any `json:"help"`
					Properties map[string]any `json:"properties"`
				} `json:"rules"`
			} `json:"driver"`
		} `json:"tool"`
		Invocations []struct {
			ExecutionSuccessful        bool `json:"executionSuccessful"`
			ToolExecutionNotifications []struct {
				Level   string `json:"level"`
				Message struct {
					Text string `json:"text"`
				} `json:"message"`
			} `json:"toolExecutionNotifications"`
		} `json:"invocations"`
		Results    []sarifDocResult `json:"results"`
		Properties map[string]any   `json:"properties"`
	} `json:"runs"`
}

type sarifDocResult struct {
	RuleID    string `json:"ruleId"`
	RuleIndex *int   `json:"ruleIndex"`
	Kind      string `json:"kind"`
	Level     string `json:"level"`
	Message   struct {
		Text string `json:"text"`
	} `json:"message"`
	Locations []struct {
		PhysicalLocation struct {
			ArtifactLocation struct {
				URI string `json:"uri"`
			} `json:"artifactLocation"`
			Region struct {
				StartLine int `json:"startLine"`
			} `json:"region"`
		} `json:"physicalLocation"`
		LogicalLocations []struct {
			Name               string `json:"name"`
			FullyQualifiedName string `json:"fullyQualifiedName"`
		} `json:"logicalLocations"`
	} `json:"locations"`
	PartialFingerprints map[string]string `json:"partialFingerprints"`
	Suppressions        []struct {
		Kind          string `json:"kind"`
		Status        string `json:"status"`
		Justification string `json:"justification"`
	} `json:"suppressions"`
}

func decodeSARIF(t *testing.T, b []byte) sarifDoc {
	t.Helper()
	var doc sarifDoc
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Runs) != 1 {
		t.Fatalf("SARIF log has %d runs, want 1", len(doc.Runs))
	}
	return doc
}

func TestGoldenSARIF(t *testing.T) {
	tests := []struct {
		name, file string
		report     func(t *testing.T) *Report
	}{
		{"the sample leaves passes out", "sample.sarif", func(t *testing.T) *Report {
			results, gaps, meta := sample()
			return New(results, gaps, meta)
		}},
		{"the sample lists passes with include-passed", "sample.include-passed.sarif", func(t *testing.T) *Report {
			results, gaps, meta := sample()
			meta.IncludePassed = true
			return New(results, gaps, meta)
		}},
		{"the demo estate's audit under pdr-2020-03", "demo.sarif", func(t *testing.T) *Report {
			return estateReport(t, "audit-demo-pdr-2020-03")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := writeFormat(t, "sarif", tt.report(t))
			if err != nil {
				t.Fatalf("unexpected truncation: %v", err)
			}
			golden(t, tt.file, got)
			validateSARIF(t, tt.file, got)
			again, _ := writeFormat(t, "sarif", tt.report(t))
			if !bytes.Equal(got, again) {
				t.Error("two renderings of the same report differ")
			}
		})
	}
}

// Every test estate's SARIF, under both profiles and with passes, is
// valid SARIF 2.1.0.
func TestSARIFOfEveryEstateValidatesAgainstTheSchema(t *testing.T) {
	for _, name := range estateGoldens {
		for _, passes := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s include-passed=%v", name, passes), func(t *testing.T) {
				results, gaps, meta := estateInputs(t, name)
				meta.IncludePassed = passes
				got, err := writeFormat(t, "sarif", New(results, gaps, meta))
				if err != nil {
					t.Fatalf("unexpected truncation: %v", err)
				}
				validateSARIF(t, name+".sarif", got)
			})
		}
	}
}

// The schema check is not vacuous: it refuses what GitHub and the spec
// refuse.
func TestSARIFSchemaCheckRefusesInvalidLogs(t *testing.T) {
	results, gaps, meta := sample()
	good, _ := writeFormat(t, "sarif", New(results, gaps, meta))
	for _, tc := range []struct{ name, from, to string }{
		{"an unknown level", `"level": "error"`, `"level": "fatal"`},
		{"a suppression without kind", `"kind": "external",`, ``},
		{"a start line of zero", `"startLine": 1`, `"startLine": 0`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bad := bytes.Replace(good, []byte(tc.from), []byte(tc.to), 1)
			if bytes.Equal(bad, good) {
				t.Fatalf("the sample has no %s to break", tc.from)
			}
			if err := sarifSchemaError(good); err != nil {
				t.Fatalf("the sample itself is invalid: %v", err)
			}
			if sarifSchemaError(bad) == nil {
				t.Errorf("a log with %s validates", tc.name)
			}
		})
	}
}

// The SARIF files pass GitHub's upload rules as Microsoft's SARIF
// multitool checks them (rule kinds Gh and Sarif). The multitool exits 0
// even when it finds problems, so the test reads its log and fails on any
// error or warning. One deliberately broken file (a location without a
// region) shows the check is not vacuous.
func TestSARIFPassesGitHubUploadRules(t *testing.T) {
	bin := multitool(t)
	dir := t.TempDir()
	write := func(name string, b []byte) {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	sarifOf := func(r *Report) []byte {
		b, err := writeFormat(t, "sarif", r)
		if err != nil {
			t.Fatalf("unexpected truncation: %v", err)
		}
		return b
	}
	results, gaps, meta := sample()
	good := sarifOf(New(results, gaps, meta))
	write("sample.sarif", good)
	meta.IncludePassed = true
	write("sample-include-passed.sarif", sarifOf(New(results, gaps, meta)))
	for _, name := range estateGoldens {
		results, gaps, meta := estateInputs(t, name)
		write(name+".sarif", sarifOf(New(results, gaps, meta)))
		meta.IncludePassed = true
		write(name+"-include-passed.sarif", sarifOf(New(results, gaps, meta)))
	}
	broken := regexp.MustCompile(`"region": \{\s*"startLine": 1\s*\}`).ReplaceAll(good, []byte(`"properties": {}`))
	if bytes.Equal(broken, good) {
		t.Fatal("the sample has no region to remove")
	}
	write("broken.sarif", broken)

	problems := multitoolProblems(t, bin, dir)
	if len(problems["broken.sarif"]) == 0 || !strings.Contains(strings.Join(problems["broken.sarif"], "\n"), "SARIF2017") {
		t.Errorf("the multitool found %v in broken.sarif, want the missing region (SARIF2017)", problems["broken.sarif"])
	}
	delete(problems, "broken.sarif")
	for file, ps := range problems {
		for _, p := range ps {
			t.Errorf("%s: %s", file, p)
		}
	}
}

// multitoolProblems validates every .sarif file in dir with the multitool
// and returns its errors and warnings by file name.
func multitoolProblems(t *testing.T, bin, dir string) map[string][]string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "*.sarif"))
	out := filepath.Join(t.TempDir(), "validation.sarif")
	args := append([]string{"validate", "--rule-kind", "Gh;Sarif", "--output", out}, files...)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	// The multitool is a .NET program: without ICU it runs only in
	// invariant-culture mode, which is all validation needs.
	cmd.Env = append(os.Environ(), "DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1")
	console, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("sarif-multitool validate: %v\n%s", err, console)
	}
	if !strings.Contains(string(console), fmt.Sprintf("%d files scanned", len(files))) {
		t.Fatalf("the multitool did not scan the %d files:\n%s", len(files), console)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatalf("sarif-multitool wrote no log: %v\n%s", err, console)
	}
	var log struct {
		Runs []struct {
			Results []struct {
				RuleID  string `json:"ruleId"`
				Level   string `json:"level"`
				Message struct {
					ID        string   `json:"id"`
					Arguments []string `json:"arguments"`
				} `json:"message"`
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct {
							URI string `json:"uri"`
						} `json:"artifactLocation"`
					} `json:"physicalLocation"`
				} `json:"locations"`
			} `json:"results"`
			Invocations []struct {
				ExecutionSuccessful        bool `json:"executionSuccessful"`
				ToolExecutionNotifications []struct {
					Level   string `json:"level"`
					Message struct {
						Text string `json:"text"`
					} `json:"message"`
				} `json:"toolExecutionNotifications"`
			} `json:"invocations"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(b, &log); err != nil {
		t.Fatalf("read the multitool's log: %v", err)
	}
	if len(log.Runs) == 0 {
		t.Fatalf("the multitool's log has no run:\n%s", console)
	}
	problems := map[string][]string{}
	for _, run := range log.Runs {
		for _, inv := range run.Invocations {
			if !inv.ExecutionSuccessful {
				t.Errorf("the multitool did not run to completion:\n%s", console)
			}
			for _, n := range inv.ToolExecutionNotifications {
				if n.Level != "note" && n.Level != "none" {
					t.Errorf("multitool %s: %s", cmp.Or(n.Level, "warning"), n.Message.Text)
				}
			}
		}
		for _, res := range run.Results {
			// A result's level defaults to warning.
			level := cmp.Or(res.Level, "warning")
			if level != "error" && level != "warning" {
				continue
			}
			file := "?"
			if len(res.Locations) > 0 {
				file = filepath.Base(res.Locations[0].PhysicalLocation.ArtifactLocation.URI)
			}
			problems[file] = append(problems[file], fmt.Sprintf("%s %s: %s %v", level, res.RuleID, res.Message.ID, res.Message.Arguments))
		}
	}
	return problems
}

// multitool finds Microsoft's SARIF multitool, or skips the test. The npm
// package's sarif-multitool command runs the native binary through a
// shell, which splits the "Gh;Sarif" argument, so the test asks node for
// the binary the package wraps. $SARIF_MULTITOOL names a binary directly.
func multitool(t *testing.T) string {
	t.Helper()
	if bin := os.Getenv("SARIF_MULTITOOL"); bin != "" {
		return bin
	}
	skip := fmt.Sprintf("Microsoft's SARIF multitool is not installed (npm install -g @microsoft/sarif-multitool@%s); "+
		"skipping the check of GitHub's SARIF upload rules", multitoolVersion)
	wrapper, err := exec.LookPath("sarif-multitool")
	if err != nil {
		t.Skip(skip)
	}
	script, err := filepath.EvalSymlinks(wrapper)
	if err != nil {
		t.Skip(skip)
	}
	out, err := exec.Command("node", "-e", "process.stdout.write(require(process.argv[1]))", filepath.Dir(script)).Output()
	if err != nil || len(out) == 0 {
		t.Skipf("%s (node could not resolve the binary behind %s: %v)", skip, wrapper, err)
	}
	return string(out)
}

// The fingerprints GitHub matches alerts by depend on the rule and the
// resource only: two runs of the same estate (another clock, the results
// in another order) give the same fingerprints, and a changed message or
// status does not move them.
func TestSARIFFingerprintsAreStableAcrossRuns(t *testing.T) {
	for _, name := range estateGoldens {
		t.Run(name, func(t *testing.T) {
			results, gaps, meta := estateInputs(t, name)
			meta.IncludePassed = true
			first, _ := writeFormat(t, "sarif", New(results, gaps, meta))

			shuffled := slices.Clone(results)
			rand.New(rand.NewPCG(1, 2)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
			for i := range shuffled {
				shuffled[i].Message += " (reworded)"
			}
			meta.GeneratedAt = meta.GeneratedAt.Add(24 * time.Hour)
			second, _ := writeFormat(t, "sarif", New(shuffled, gaps, meta))

			a, b := fingerprints(t, first), fingerprints(t, second)
			if len(a) != len(results) {
				t.Fatalf("%d distinct fingerprinted results, want %d (one per rule and resource)", len(a), len(results))
			}
			for k, fp := range a {
				if !maps.Equal(b[k], fp) {
					t.Errorf("%s: fingerprints %v then %v", k, fp, b[k])
				}
			}
			seen := map[string]string{}
			for k, fp := range a {
				if other, dup := seen[fp["primaryLocationLineHash"]]; dup {
					t.Errorf("%s and %s share primaryLocationLineHash %s", k, other, fp["primaryLocationLineHash"])
				}
				seen[fp["primaryLocationLineHash"]] = k
			}
		})
	}
}

// fingerprints maps "<ruleId> <path>" to a result's partial fingerprints.
func fingerprints(t *testing.T, b []byte) map[string]map[string]string {
	t.Helper()
	out := map[string]map[string]string{}
	for _, res := range decodeSARIF(t, b).Runs[0].Results {
		out[res.RuleID+" "+res.Locations[0].PhysicalLocation.ArtifactLocation.URI] = res.PartialFingerprints
	}
	return out
}

func TestSARIFFingerprintsChangeWithTheResource(t *testing.T) {
	base := finding.Result{RuleID: "PDR-AG-001", Account: acct, Region: "us-east-1", ResourceID: "i-0a1b2c3d4e5f60001",
		ResourceType: "instance", Status: finding.Fail, Severity: finding.High, Message: "blocked"}
	fp := func(res finding.Result) map[string]string {
		b, _ := writeFormat(t, "sarif", New([]finding.Result{res}, nil, Meta{}))
		return decodeSARIF(t, b).Runs[0].Results[0].PartialFingerprints
	}
	want := fp(base)
	if !strings.HasSuffix(want["primaryLocationLineHash"], ":1") || len(want[fingerprintKey]) != 64 {
		t.Errorf("fingerprints %v: want a primaryLocationLineHash \"<hash>:1\" and a 64-digit %s", want, fingerprintKey)
	}
	tests := []struct {
		name   string
		change func(*finding.Result)
		same   bool
	}{
		{"another instance", func(r *finding.Result) { r.ResourceID = "i-0a1b2c3d4e5f60002" }, false},
		{"another region", func(r *finding.Result) { r.Region = "us-west-2" }, false},
		{"another account", func(r *finding.Result) { r.Account = "444455556666" }, false},
		{"another rule", func(r *finding.Result) { r.RuleID = "PDR-AG-002" }, false},
		{"another message", func(r *finding.Result) { r.Message = "blocked by something else" }, true},
		{"another status", func(r *finding.Result) { r.Status = finding.Unknown }, true},
		{"another severity", func(r *finding.Result) { r.Severity = finding.Low }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := base
			tt.change(&res)
			got := fp(res)
			for _, k := range []string{"primaryLocationLineHash", fingerprintKey} {
				if (got[k] == want[k]) != tt.same {
					t.Errorf("%s %s → %s; want same=%v", k, want[k], got[k], tt.same)
				}
			}
		})
	}
}

// How each status shows in SARIF: kind, level, suppression, message.
func TestSARIFResultsByStatus(t *testing.T) {
	results, gaps, meta := sample()
	meta.IncludePassed = true
	b, _ := writeFormat(t, "sarif", New(results, gaps, meta))
	doc := decodeSARIF(t, b)
	run := doc.Runs[0]
	byKey := map[string]sarifDocResult{}
	for _, res := range run.Results {
		byKey[res.RuleID+" "+res.Locations[0].LogicalLocations[0].Name] = res
	}
	tests := []struct {
		name, key, kind, level string
		suppressed             bool
		message                []string
		fqn                    string
	}{
		{"a high failure is an error naming the blocking component", "PDR-AG-001 i-0a1b2c3d4e5f60001", "fail", "error", false,
			[]string{"tcp/7777 to appliance i-0feedfacecafe0001 is blocked.", "Blocked by sg-0123456789abcdef0 (security-group egress): no egress rule for tcp/7777 to 10.0.1.10."},
			"arn:aws:ec2:us-east-1:111122223333:instance/i-0a1b2c3d4e5f60001"},
		{"a low failure is a note", "PDR-TM-004 i-0feedfacecafe0001", "fail", "note", false, []string{"has public IP 203.0.113.10."}, ""},
		{"a waived failure is suppressed with the waiver's reason", "PDR-SSM-001 i-0a1b2c3d4e5f60003", "fail", "error", true,
			[]string{"Waived until 2027-01-31 by ops@example.com: batch node, rebuilt nightly."}, ""},
		{"an unknown result is open, not a failure", "PDR-AG-001 i-0a1b2c3d4e5f60004", "open", "none", false,
			[]string{"the network ACLs of us-west-2 could not be read."}, ""},
		{"an error result is an error with its message", "PDR-OS-002 i-0a1b2c3d4e5f60001", "fail", "error", false,
			[]string{"the check failed: eval_conflict_error."}, ""},
		{"a pass is a pass with level none", "PDR-TM-001 vpc-0123456789abcdef0", "pass", "none", false, []string{"2 running appliances."},
			"arn:aws:ec2:us-east-1:111122223333:vpc/vpc-0123456789abcdef0"},
		{"an API pseudo-resource has a qualified name and a pseudo-path", "PDR-COV-001 " + acct + "/us-west-2/ec2:DescribeNetworkAcls", "open", "none", false,
			[]string{"ec2:DescribeNetworkAcls was denied"}, acct + "/us-west-2/api/ec2:DescribeNetworkAcls"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, ok := byKey[tt.key]
			if !ok {
				t.Fatalf("no result %s", tt.key)
			}
			if res.Kind != tt.kind || res.Level != tt.level {
				t.Errorf("kind %q level %q, want %q %q", res.Kind, res.Level, tt.kind, tt.level)
			}
			if (len(res.Suppressions) > 0) != tt.suppressed {
				t.Errorf("suppressions %+v, want suppressed=%v", res.Suppressions, tt.suppressed)
			}
			if tt.suppressed {
				s := res.Suppressions[0]
				if s.Kind != "external" || s.Status != "accepted" || s.Justification != "batch node, rebuilt nightly" {
					t.Errorf("suppression %+v, want external, accepted, with the waiver's reason", s)
				}
			}
			for _, m := range tt.message {
				if !strings.Contains(res.Message.Text, m) {
					t.Errorf("message %q lacks %q", res.Message.Text, m)
				}
			}
			loc := res.Locations[0]
			if loc.PhysicalLocation.Region.StartLine != 1 || !strings.HasPrefix(loc.PhysicalLocation.ArtifactLocation.URI, "aws/"+acct+"/") {
				t.Errorf("physical location %+v, want aws/<account>/... at line 1", loc.PhysicalLocation)
			}
			if tt.fqn != "" && loc.LogicalLocations[0].FullyQualifiedName != tt.fqn {
				t.Errorf("fully qualified name %q, want %q", loc.LogicalLocations[0].FullyQualifiedName, tt.fqn)
			}
			if res.RuleIndex == nil || run.Tool.Driver.Rules[*res.RuleIndex].ID != res.RuleID {
				t.Errorf("ruleIndex %v does not point at %s", res.RuleIndex, res.RuleID)
			}
		})
	}
	if got := run.Invocations[0].ToolExecutionNotifications; len(got) != 1 || got[0].Level != "warning" ||
		!strings.Contains(got[0].Message.Text, "ec2:DescribeNetworkAcls") || !strings.Contains(got[0].Message.Text, "denied") {
		t.Errorf("notifications %+v, want the gap as a warning naming the API and its class", got)
	}
	if !run.Invocations[0].ExecutionSuccessful {
		t.Error("executionSuccessful is false")
	}
	if rule := run.Tool.Driver.Rules[0]; rule.Properties["security-severity"] != "8.0" ||
		!slices.Equal(anyStrings(rule.Properties["tags"]), []string{"security", "aws", "pdr", "ag"}) || rule.HelpURI == "" {
		t.Errorf("rule %s: properties %v, helpUri %q", rule.ID, rule.Properties, rule.HelpURI)
	}
	without, _ := writeFormat(t, "sarif", New(results, gaps, Meta{Rules: meta.Rules}))
	for _, res := range decodeSARIF(t, without).Runs[0].Results {
		if res.Kind == "pass" {
			t.Errorf("a pass (%s) is listed without include-passed", res.RuleID)
		}
	}
}

func anyStrings(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}

func TestSARIFRulesCarryTheCatalog(t *testing.T) {
	b, _ := writeFormat(t, "sarif", estateReport(t, "audit-demo-pdr-2018-10"))
	rules := decodeSARIF(t, b).Runs[0].Tool.Driver.Rules
	if len(rules) != 13 {
		t.Fatalf("%d rules, want the 13 of the catalog", len(rules))
	}
	for _, rule := range rules {
		md, _ := rule.Help["markdown"].(string)
		if !strings.Contains(md, "**To fix:**") || rule.HelpURI != rulesDocURI+"#"+strings.ToLower(rule.ID) {
			t.Errorf("%s: help %q..., helpUri %q; want the rule's markdown help and its anchor", rule.ID, firstN(md, 40), rule.HelpURI)
		}
		if rule.Name == "" || strings.ContainsAny(rule.Name, " -'") {
			t.Errorf("%s: name %q is not an identifier", rule.ID, rule.Name)
		}
	}
}

func firstN(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// bigReport has 30,000 results: 18,000 failures of every severity, 2,000
// waived, 6,000 unknown and 4,000 passes.
func bigReport() *Report {
	var rs []finding.Result
	add := func(n int, st finding.Status, sevs ...finding.Severity) {
		for i := range n {
			sev := sevs[i%len(sevs)]
			res := finding.Result{RuleID: "PDR-AG-001", Account: acct, Region: "us-east-1",
				ResourceID: fmt.Sprintf("i-%s%05d%s", st, i, sev), ResourceType: "instance", Status: st, Severity: sev,
				Message: "tcp/7777 to appliance i-0feedfacecafe0001 is blocked"}
			if st == finding.Waived {
				res.Waiver = &finding.Applied{Reason: "accepted", Owner: "ops", Expires: "2027-01-01"}
			}
			rs = append(rs, res)
		}
	}
	add(18000, finding.Fail, finding.Critical, finding.High, finding.Medium, finding.Low)
	add(2000, finding.Waived, finding.High)
	add(6000, finding.Unknown, finding.High, finding.Low)
	add(4000, finding.Pass, finding.High)
	return New(rs, nil, Meta{Tool: Tool{Name: "pdr-audit", Version: "1.0.0"}, IncludePassed: true,
		GeneratedAt: time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC),
		Rules:       []Rule{{ID: "PDR-AG-001", Title: "Agents reach the appliances", Severity: finding.High}}})
}

// Beyond 25,000 results, the SARIF file keeps the 25,000 that matter
// most, says what it left out in run.properties, and returns a warning.
func TestSARIFTruncatesBeyondGitHubsResultLimit(t *testing.T) {
	b, err := writeFormat(t, "sarif", bigReport())
	var te *TruncatedError
	if !errors.As(err, &te) || !errors.Is(err, ErrTruncated) {
		t.Fatalf("err = %v, want a *TruncatedError", err)
	}
	wantDropped := map[finding.Status]int{finding.Pass: 4000, finding.Unknown: 1000}
	if te.Total != 30000 || te.Kept != 25000 || fmt.Sprint(te.Dropped) != fmt.Sprint(wantDropped) {
		t.Errorf("truncation %+v, want 30000 → 25000 dropping %v", te, wantDropped)
	}
	if !strings.Contains(err.Error(), "25000 results per run") || !strings.Contains(err.Error(), "4000 pass") {
		t.Errorf("warning %q does not say which limit and what was left out", err)
	}
	doc := decodeSARIF(t, b)
	run := doc.Runs[0]
	if len(run.Results) != 25000 {
		t.Fatalf("%d results in the file, want 25000", len(run.Results))
	}
	counts := map[string]int{}
	for _, res := range run.Results {
		counts[res.Kind+"/"+res.Level]++
	}
	// Every failure and waived result stays; of the unknowns, the 1,000
	// dropped are low-severity ones (3,000 high and 2,000 low remain).
	if counts["fail/error"] != 9000+2000 || counts["fail/warning"] != 4500 || counts["fail/note"] != 4500 ||
		counts["open/none"] != 5000 || counts["pass/none"] != 0 {
		t.Errorf("kept %v", counts)
	}
	lowUnknown := 0
	for _, res := range run.Results {
		if res.Kind == "open" && strings.HasSuffix(res.Locations[0].LogicalLocations[0].Name, "low") {
			lowUnknown++
		}
	}
	if lowUnknown != 2000 {
		t.Errorf("%d low-severity unknowns kept, want 2000 (the 1000 dropped are low)", lowUnknown)
	}
	trunc, ok := run.Properties["pdrAudit/truncated"].(map[string]any)
	if !ok || trunc["kept"] != 25000.0 || trunc["total"] != 30000.0 || !strings.Contains(fmt.Sprint(trunc["reason"]), "25000") {
		t.Errorf("run.properties = %v, want the truncation recorded", run.Properties)
	}
}

// Beyond the gzipped size limit too, results are dropped until the file
// fits, and the file stays valid.
func TestSARIFTruncatesBeyondGitHubsSizeLimit(t *testing.T) {
	defer func(v int) { sarifMaxGzipBytes = v }(sarifMaxGzipBytes)
	sarifMaxGzipBytes = 64 << 10
	results, gaps, meta := sample()
	meta.IncludePassed = true
	small := New(results, gaps, meta)
	if b, err := writeFormat(t, "sarif", small); err != nil {
		t.Fatalf("a small report was truncated (%v, %d bytes)", err, len(b))
	}

	b, err := writeFormat(t, "sarif", bigReport())
	var te *TruncatedError
	if !errors.As(err, &te) || !strings.Contains(te.Limit, "gzipped") {
		t.Fatalf("err = %v, want a truncation for the size limit", err)
	}
	size, gerr := gzipSize(b)
	if gerr != nil || size > sarifMaxGzipBytes {
		t.Errorf("gzipped size %d, want at most %d", size, sarifMaxGzipBytes)
	}
	doc := decodeSARIF(t, b)
	if n := len(doc.Runs[0].Results); n != te.Kept || n == 0 || n >= 25000 {
		t.Errorf("%d results in the file, truncation says %d kept", n, te.Kept)
	}
	for _, res := range doc.Runs[0].Results {
		if res.Kind != "fail" {
			t.Fatalf("a %s result was kept while failures were dropped", res.Kind)
		}
	}
	validateSARIF(t, "truncated.sarif", b)
}
