package report

import (
	"cmp"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/pdr-audit/pdr-audit/internal/finding"
	"github.com/pdr-audit/pdr-audit/internal/model"
)

// FormatVersion is the version of the JSON report's layout.
const FormatVersion = "1"

// Tool identifies the program that produced a report.
type Tool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// Rule is one entry of the rule catalog, as the writers need it.
type Rule struct {
	ID           string
	Title        string
	Severity     finding.Severity
	ResourceKind string
	Description  string
	Remediation  string
	Help         string
}

// Meta is what a report says besides the results.
type Meta struct {
	Tool       Tool
	Profile    string
	Datacenter string
	// GeneratedAt comes from the caller's clock.
	GeneratedAt time.Time
	// Rules is the catalog evaluated; a rule with no results still gets a
	// line (and zero counts).
	Rules []Rule
	// Waivers is what the waivers did; nil when no waivers file was used.
	Waivers *finding.WaiverReport
	// IncludePassed lists passing results one by one in the formats a
	// person reads (table); otherwise they are counted per rule.
	IncludePassed bool
	// Color lets the table use ANSI colors. The caller decides (a
	// terminal, NO_COLOR unset); writers never look at the environment.
	Color bool
}

// Counts counts results by status. Every status is always present.
type Counts struct {
	Pass    int `json:"pass"`
	Fail    int `json:"fail"`
	Unknown int `json:"unknown"`
	Waived  int `json:"waived"`
	Error   int `json:"error"`
}

func (c *Counts) add(s finding.Status) {
	switch s {
	case finding.Pass:
		c.Pass++
	case finding.Fail:
		c.Fail++
	case finding.Unknown:
		c.Unknown++
	case finding.Waived:
		c.Waived++
	case finding.Error:
		c.Error++
	}
}

// Of returns the count of status s.
func (c Counts) Of(s finding.Status) int {
	switch s {
	case finding.Pass:
		return c.Pass
	case finding.Fail:
		return c.Fail
	case finding.Unknown:
		return c.Unknown
	case finding.Waived:
		return c.Waived
	case finding.Error:
		return c.Error
	}
	return 0
}

// Summary counts the results.
type Summary struct {
	// Total is the number of results (one per rule and resource).
	Total int `json:"total"`
	// Rules is the number of rules evaluated.
	Rules int `json:"rules"`
	// Resources is the number of distinct resources (account, region,
	// resource id) the results are about.
	Resources int `json:"resources"`
	// Gaps is the number of reads that failed.
	Gaps     int    `json:"gaps"`
	ByStatus Counts `json:"by_status"`
	// BySeverity counts results by the severity of their rule.
	BySeverity map[finding.Severity]Counts `json:"by_severity"`
	// ByRule counts results by rule id; every rule of the catalog is
	// present.
	ByRule map[string]Counts `json:"by_rule"`
}

// Report is an audit's outcome, built once and read by every writer.
type Report struct {
	FormatVersion string           `json:"format_version"`
	Tool          Tool             `json:"tool"`
	Profile       string           `json:"profile"`
	Datacenter    string           `json:"datacenter"`
	GeneratedAt   time.Time        `json:"generated_at"`
	Summary       Summary          `json:"summary"`
	Results       []finding.Result `json:"results"`
	Gaps          []model.Gap      `json:"gaps"`
	// Waivers is present when a waivers file was used.
	Waivers *finding.WaiverReport `json:"waivers,omitempty"`
	// Baseline compares the results with an earlier audit's report; it
	// is present when a baseline was given. The caller sets it with
	// NewBaseline after New.
	Baseline *Baseline `json:"baseline,omitempty"`

	// Rules is the catalog, sorted by id, with any rule that has results
	// but no catalog entry added by id.
	Rules []Rule `json:"-"`
	// IncludePassed and Color are rendering choices (see Meta).
	IncludePassed bool `json:"-"`
	Color         bool `json:"-"`
	// Network is the network view the HTML report draws (AZ coverage of
	// the appliances, the path matrices); nil when the report was built
	// without a snapshot. The caller sets it with NewNetworkView after New.
	// It is not part of the JSON report.
	Network *NetworkView `json:"-"`
}

// New builds a report. It copies and sorts results and gaps; the inputs
// are not modified.
func New(results []finding.Result, gaps []model.Gap, meta Meta) *Report {
	rs := slices.Clone(results)
	if rs == nil {
		rs = []finding.Result{}
	}
	finding.Sort(rs)
	gs := slices.Clone(gaps)
	if gs == nil {
		gs = []model.Gap{}
	}
	slices.SortFunc(gs, func(a, b model.Gap) int {
		return cmp.Or(cmp.Compare(a.Account, b.Account), cmp.Compare(a.Region, b.Region),
			cmp.Compare(a.API, b.API), cmp.Compare(a.Resource, b.Resource), cmp.Compare(a.Code, b.Code))
	})

	rules := slices.Clone(meta.Rules)
	known := map[string]bool{}
	for _, r := range rules {
		known[r.ID] = true
	}
	for _, r := range rs {
		if !known[r.RuleID] {
			known[r.RuleID] = true
			rules = append(rules, Rule{ID: r.RuleID, Title: r.Title, Severity: r.Severity, ResourceKind: r.ResourceType})
		}
	}
	slices.SortFunc(rules, func(a, b Rule) int { return cmp.Compare(a.ID, b.ID) })

	sum := Summary{Total: len(rs), Rules: len(rules), Gaps: len(gs),
		BySeverity: map[finding.Severity]Counts{}, ByRule: map[string]Counts{}}
	for _, r := range rules {
		sum.ByRule[r.ID] = Counts{}
	}
	resources := map[[3]string]bool{}
	for _, r := range rs {
		sum.ByStatus.add(r.Status)
		c := sum.BySeverity[r.Severity]
		c.add(r.Status)
		sum.BySeverity[r.Severity] = c
		c = sum.ByRule[r.RuleID]
		c.add(r.Status)
		sum.ByRule[r.RuleID] = c
		resources[[3]string{r.Account, r.Region, r.ResourceID}] = true
	}
	sum.Resources = len(resources)

	return &Report{
		FormatVersion: FormatVersion,
		Tool:          meta.Tool,
		Profile:       meta.Profile,
		Datacenter:    meta.Datacenter,
		GeneratedAt:   meta.GeneratedAt.UTC().Truncate(time.Second),
		Summary:       sum,
		Results:       rs,
		Gaps:          gs,
		Waivers:       meta.Waivers,
		Rules:         rules,
		IncludePassed: meta.IncludePassed,
		Color:         meta.Color,
	}
}

// Writer renders a report in one format.
type Writer func(io.Writer, *Report) error

// Writers maps each format name to its writer.
var Writers = map[string]Writer{
	"asff":     WriteASFF,
	"html":     WriteHTML,
	"json":     WriteJSON,
	"junit":    WriteJUnit,
	"markdown": WriteMarkdown,
	"sarif":    WriteSARIF,
	"table":    WriteTable,
}

// Formats returns the format names, sorted.
func Formats() []string { return slices.Sorted(maps.Keys(Writers)) }

// Lookup returns the writer of format, or an error listing the valid ones.
func Lookup(format string) (Writer, error) {
	w, ok := Writers[format]
	if !ok {
		return nil, fmt.Errorf("unknown report format %q (valid formats: %s)", format, strings.Join(Formats(), ", "))
	}
	return w, nil
}

// Write renders r in format to w.
func Write(w io.Writer, format string, r *Report) error {
	wr, err := Lookup(format)
	if err != nil {
		return err
	}
	return wr(w, r)
}
