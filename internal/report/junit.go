package report

import (
	"bufio"
	"encoding/xml"
	"fmt"
	"io"
	"strings"

	"github.com/pdr-audit/pdr-audit/internal/finding"
)

// The JUnit XML layout is the one CI systems read (Jenkins, GitLab, Azure
// Pipelines, the common GitHub test-report actions): a testsuite per rule,
// a testcase per rule and resource.

type junitSuites struct {
	XMLName   xml.Name     `xml:"testsuites"`
	Name      string       `xml:"name,attr"`
	Tests     int          `xml:"tests,attr"`
	Failures  int          `xml:"failures,attr"`
	Errors    int          `xml:"errors,attr"`
	Skipped   int          `xml:"skipped,attr"`
	Timestamp string       `xml:"timestamp,attr"`
	Suites    []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Timestamp  string          `xml:"timestamp,attr"`
	Properties []junitProperty `xml:"properties>property"`
	Cases      []junitCase     `xml:"testcase"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	ClassName string        `xml:"classname,attr"`
	Name      string        `xml:"name,attr"`
	Failure   *junitProblem `xml:"failure,omitempty"`
	Error     *junitProblem `xml:"error,omitempty"`
	Skipped   *junitSkipped `xml:"skipped,omitempty"`
}

type junitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

type junitSkipped struct {
	Message string `xml:"message,attr"`
}

// WriteJUnit writes the report as JUnit XML: one testsuite per rule
// (every rule of the catalog, with its counts), one testcase per rule and
// resource. A fail is a failure (with the blocking component), an error
// an error, waived and unknown results are skipped with the reason, and a
// pass is a testcase with nothing in it. Passes are always listed:
// JUnit readers count them.
func WriteJUnit(w io.Writer, r *Report) error {
	stamp := r.GeneratedAt.UTC().Format("2006-01-02T15:04:05")
	doc := junitSuites{Name: "pdr-audit", Timestamp: stamp}
	byRule := map[string][]finding.Result{}
	for _, res := range r.Results {
		byRule[res.RuleID] = append(byRule[res.RuleID], res)
	}
	for _, rule := range r.Rules {
		s := junitSuite{Name: rule.ID, Timestamp: stamp, Cases: []junitCase{}}
		for _, p := range [][2]string{{"title", rule.Title}, {"severity", string(rule.Severity)},
			{"resource_kind", rule.ResourceKind}, {"profile", r.Profile}, {"help_uri", ruleHelpURI(rule.ID)}} {
			if p[1] != "" {
				s.Properties = append(s.Properties, junitProperty{Name: p[0], Value: p[1]})
			}
		}
		for _, res := range byRule[rule.ID] {
			c := junitCase{ClassName: rule.ID, Name: junitCaseName(res)}
			switch res.Status {
			case finding.Fail:
				c.Failure = &junitProblem{Message: resultText(res), Type: string(res.Severity), Text: junitDetail(res)}
				s.Failures++
			case finding.Error:
				c.Error = &junitProblem{Message: resultText(res), Type: "error", Text: junitDetail(res)}
				s.Errors++
			case finding.Waived:
				c.Skipped = &junitSkipped{Message: "waived " + waiverText(res)}
				s.Skipped++
			case finding.Unknown:
				c.Skipped = &junitSkipped{Message: "unknown: " + resultText(res)}
				s.Skipped++
			}
			s.Cases = append(s.Cases, c)
			s.Tests++
		}
		doc.Tests += s.Tests
		doc.Failures += s.Failures
		doc.Errors += s.Errors
		doc.Skipped += s.Skipped
		doc.Suites = append(doc.Suites, s)
	}

	bw := bufio.NewWriter(w)
	bw.WriteString(xml.Header)
	enc := xml.NewEncoder(bw)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("write JUnit report: %w", err)
	}
	bw.WriteString("\n")
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write JUnit report: %w", err)
	}
	return nil
}

// junitCaseName names a testcase by its resource: "i-0abc
// (111122223333/us-east-1)".
func junitCaseName(res finding.Result) string {
	return localID(res) + " (" + res.Account + "/" + res.Region + ")"
}

// junitDetail is a failure's body: the message with the blocking
// component, the resource and the severity, one per line.
func junitDetail(res finding.Result) string {
	lines := []string{resultText(res), "resource: " + resourceFQN(res), "severity: " + string(res.Severity)}
	return strings.Join(lines, "\n")
}

// waiverText is why a result is waived: the waiver, then the result.
func waiverText(res finding.Result) string {
	wv := res.Waiver
	if wv == nil {
		return resultText(res)
	}
	return sentence(fmt.Sprintf("until %s by %s: %s", wv.Expires, wv.Owner, wv.Reason)) +
		" Result: " + sentence(strings.Join(strings.Fields(res.Message), " "))
}
