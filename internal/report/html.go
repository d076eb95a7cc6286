package report

import (
	"bufio"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"io"
	"slices"
	"strings"

	"github.com/pdr-audit/pdr-audit/internal/finding"
	"github.com/pdr-audit/pdr-audit/internal/netpath"
)

// The HTML report is one self-contained file: the template, its style
// sheet and its script are embedded here and inlined into the page, and a
// Content-Security-Policy (with the hashes of that style sheet and script)
// forbids the browser to fetch anything.
//
//go:embed html/report.html.tmpl html/report.css html/report.js
var htmlFS embed.FS

var (
	htmlCSS  = mustRead("html/report.css")
	htmlJS   = mustRead("html/report.js")
	htmlTmpl = template.Must(template.New("report.html.tmpl").Funcs(template.FuncMap{
		"statusLabel": statusLabel,
		"plural":      plural,
		"cellClass":   cellClass,
		"cellText":    cellText,
		"cellMark":    cellMark,
		"cellTitle":   cellTitle,
		"azClass":     azClass,
		"azText":      azText,
		"inc":         func(i int) int { return i + 1 },
		"join":        strings.Join,
	}).ParseFS(htmlFS, "html/report.html.tmpl"))
)

func mustRead(name string) string {
	b, err := htmlFS.ReadFile(name)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// displayStatuses is the order statuses are shown in: what needs action
// first.
var displayStatuses = []finding.Status{finding.Fail, finding.Error, finding.Unknown, finding.Waived, finding.Pass}

// htmlPage is what the template renders.
type htmlPage struct {
	*Report
	CSS    template.CSS
	Script template.JS
	// CSP is the page's Content-Security-Policy: nothing may be fetched,
	// only the inline style sheet and script (by hash) may apply.
	CSP string
	// Generated is GeneratedAt in RFC 3339, UTC.
	Generated string
	Statuses  []finding.Status
	Cards     []statusCount
	// Severities are the rows of the severity table, highest first.
	Severities []severityRow
	RuleRows   []ruleRow
	Findings   []findingRow
	// Unknown counts unknown results (the banner's second half).
	Unknown int
	// Failing counts fail and error results.
	Failing int
}

type statusCount struct {
	Status finding.Status
	Count  int
}

type severityRow struct {
	Severity finding.Severity
	Counts   []statusCount
	Total    int
}

type ruleRow struct {
	Rule
	Counts []statusCount
	Total  int
	// Worst is the status of most concern among the rule's results, ""
	// when it has none.
	Worst finding.Status
}

type findingRow struct {
	finding.Result
	StatusRank, SeverityRank int
}

// statusRank orders statuses for the findings table: what needs action
// first.
func statusRank(s finding.Status) int {
	if i := slices.Index(displayStatuses, s); i >= 0 {
		return i
	}
	return len(displayStatuses)
}

// severityRank orders severities, highest first.
func severityRank(s finding.Severity) int {
	if i := slices.Index(finding.Severities, s); i >= 0 {
		return len(finding.Severities) - 1 - i
	}
	return len(finding.Severities)
}

// cspHash is a CSP source for an inline element's exact text.
func cspHash(text string) string {
	sum := sha256.Sum256([]byte(text))
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}

// WriteHTML writes the report as one self-contained HTML page: the
// summary, the appliances' availability-zone coverage per VPC and the
// path matrices (when Report.Network is set), and every result in a table
// that a script filters and sorts. Without the script every result is
// visible; nothing is fetched, the style sheet and script are inline.
func WriteHTML(w io.Writer, r *Report) error {
	p := htmlPage{
		Report:    r,
		CSS:       template.CSS(htmlCSS),
		Script:    template.JS(htmlJS),
		Generated: r.GeneratedAt.UTC().Format("2006-01-02T15:04:05Z"),
		Statuses:  displayStatuses,
		Unknown:   r.Summary.ByStatus.Unknown,
		Failing:   r.Summary.ByStatus.Fail + r.Summary.ByStatus.Error,
	}
	p.CSP = "default-src 'none'; style-src " + cspHash(htmlCSS) + "; script-src " + cspHash(htmlJS) +
		"; img-src data:; base-uri 'none'; form-action 'none'"
	for _, s := range displayStatuses {
		p.Cards = append(p.Cards, statusCount{s, r.Summary.ByStatus.Of(s)})
	}
	for i := len(finding.Severities) - 1; i >= 0; i-- {
		sev := finding.Severities[i]
		c, ok := r.Summary.BySeverity[sev]
		if !ok {
			continue
		}
		row := severityRow{Severity: sev}
		for _, s := range displayStatuses {
			row.Counts = append(row.Counts, statusCount{s, c.Of(s)})
			row.Total += c.Of(s)
		}
		p.Severities = append(p.Severities, row)
	}
	for _, rule := range r.Rules {
		c := r.Summary.ByRule[rule.ID]
		row := ruleRow{Rule: rule}
		for _, s := range displayStatuses {
			n := c.Of(s)
			row.Counts = append(row.Counts, statusCount{s, n})
			row.Total += n
			if n > 0 && row.Worst == "" {
				row.Worst = s
			}
		}
		p.RuleRows = append(p.RuleRows, row)
	}
	for _, res := range r.Results {
		p.Findings = append(p.Findings, findingRow{Result: res, StatusRank: statusRank(res.Status), SeverityRank: severityRank(res.Severity)})
	}
	// What needs action first; the report's own order (rule, account,
	// region, resource) within a status and severity. Stable, so the
	// output is deterministic.
	slices.SortStableFunc(p.Findings, func(a, b findingRow) int {
		if a.StatusRank != b.StatusRank {
			return a.StatusRank - b.StatusRank
		}
		return a.SeverityRank - b.SeverityRank
	})

	bw := bufio.NewWriter(w)
	if err := htmlTmpl.Execute(bw, p); err != nil {
		return fmt.Errorf("write HTML report: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write HTML report: %w", err)
	}
	return nil
}

// statusLabel is a status for a person.
func statusLabel(s finding.Status) string {
	switch s {
	case finding.Pass:
		return "Pass"
	case finding.Fail:
		return "Fail"
	case finding.Unknown:
		return "Unknown"
	case finding.Waived:
		return "Waived"
	case finding.Error:
		return "Error"
	}
	return string(s)
}

// cellClass is the class of a path cell.
func cellClass(c PathCell) string {
	switch c.Verdict {
	case netpath.Allowed:
		return "v-allowed"
	case netpath.Blocked:
		return "v-blocked"
	}
	return "v-unknown"
}

// cellText is the visible verdict of a path cell.
func cellText(c PathCell) string {
	switch c.Verdict {
	case netpath.Allowed:
		return "✓ allowed"
	case netpath.Blocked:
		return "✗ blocked"
	}
	return "? unknown"
}

// cellMark is the verdict of a path cell as a mark (the compact matrix).
func cellMark(c PathCell) string {
	switch c.Verdict {
	case netpath.Allowed:
		return "✓"
	case netpath.Blocked:
		return "✗"
	}
	return "?"
}

// cellTitle is the tooltip of a path cell: the blocking component's
// reason, or what could not be observed.
func cellTitle(c PathCell) string {
	var s string
	switch {
	case c.BlockedBy != nil:
		s = c.BlockedBy.Reason
		if s == "" {
			s = strings.TrimSpace(c.BlockedBy.ID + " " + c.BlockedBy.Rule)
		}
	case len(c.Missing) > 0:
		s = strings.Join(c.Missing, "; ")
	case c.Verdict == netpath.Allowed:
		return "allowed"
	default:
		s = "the path could not be decided"
	}
	if c.For != "" {
		s = c.For + ": " + s
	}
	return s
}

// azClass is the class of a coverage cell: its PDR-TM-002 status, or
// "none" for a zone without monitored instances.
func azClass(c AZCell) string {
	if c.Coverage == nil {
		return "az-none"
	}
	return "az-" + string(c.Coverage.Status)
}

// azText is the visible verdict of a coverage cell.
func azText(c AZCell) string {
	if c.Coverage == nil {
		if len(c.Appliances) > 0 {
			return "no monitored instances"
		}
		return ""
	}
	switch c.Coverage.Status {
	case finding.Pass:
		return "✓ covered"
	case finding.Fail:
		return "✗ no appliance"
	case finding.Unknown:
		return "? unknown"
	case finding.Waived:
		return "✗ waived"
	case finding.Error:
		return "! error"
	}
	return string(c.Coverage.Status)
}
