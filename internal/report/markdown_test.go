package report

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/pdr-audit/pdr-audit/internal/finding"
	"github.com/pdr-audit/pdr-audit/internal/model"
)

func TestGoldenMarkdown(t *testing.T) {
	tests := []struct {
		name, file string
		report     func(t *testing.T) *Report
	}{
		{"the sample", "sample.md", func(t *testing.T) *Report {
			results, gaps, meta := sample()
			return New(results, gaps, meta)
		}},
		{"the sample lists passes with include-passed", "sample.include-passed.md", func(t *testing.T) *Report {
			results, gaps, meta := sample()
			meta.IncludePassed = true
			return New(results, gaps, meta)
		}},
		{"the demo estate's audit under pdr-2020-03", "demo.md", func(t *testing.T) *Report {
			return estateReport(t, "audit-demo-pdr-2020-03")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := writeFormat(t, "markdown", tt.report(t))
			if err != nil {
				t.Fatalf("unexpected truncation: %v", err)
			}
			golden(t, tt.file, got)
			again, _ := writeFormat(t, "markdown", tt.report(t))
			if !bytes.Equal(got, again) {
				t.Error("two renderings of the same report differ")
			}
		})
	}
}

func TestMarkdownStatusLine(t *testing.T) {
	res := func(st finding.Status) finding.Result {
		return finding.Result{RuleID: "PDR-TM-001", ResourceID: "vpc-1", ResourceType: "vpc", Account: acct, Region: "us-east-1",
			Status: st, Severity: finding.High, Message: "m"}
	}
	tests := []struct {
		name    string
		results []finding.Result
		gaps    []model.Gap
		want    string
	}{
		{"a failure fails", []finding.Result{res(finding.Fail)}, nil, "## pdr-audit: FAILED\n\n**1 fail** · **0 error** · **0 unknown** · **0 waived** · **0 pass**\n"},
		{"an error fails", []finding.Result{res(finding.Error)}, nil, "## pdr-audit: FAILED\n\n**0 fail** · **1 error**"},
		{"an unknown result is incomplete", []finding.Result{res(finding.Unknown)}, nil, "## pdr-audit: INCOMPLETE\n"},
		{"a gap is incomplete", []finding.Result{res(finding.Pass)}, []model.Gap{{Account: acct, Region: "us-east-1", API: "ec2:DescribeVpcs", Class: model.GapDenied}},
			"## pdr-audit: INCOMPLETE\n"},
		{"passes and waivers pass", []finding.Result{res(finding.Pass), res(finding.Waived)}, nil, "## pdr-audit: PASSED\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, _ := writeFormat(t, "markdown", New(tt.results, tt.gaps, Meta{}))
			if !strings.HasPrefix(string(b), tt.want) {
				t.Errorf("summary starts\n%s\nwant\n%s", firstN(string(b), 200), tt.want)
			}
		})
	}
}

// Failing rules come first in the counts table, then rules with unknown
// results, then the rest.
func TestMarkdownPutsFailingRulesFirst(t *testing.T) {
	results, gaps, meta := sample()
	b, _ := writeFormat(t, "markdown", New(results, gaps, meta))
	var order []string
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "| [PDR-") {
			id, _, _ := strings.Cut(strings.TrimPrefix(line, "| ["), "]")
			order = append(order, id)
		}
	}
	want := "PDR-AG-001 PDR-OS-002 PDR-SSM-001 PDR-TM-004 PDR-COV-001 PDR-TM-001 PDR-TM-002"
	if got := strings.Join(order, " "); got != want {
		t.Errorf("rule order %s, want %s", got, want)
	}
}

// Text from AWS and from rules cannot break the table or inject HTML.
func TestMarkdownEscapesCells(t *testing.T) {
	r := New([]finding.Result{{RuleID: "PDR-TM-001", ResourceID: "vpc-1", ResourceType: "vpc", Account: acct, Region: "us-east-1",
		Status: finding.Fail, Severity: finding.High, Message: "name <script>alert(1)</script> | a*b*_c_\nsecond line"}}, nil, Meta{})
	b, _ := writeFormat(t, "markdown", r)
	out := string(b)
	if strings.Contains(out, "<script>") || !strings.Contains(out, "&lt;script&gt;") {
		t.Error("HTML in a message is not neutralised")
	}
	if !strings.Contains(out, `\| a\*b\*\_c\_ second line`) {
		t.Errorf("pipes, emphasis or line breaks are not escaped:\n%s", out)
	}
}

// A summary too long for a GitHub comment is cut at the least important
// end, says so, keeps its <details> blocks balanced, and returns a
// warning.
func TestMarkdownStaysUnderGitHubsCommentLimit(t *testing.T) {
	for _, limit := range []int{markdownMaxChars, 6000} {
		t.Run(fmt.Sprintf("a limit of %d characters", limit), func(t *testing.T) {
			defer func(v int) { markdownMaxChars = v }(markdownMaxChars)
			markdownMaxChars = limit
			b, err := writeFormat(t, "markdown", bigReport())
			out := string(b)
			if n := utf8.RuneCountInString(out); n > limit {
				t.Errorf("%d characters, limit %d", n, limit)
			}
			var te *TruncatedError
			if !errors.As(err, &te) || te.Format != "markdown" {
				t.Fatalf("err = %v, want a markdown *TruncatedError", err)
			}
			omitted := 0
			for _, n := range te.Dropped {
				omitted += n
			}
			if te.Kept+omitted != te.Total || te.Total != 30000 || te.Dropped[finding.Fail] == 0 {
				t.Errorf("truncation %+v does not add up (all 30,000 results to list, passes included, failures among the left out)", te)
			}
			if !strings.Contains(out, "> [!NOTE]") || !strings.Contains(out, strconv.Itoa(omitted)+" more results are not listed") {
				t.Errorf("no note of the %d results left out:\n%s", omitted, out[max(0, len(out)-400):])
			}
			if o, c := strings.Count(out, "<details>"), strings.Count(out, "</details>"); o != c {
				t.Errorf("%d <details> opened, %d closed", o, c)
			}
			if !strings.Contains(out, "**18000 fail**") || !strings.Contains(out, "| critical |") {
				t.Error("the status line or the most severe failures are missing")
			}
		})
	}
}
