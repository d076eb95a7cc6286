package report

import (
	"bytes"
	"encoding/xml"
	"strings"
	"testing"

	"github.com/pdr-audit/pdr-audit/internal/finding"
)

func TestGoldenJUnit(t *testing.T) {
	tests := []struct {
		name, file string
		report     func(t *testing.T) *Report
	}{
		{"the sample has a suite per rule and a case per resource", "sample.junit.xml", func(t *testing.T) *Report {
			results, gaps, meta := sample()
			return New(results, gaps, meta)
		}},
		{"the demo estate's audit under pdr-2020-03", "demo.junit.xml", func(t *testing.T) *Report {
			return estateReport(t, "audit-demo-pdr-2020-03")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _ := writeFormat(t, "junit", tt.report(t))
			golden(t, tt.file, got)
			again, _ := writeFormat(t, "junit", tt.report(t))
			if !bytes.Equal(got, again) {
				t.Error("two renderings of the same report differ")
			}
		})
	}
}

// junitDoc reads JUnit XML back.
type junitDoc struct {
	Tests    int `xml:"tests,attr"`
	Failures int `xml:"failures,attr"`
	Errors   int `xml:"errors,attr"`
	Skipped  int `xml:"skipped,attr"`
	Suites   []struct {
		Name     string `xml:"name,attr"`
		Tests    int    `xml:"tests,attr"`
		Failures int    `xml:"failures,attr"`
		Errors   int    `xml:"errors,attr"`
		Skipped  int    `xml:"skipped,attr"`
		Cases    []struct {
			ClassName string `xml:"classname,attr"`
			Name      string `xml:"name,attr"`
			Failure   *struct {
				Message string `xml:"message,attr"`
				Type    string `xml:"type,attr"`
				Text    string `xml:",chardata"`
			} `xml:"failure"`
			Error *struct {
				Message string `xml:"message,attr"`
				Text    string `xml:",chardata"`
			} `xml:"error"`
			Skipped *struct {
				Message string `xml:"message,attr"`
			} `xml:"skipped"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

// The JUnit counts match the report's, per rule and in total, for every
// test estate, and every result is one testcase.
func TestJUnitCountsMatchTheReport(t *testing.T) {
	reports := map[string]*Report{}
	results, gaps, meta := sample()
	reports["sample"] = New(results, gaps, meta)
	for _, name := range estateGoldens {
		reports[name] = estateReport(t, name)
	}
	for name, r := range reports {
		t.Run(name, func(t *testing.T) {
			b, _ := writeFormat(t, "junit", r)
			var doc junitDoc
			if err := xml.Unmarshal(b, &doc); err != nil {
				t.Fatalf("not XML: %v", err)
			}
			s := r.Summary.ByStatus
			if doc.Tests != r.Summary.Total || doc.Failures != s.Fail || doc.Errors != s.Error || doc.Skipped != s.Waived+s.Unknown {
				t.Errorf("totals %d/%d/%d/%d, want %d tests, %d failures, %d errors, %d skipped",
					doc.Tests, doc.Failures, doc.Errors, doc.Skipped, r.Summary.Total, s.Fail, s.Error, s.Waived+s.Unknown)
			}
			if len(doc.Suites) != len(r.Rules) {
				t.Errorf("%d suites, want one per rule (%d)", len(doc.Suites), len(r.Rules))
			}
			for _, suite := range doc.Suites {
				c := r.Summary.ByRule[suite.Name]
				if suite.Tests != len(suite.Cases) || suite.Tests != c.Pass+c.Fail+c.Error+c.Waived+c.Unknown ||
					suite.Failures != c.Fail || suite.Errors != c.Error || suite.Skipped != c.Waived+c.Unknown {
					t.Errorf("suite %s: %d cases, tests %d failures %d errors %d skipped %d; want the counts %+v",
						suite.Name, len(suite.Cases), suite.Tests, suite.Failures, suite.Errors, suite.Skipped, c)
				}
				for _, tc := range suite.Cases {
					if tc.ClassName != suite.Name {
						t.Errorf("case %s has classname %s in suite %s", tc.Name, tc.ClassName, suite.Name)
					}
				}
			}
		})
	}
}

// How each status shows in JUnit.
func TestJUnitCasesByStatus(t *testing.T) {
	results, gaps, meta := sample()
	b, _ := writeFormat(t, "junit", New(results, gaps, meta))
	var doc junitDoc
	if err := xml.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	type tcase = struct {
		failure, errText, skipped string
	}
	cases := map[string]tcase{}
	for _, s := range doc.Suites {
		for _, c := range s.Cases {
			var got tcase
			if c.Failure != nil {
				got.failure = c.Failure.Message + "|" + c.Failure.Type + "|" + c.Failure.Text
			}
			if c.Error != nil {
				got.errText = c.Error.Message
			}
			if c.Skipped != nil {
				got.skipped = c.Skipped.Message
			}
			cases[s.Name+" "+c.Name] = got
		}
	}
	tests := []struct {
		name, key string
		check     func(tcase) bool
	}{
		{"a fail is a failure with the blocking component and the ARN", "PDR-AG-001 i-0a1b2c3d4e5f60001 (111122223333/us-east-1)", func(c tcase) bool {
			return strings.Contains(c.failure, "Blocked by sg-0123456789abcdef0 (security-group egress)") && strings.Contains(c.failure, "|high|") &&
				strings.Contains(c.failure, "arn:aws:ec2:us-east-1:111122223333:instance/i-0a1b2c3d4e5f60001") && c.skipped == "" && c.errText == ""
		}},
		{"a waived result is skipped with the waiver's reason", "PDR-SSM-001 i-0a1b2c3d4e5f60003 (111122223333/us-east-1)", func(c tcase) bool {
			return strings.Contains(c.skipped, "batch node, rebuilt nightly") && strings.Contains(c.skipped, "2027-01-31") && c.failure == ""
		}},
		{"an unknown result is skipped, saying why", "PDR-AG-001 i-0a1b2c3d4e5f60004 (111122223333/us-west-2)", func(c tcase) bool {
			return strings.HasPrefix(c.skipped, "unknown: ") && strings.Contains(c.skipped, "could not be read") && c.failure == ""
		}},
		{"an error result is an error", "PDR-OS-002 i-0a1b2c3d4e5f60001 (111122223333/us-east-1)", func(c tcase) bool {
			return strings.Contains(c.errText, "eval_conflict_error") && c.failure == "" && c.skipped == ""
		}},
		{"a pass is an empty testcase", "PDR-TM-001 vpc-0123456789abcdef0 (111122223333/us-east-1)", func(c tcase) bool {
			return c == tcase{}
		}},
		{"an API pseudo-resource is named by its API", "PDR-COV-001 ec2:DescribeNetworkAcls (111122223333/us-west-2)", func(c tcase) bool {
			return strings.HasPrefix(c.skipped, "unknown: ")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, ok := cases[tt.key]
			if !ok {
				t.Fatalf("no testcase %q", tt.key)
			}
			if !tt.check(c) {
				t.Errorf("testcase %q is %+v", tt.key, c)
			}
		})
	}
	for _, s := range doc.Suites {
		if s.Name == "PDR-TM-002" && (s.Tests != 0 || len(s.Cases) != 0) {
			t.Errorf("the rule with no resources has %d tests", s.Tests)
		}
	}
	if r := New(results, gaps, meta); len(cases) != len(r.Results) || r.Summary.ByStatus.Of(finding.Pass) == 0 {
		t.Errorf("%d testcases for %d results; passes are testcases too", len(cases), len(r.Results))
	}
}
