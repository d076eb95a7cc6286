package report

import (
	"bufio"
	"bytes"
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"

	"github.com/pdr-audit/pdr-audit/internal/finding"
)

// messageWidth bounds the message column, so the table's width does not
// depend on the terminal (and goldens do not either).
const messageWidth = 72

// ANSI colors of the statuses (only with Report.Color).
var statusColor = map[finding.Status]string{
	finding.Pass:    "\x1b[32m", // green
	finding.Fail:    "\x1b[31m", // red
	finding.Unknown: "\x1b[33m", // yellow
	finding.Waived:  "\x1b[36m", // cyan
	finding.Error:   "\x1b[35m", // magenta
}

const ansiReset = "\x1b[0m"

// WriteTable writes the report for a person: one group per rule (its id
// and title as the header), failures first, passing resources counted
// unless IncludePassed, and a summary line at the end.
func WriteTable(w io.Writer, r *Report) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "pdr-audit %s: profile %s, datacenter %s\n", r.Tool.Version, r.Profile, r.Datacenter)

	byRule := map[string][]finding.Result{}
	for _, res := range r.Results {
		byRule[res.RuleID] = append(byRule[res.RuleID], res)
	}
	for _, rule := range r.Rules {
		results := byRule[rule.ID]
		fmt.Fprintf(bw, "\n%s  %s (%s)\n", rule.ID, rule.Title, rule.Severity)
		if err := writeGroup(bw, r, results); err != nil {
			return err
		}
	}
	fmt.Fprintln(bw)
	if n := len(r.Gaps); n > 0 {
		fmt.Fprintf(bw, "coverage is incomplete: %d API %s failed (see PDR-COV-001); results that needed the missing data are unknown\n",
			n, plural(n, "read", "reads"))
	}
	fmt.Fprintln(bw, summaryLine(r))
	if b := r.Baseline; b != nil {
		writeBaselineSummary(bw, b)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write table report: %w", err)
	}
	return nil
}

// writeGroup writes one rule's results.
func writeGroup(w io.Writer, r *Report, results []finding.Result) error {
	if len(results) == 0 {
		fmt.Fprintln(w, "  no resources to check")
		return nil
	}
	var rows []finding.Result
	passed := 0
	for _, res := range results {
		if res.Status == finding.Pass && !r.IncludePassed {
			passed++
			continue
		}
		rows = append(rows, res)
	}
	// Failures first: error, fail, unknown, waived, pass; then the more
	// severe; then by account, region and resource.
	slices.SortStableFunc(rows, func(a, b finding.Result) int {
		return cmp.Or(
			-cmp.Compare(slices.Index(finding.Statuses, a.Status), slices.Index(finding.Statuses, b.Status)),
			-cmp.Compare(slices.Index(finding.Severities, a.Severity), slices.Index(finding.Severities, b.Severity)),
			cmp.Compare(a.Account, b.Account), cmp.Compare(a.Region, b.Region), cmp.Compare(a.ResourceID, b.ResourceID))
	})
	if len(rows) > 0 {
		if err := renderRows(w, r, rows); err != nil {
			return err
		}
	}
	switch {
	case passed == 1 && len(rows) == 0:
		fmt.Fprintln(w, "  1 passed")
	case passed > 0 && len(rows) == 0:
		fmt.Fprintf(w, "  all %d passed\n", passed)
	case passed > 0:
		fmt.Fprintf(w, "  and %d passed\n", passed)
	}
	return nil
}

func renderRows(w io.Writer, r *Report, rows []finding.Result) error {
	header := []string{"RESOURCE", "ACCOUNT/REGION", "STATUS", "SEVERITY", "MESSAGE"}
	if r.Baseline != nil {
		header = slices.Insert(header, 3, "BASELINE")
	}
	msgCol := len(header) - 1
	var buf bytes.Buffer
	t := tablewriter.NewTable(&buf,
		tablewriter.WithRenderer(renderer.NewBlueprint(tw.Rendition{
			Borders: tw.BorderNone,
			Symbols: tw.NewSymbols(tw.StyleASCII),
			Settings: tw.Settings{
				Separators: tw.Separators{BetweenColumns: tw.Off, BetweenRows: tw.Off, ShowHeader: tw.Off},
				Lines:      tw.Lines{ShowHeaderLine: tw.Off},
			},
		})),
		// Widths must not depend on the locale of the machine.
		tablewriter.WithEastAsian(tw.Off),
		tablewriter.WithConfig(tablewriter.Config{
			Header: tw.CellConfig{
				Formatting: tw.CellFormatting{AutoFormat: tw.Off, AutoWrap: tw.WrapNone},
				Alignment:  tw.CellAlignment{Global: tw.AlignLeft},
				Padding:    tw.CellPadding{Global: tw.Padding{Left: " ", Right: " ", Overwrite: true}},
			},
			Row: tw.CellConfig{
				Formatting:   tw.CellFormatting{AutoWrap: tw.WrapNormal},
				Alignment:    tw.CellAlignment{Global: tw.AlignLeft},
				Padding:      tw.CellPadding{Global: tw.Padding{Left: " ", Right: " ", Overwrite: true}},
				ColMaxWidths: tw.CellWidth{PerColumn: tw.NewMapper[int, int]().Set(msgCol, messageWidth)},
			},
			Behavior: tw.Behavior{TrimSpace: tw.On},
		}),
	)
	t.Header(header)
	for _, res := range rows {
		status := string(res.Status)
		if r.Color {
			status = statusColor[res.Status] + status + ansiReset
		}
		where := res.Account + "/" + res.Region
		if res.Account == "" && res.Region == "" {
			where = "-"
		}
		row := []string{res.ResourceID, where, status, string(res.Severity), message(res)}
		if r.Baseline != nil {
			row = slices.Insert(row, 3, cmp.Or(string(r.Baseline.State(res)), "-"))
		}
		if err := t.Append(row); err != nil {
			return fmt.Errorf("write table report: %w", err)
		}
	}
	if err := t.Render(); err != nil {
		return fmt.Errorf("write table report: %w", err)
	}
	// Indent the table under its group header and drop the padding
	// tablewriter leaves at the end of lines.
	for _, line := range strings.Split(strings.TrimRight(buf.String(), "\n"), "\n") {
		if line = strings.TrimRight(line, " "); line != "" {
			fmt.Fprintf(w, " %s\n", line)
		}
	}
	return nil
}

// message is the result's message, with the component that blocks a
// network path and the waiver that accepts a failure, each on a line of
// its own.
func message(res finding.Result) string {
	lines := []string{strings.Join(strings.Fields(res.Message), " ")}
	if b := res.BlockedBy; b != nil {
		// Rules usually say why in their message already; repeat only
		// what the message lacks.
		what := b.Kind
		if b.Direction != "" {
			what += " " + b.Direction
		}
		line := "blocked by " + b.ID + " (" + what + ")"
		if b.Rule != "" {
			line += ", " + b.Rule
		}
		if b.Reason != "" && !strings.Contains(lines[0], b.Reason) {
			line += ": " + b.Reason
		}
		lines = append(lines, line)
	}
	if wv := res.Waiver; wv != nil {
		lines = append(lines, fmt.Sprintf("waived until %s by %s: %s", wv.Expires, wv.Owner, wv.Reason))
	}
	return strings.Join(lines, "\n")
}

// writeBaselineSummary says what changed since the baseline, and which
// failures were resolved (they have no row of their own when their
// resource is gone or passing results are not listed).
func writeBaselineSummary(w io.Writer, b *Baseline) {
	fmt.Fprintf(w, "against baseline %s: %d new, %d unchanged, %d resolved\n",
		b.File, b.Counts.New, b.Counts.Unchanged, b.Counts.Resolved)
	for _, e := range b.Resolved {
		where := e.Account + "/" + e.Region
		if e.Account == "" && e.Region == "" {
			where = "-"
		}
		fmt.Fprintf(w, "  resolved: %s %s %s (was %s, now %s)\n", e.RuleID, e.ResourceID, where, e.Previous, e.Status)
	}
}

// summaryLine is e.g. "13 rules, 45 resources, 120 results: 80 pass, 25
// fail (20 high, 5 low), 10 unknown, 3 waived, 2 error".
func summaryLine(r *Report) string {
	s := r.Summary
	parts := make([]string, 0, len(finding.Statuses))
	for _, st := range []finding.Status{finding.Pass, finding.Fail, finding.Unknown, finding.Waived, finding.Error} {
		part := fmt.Sprintf("%d %s", s.ByStatus.Of(st), st)
		if by := bySeverity(r, st); by != "" {
			part += " (" + by + ")"
		}
		parts = append(parts, part)
	}
	return fmt.Sprintf("%d %s, %d %s, %d %s: %s",
		s.Rules, plural(s.Rules, "rule", "rules"),
		s.Resources, plural(s.Resources, "resource", "resources"),
		s.Total, plural(s.Total, "result", "results"),
		strings.Join(parts, ", "))
}

// bySeverity breaks the fail or error results down by severity, most
// severe first; "" for other statuses and when there are none.
func bySeverity(r *Report, st finding.Status) string {
	if st != finding.Fail && st != finding.Error {
		return ""
	}
	var parts []string
	for _, sev := range slices.Backward(finding.Severities) {
		if n := r.Summary.BySeverity[sev].Of(st); n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, sev))
		}
	}
	return strings.Join(parts, ", ")
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
