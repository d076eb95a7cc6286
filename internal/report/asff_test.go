package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/pdr-audit/pdr-audit/internal/finding"
)

func TestGoldenASFF(t *testing.T) {
	tests := []struct {
		name, file string
		report     func(t *testing.T) *Report
	}{
		{"the sample's non-passing results", "sample.asff.json", func(t *testing.T) *Report {
			results, gaps, meta := sample()
			return New(results, gaps, meta)
		}},
		{"the demo estate's audit under pdr-2020-03", "demo.asff.json", func(t *testing.T) *Report {
			return estateReport(t, "audit-demo-pdr-2020-03")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _ := writeFormat(t, "asff", tt.report(t))
			golden(t, tt.file, got)
			again, _ := writeFormat(t, "asff", tt.report(t))
			if !bytes.Equal(got, again) {
				t.Error("two renderings of the same report differ")
			}
		})
	}
}

// longReport has texts past every ASFF limit: a long rule title, help
// and message, and a very long custom resource id.
func longReport() *Report {
	long := strings.Repeat("ünïcödé text ", 400)
	return New([]finding.Result{
		{RuleID: "PDR-AG-001", Title: long, ResourceID: "i-0a1b2c3d4e5f60001", ResourceType: "instance", Account: acct, Region: "us-east-1",
			Status: finding.Fail, Severity: finding.Critical, Message: long,
			BlockedBy: &finding.Component{ID: "sg-1", Kind: "security-group", Direction: "egress", Reason: long}},
		{RuleID: "ACME-X-001", Title: "custom", ResourceID: strings.Repeat("r", 700), ResourceType: "thing", Account: acct, Region: "global",
			Status: finding.Unknown, Severity: finding.Info, Message: "?"},
	}, nil, Meta{Rules: []Rule{{ID: "PDR-AG-001", Title: long, Severity: finding.Critical, Help: "**To fix:** " + long}}})
}

var (
	asffNonEmpty   = regexp.MustCompile(`.*\S.*`)
	asffProductArn = regexp.MustCompile(`^arn:aws(-[a-z-]+)?:securityhub:[a-z0-9-]+:\d{12}:product/\d{12}/default$`)
	asffNamespaces = []string{"Software and Configuration Checks", "TTPs", "Effects", "Unusual Behaviors", "Sensitive Data Identifications"}
)

// asffProblems lists how a finding breaks Security Hub's rules for
// BatchImportFindings: required members, lengths, counts and enums.
func asffProblems(f ASFFFinding) []string {
	var p []string
	check := func(ok bool, format string, args ...any) {
		if !ok {
			p = append(p, fmt.Sprintf(format, args...))
		}
	}
	runes := utf8.RuneCountInString
	for name, v := range map[string]string{"SchemaVersion": f.SchemaVersion, "Id": f.ID, "ProductArn": f.ProductArn, "GeneratorId": f.GeneratorID,
		"AwsAccountId": f.AwsAccountID, "CreatedAt": f.CreatedAt, "UpdatedAt": f.UpdatedAt, "Title": f.Title, "Description": f.Description} {
		check(asffNonEmpty.MatchString(v), "%s %q is empty", name, v)
	}
	check(f.SchemaVersion == "2018-10-08", "SchemaVersion %q", f.SchemaVersion)
	check(len(f.ID) <= 512, "Id is %d long", len(f.ID))
	check(runes(f.GeneratorID) <= 512, "GeneratorId is %d long", runes(f.GeneratorID))
	check(runes(f.Title) <= 256, "Title is %d long", runes(f.Title))
	check(runes(f.Description) <= 1024, "Description is %d long", runes(f.Description))
	check(regexp.MustCompile(`^\d{12}$`).MatchString(f.AwsAccountID), "AwsAccountId %q", f.AwsAccountID)
	check(asffProductArn.MatchString(f.ProductArn) && strings.Contains(f.ProductArn, ":"+f.AwsAccountID+":"), "ProductArn %q", f.ProductArn)
	for _, ts := range []string{f.CreatedAt, f.UpdatedAt} {
		_, err := time.Parse(time.RFC3339, ts)
		check(err == nil && !strings.Contains(ts, " "), "timestamp %q", ts)
	}
	check(len(f.Types) >= 1 && len(f.Types) <= 50, "%d Types", len(f.Types))
	for _, typ := range f.Types {
		parts := strings.Split(typ, "/")
		check(len(parts) >= 1 && len(parts) <= 3 && slices.Contains(asffNamespaces, parts[0]), "Type %q", typ)
	}
	check(slices.Contains([]string{"INFORMATIONAL", "LOW", "MEDIUM", "HIGH", "CRITICAL"}, f.Severity.Label), "Severity.Label %q", f.Severity.Label)
	check(len(f.Resources) >= 1 && len(f.Resources) <= 32, "%d Resources", len(f.Resources))
	for _, r := range f.Resources {
		check(asffNonEmpty.MatchString(r.Type) && asffNonEmpty.MatchString(r.ID), "resource %+v", r)
		check(r.Partition == "" || slices.Contains([]string{"aws", "aws-cn", "aws-us-gov"}, r.Partition), "Partition %q", r.Partition)
		check(r.Type == "Other" || strings.HasPrefix(r.ID, "arn:"), "a %s resource's Id %q is not an ARN", r.Type, r.ID)
	}
	check(slices.Contains([]string{"PASSED", "WARNING", "FAILED", "NOT_AVAILABLE"}, f.Compliance.Status), "Compliance.Status %q", f.Compliance.Status)
	check(slices.Contains([]string{"NEW", "NOTIFIED", "RESOLVED", "SUPPRESSED"}, f.Workflow.Status), "Workflow.Status %q", f.Workflow.Status)
	check(f.RecordState == "ACTIVE" || f.RecordState == "ARCHIVED", "RecordState %q", f.RecordState)
	if f.Remediation != nil {
		text := f.Remediation.Recommendation.Text
		check(asffNonEmpty.MatchString(text) && runes(text) <= 512, "Recommendation.Text is %d long", runes(text))
	}
	check(len(f.ProductFields) <= 50, "%d ProductFields", len(f.ProductFields))
	for k, v := range f.ProductFields {
		check(runes(k) <= 128 && runes(v) <= 2048 && v != "", "ProductFields[%q] = %d characters", k, runes(v))
	}
	return p
}

// Every finding of every test estate, and findings with texts past every
// limit, keep Security Hub's field limits; ids are unique.
func TestASFFFindingsKeepSecurityHubsLimits(t *testing.T) {
	reports := map[string]*Report{"long texts": longReport()}
	results, gaps, meta := sample()
	meta.IncludePassed = true
	reports["sample"] = New(results, gaps, meta)
	for _, name := range estateGoldens {
		results, gaps, meta := estateInputs(t, name)
		meta.IncludePassed = true
		reports[name] = New(results, gaps, meta)
	}
	for name, r := range reports {
		t.Run(name, func(t *testing.T) {
			doc := decodeASFF(t, r)
			if len(doc.Findings) != len(r.Results) {
				t.Errorf("%d findings for %d results (passes included)", len(doc.Findings), len(r.Results))
			}
			ids := map[string]bool{}
			for _, f := range doc.Findings {
				for _, p := range asffProblems(f) {
					t.Errorf("finding %s: %s", firstN(f.ID, 80), p)
				}
				if ids[f.ID] {
					t.Errorf("duplicate Id %s", f.ID)
				}
				ids[f.ID] = true
			}
		})
	}
	byRule := map[string]ASFFFinding{}
	for _, f := range decodeASFF(t, longReport()).Findings {
		byRule[f.GeneratorID] = f
	}
	if f := byRule["PDR-AG-001"]; !strings.HasSuffix(f.Title, "…") || !strings.HasSuffix(f.Description, "…") ||
		!strings.HasSuffix(f.Remediation.Recommendation.Text, "…") {
		t.Error("long texts are not visibly cut")
	}
	if f := byRule["ACME-X-001"]; !strings.HasPrefix(f.ID, "pdr-audit/ACME-X-001/"+acct+"/global/rrr") || f.Resources[0].Region != "" ||
		!strings.Contains(f.ProductArn, ":us-east-1:") {
		t.Errorf("a global finding: Id %s, resource %+v, ProductArn %s", firstN(f.ID, 60), f.Resources[0], f.ProductArn)
	}
}

func decodeASFF(t *testing.T, r *Report) ASFFFindings {
	t.Helper()
	b, _ := writeFormat(t, "asff", r)
	var doc ASFFFindings
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

// How each status shows in ASFF.
func TestASFFFindingsByStatus(t *testing.T) {
	results, gaps, meta := sample()
	meta.IncludePassed = true
	byID := map[string]ASFFFinding{}
	for _, f := range decodeASFF(t, New(results, gaps, meta)).Findings {
		byID[f.ID] = f
	}
	id := func(rule, region, resource string) string {
		return "pdr-audit/" + rule + "/" + acct + "/" + region + "/" + resource
	}
	tests := []struct {
		name, id, compliance, workflow, label, resourceType string
	}{
		{"a failure is FAILED and NEW", id("PDR-AG-001", "us-east-1", "i-0a1b2c3d4e5f60001"), "FAILED", "NEW", "HIGH", "AwsEc2Instance"},
		{"a waived failure is SUPPRESSED", id("PDR-SSM-001", "us-east-1", "i-0a1b2c3d4e5f60003"), "FAILED", "SUPPRESSED", "HIGH", "AwsEc2Instance"},
		{"an unknown result is a WARNING", id("PDR-AG-001", "us-west-2", "i-0a1b2c3d4e5f60004"), "WARNING", "NEW", "HIGH", "AwsEc2Instance"},
		{"an error result is NOT_AVAILABLE", id("PDR-OS-002", "us-east-1", "i-0a1b2c3d4e5f60001"), "NOT_AVAILABLE", "NEW", "HIGH", "AwsEc2Instance"},
		{"a pass is PASSED, informational and resolved", id("PDR-TM-001", "us-east-1", "vpc-0123456789abcdef0"), "PASSED", "RESOLVED", "INFORMATIONAL", "AwsEc2Vpc"},
		{"a low failure keeps its severity", id("PDR-TM-004", "us-east-1", "i-0feedfacecafe0001"), "FAILED", "NEW", "LOW", "AwsEc2Instance"},
		{"an API gap is an Other resource", id("PDR-COV-001", "us-west-2", "ec2:DescribeNetworkAcls"), "WARNING", "NEW", "HIGH", "Other"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, ok := byID[tt.id]
			if !ok {
				t.Fatalf("no finding %s", tt.id)
			}
			if f.Compliance.Status != tt.compliance || f.Workflow.Status != tt.workflow || f.Severity.Label != tt.label ||
				f.Resources[0].Type != tt.resourceType || f.RecordState != "ACTIVE" {
				t.Errorf("compliance %s, workflow %s, label %s, resource %s; want %s %s %s %s",
					f.Compliance.Status, f.Workflow.Status, f.Severity.Label, f.Resources[0].Type, tt.compliance, tt.workflow, tt.label, tt.resourceType)
			}
		})
	}
	waived := byID[id("PDR-SSM-001", "us-east-1", "i-0a1b2c3d4e5f60003")]
	if waived.ProductFields["pdr-audit/WaiverReason"] != "batch node, rebuilt nightly" {
		t.Errorf("the waived finding's fields %v lack the waiver's reason", waived.ProductFields)
	}
	without := decodeASFF(t, New(results, gaps, Meta{Rules: meta.Rules}))
	for _, f := range without.Findings {
		if f.Compliance.Status == "PASSED" {
			t.Errorf("a pass (%s) is a finding without include-passed", f.ID)
		}
	}
	if len(without.Findings) != 8 {
		t.Errorf("%d findings, want the 8 results that are not passes", len(without.Findings))
	}
}

// The ASFF of every test estate is a BatchImportFindings request the AWS
// CLI accepts: the CLI checks it against the Security Hub service model
// and sends it, in batches of 100, to a stand-in endpoint that records
// what arrives.
func TestASFFIsABatchImportFindingsRequestTheAWSCLIAccepts(t *testing.T) {
	aws, err := exec.LookPath("aws")
	if err != nil {
		t.Skip("the AWS CLI is not installed; skipping the check against Security Hub's service model")
	}
	var mu sync.Mutex
	received := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		var in ASFFFindings
		if req.Method != http.MethodPost || req.URL.Path != "/findings/import" || json.Unmarshal(body, &in) != nil {
			t.Errorf("unexpected request %s %s: %.200s", req.Method, req.URL.Path, body)
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		mu.Lock()
		received += len(in.Findings)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"FailedCount":0,"SuccessCount":%d,"FailedFindings":[]}`, len(in.Findings))
	}))
	defer srv.Close()
	count := func() int {
		mu.Lock()
		defer mu.Unlock()
		return received
	}

	dir := t.TempDir()
	// The machine's AWS settings stay out: only dummy credentials, no
	// config files, one attempt.
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") {
			env = append(env, kv)
		}
	}
	env = append(env, "AWS_ACCESS_KEY_ID=AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY=secret",
		"AWS_CONFIG_FILE="+filepath.Join(dir, "none"), "AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(dir, "none"),
		"AWS_EC2_METADATA_DISABLED=true", "AWS_MAX_ATTEMPTS=1", "AWS_PAGER=")
	importFile := func(b []byte) ([]byte, error) {
		file := filepath.Join(dir, "findings.json")
		if err := os.WriteFile(file, b, 0o644); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(aws, "securityhub", "batch-import-findings", "--cli-input-json", "file://"+file,
			"--endpoint-url", srv.URL, "--region", "us-east-1", "--output", "json")
		cmd.Env = env
		return cmd.CombinedOutput()
	}

	// The check is not vacuous: a finding without a Title is refused
	// before anything is sent.
	results, gaps, meta := sample()
	var bad map[string][]map[string]any
	if err := json.Unmarshal(mustWrite(t, "asff", New(results, gaps, meta)), &bad); err != nil {
		t.Fatal(err)
	}
	delete(bad["Findings"][0], "Title")
	b, _ := json.Marshal(bad)
	if out, err := importFile(b); err == nil || !strings.Contains(string(out), "Missing required parameter") {
		t.Errorf("the AWS CLI took a finding without a Title: %v\n%s", err, out)
	}
	if n := count(); n != 0 {
		t.Fatalf("the refused request reached the endpoint (%d findings)", n)
	}

	want := 0
	for _, name := range append([]string{"long texts"}, estateGoldens...) {
		var r *Report
		if name == "long texts" {
			r = longReport()
		} else {
			results, gaps, meta := estateInputs(t, name)
			meta.IncludePassed = true
			r = New(results, gaps, meta)
		}
		doc := decodeASFF(t, r)
		for batch := range slices.Chunk(doc.Findings, 100) {
			b, err := json.Marshal(ASFFFindings{Findings: batch})
			if err != nil {
				t.Fatal(err)
			}
			if out, err := importFile(b); err != nil {
				t.Fatalf("%s: aws securityhub batch-import-findings refused the findings: %v\n%s", name, err, out)
			}
			want += len(batch)
		}
	}
	if n := count(); n != want || want == 0 {
		t.Errorf("the endpoint received %d findings, want %d", n, want)
	}
}

// mustWrite writes r in format, truncation warnings aside.
func mustWrite(t *testing.T, format string, r *Report) []byte {
	t.Helper()
	b, _ := writeFormat(t, format, r)
	return b
}
