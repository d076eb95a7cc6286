package report

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pdr-audit/pdr-audit/internal/finding"
)

// markdownMaxChars bounds the Markdown summary: GitHub refuses a pull
// request comment over 65,536 characters, and a step summary over 1 MiB
// (which 65,536 characters of UTF-8 never reach). A variable so tests can
// lower it.
var markdownMaxChars = 65536

const (
	// markdownCollapseRows is how many rows a rule's failures may have
	// before they are folded into a <details> block.
	markdownCollapseRows = 10
	// markdownLongCell is the length past which a message cell shows its
	// start and folds the rest.
	markdownLongCell = 240
	// markdownReserve keeps room for the truncation note.
	markdownReserve = 500
)

// WriteMarkdown writes a summary for a pull request comment or a CI step
// summary (GitHub-flavoured Markdown): a status line, the counts per rule
// with failing rules first, the failures grouped by rule, then the
// unknown and waived results (and the passes with IncludePassed) folded
// in <details> blocks.
//
// It stays under GitHub's comment limit: results that do not fit are left
// out from the least important end, the summary says so in a note, and
// WriteMarkdown returns a *TruncatedError after writing it.
func WriteMarkdown(w io.Writer, r *Report) error {
	m := &mdBudget{max: markdownMaxChars}
	s := r.Summary
	bad := s.ByStatus.Fail + s.ByStatus.Error

	verdict := "PASSED"
	switch {
	case bad > 0:
		verdict = "FAILED"
	case s.ByStatus.Unknown > 0 || s.Gaps > 0:
		verdict = "INCOMPLETE"
	}
	m.write(fmt.Sprintf("## pdr-audit: %s\n\n", verdict))
	var badges []string
	for _, st := range []finding.Status{finding.Fail, finding.Error, finding.Unknown, finding.Waived, finding.Pass} {
		badges = append(badges, fmt.Sprintf("**%d %s**", s.ByStatus.Of(st), st))
	}
	m.write(strings.Join(badges, " · ") + "\n\n")
	m.write(fmt.Sprintf("Profile `%s`, data center `%s`: %d %s, %d %s, %d %s. %s %s, %s.\n",
		mdCode(r.Profile), mdCode(r.Datacenter),
		s.Rules, plural(s.Rules, "rule", "rules"), s.Resources, plural(s.Resources, "resource", "resources"),
		s.Total, plural(s.Total, "result", "results"),
		mdEscape(cmp.Or(r.Tool.Name, "pdr-audit")), mdEscape(r.Tool.Version), r.GeneratedAt.UTC().Format(time.RFC3339)))
	if n := len(r.Gaps); n > 0 {
		m.write(fmt.Sprintf("\n> [!WARNING]\n> Coverage is incomplete: %d API %s failed (see %s); the results that needed the missing data are unknown.\n",
			n, plural(n, "read", "reads"), coverageRule))
	}
	if wv := r.Waivers; wv != nil {
		m.write(fmt.Sprintf("\nWaivers: %d applied, %d expired, %d matched nothing.\n", len(wv.Applied), len(wv.Expired), len(wv.Unmatched)))
	}

	rules := mdRuleOrder(r)
	m.write("\n### Results by rule\n\n| Rule | Title | Severity | Fail | Error | Unknown | Waived | Pass |\n| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |\n")
	for i, rule := range rules {
		c := s.ByRule[rule.ID]
		row := fmt.Sprintf("| %s | %s | %s | %d | %d | %d | %d | %d |\n", mdRuleLink(rule.ID), mdEscape(rule.Title), rule.Severity,
			c.Fail, c.Error, c.Unknown, c.Waived, c.Pass)
		if !m.fits(row, 0) {
			m.write(fmt.Sprintf("| … | %d more rules | | | | | | |\n", len(rules)-i))
			m.full = true
			break
		}
		m.write(row)
	}

	byRule := map[string][]finding.Result{}
	var unknown, waived, passed []finding.Result
	for _, res := range r.Results {
		switch res.Status {
		case finding.Fail, finding.Error:
			byRule[res.RuleID] = append(byRule[res.RuleID], res)
		case finding.Unknown:
			unknown = append(unknown, res)
		case finding.Waived:
			waived = append(waived, res)
		case finding.Pass:
			if r.IncludePassed {
				passed = append(passed, res)
			}
		}
	}
	if bad > 0 {
		m.write("\n### Failures\n")
		for _, rule := range rules {
			rows := byRule[rule.ID]
			if len(rows) == 0 {
				continue
			}
			slices.SortStableFunc(rows, func(a, b finding.Result) int {
				return cmp.Or(
					-cmp.Compare(slices.Index(finding.Statuses, a.Status), slices.Index(finding.Statuses, b.Status)),
					-cmp.Compare(slices.Index(finding.Severities, a.Severity), slices.Index(finding.Severities, b.Severity)))
			})
			title := fmt.Sprintf("\n#### %s: %s (%s)\n\n", mdRuleLink(rule.ID), mdEscape(rule.Title), rule.Severity)
			summary := ""
			if len(rows) > markdownCollapseRows {
				summary = fmt.Sprintf("%d failing %s", len(rows), plural(len(rows), "resource", "resources"))
			}
			m.section(title, summary, "| Resource | Account/Region | Status | Severity | Message |\n| --- | --- | --- | --- | --- |\n",
				rows, func(res finding.Result) string {
					return fmt.Sprintf("| %s | %s | %s | %s | %s |\n", mdResource(res), mdWhere(res), res.Status, res.Severity, mdCell(resultText(res)))
				})
		}
	}
	if len(unknown) > 0 {
		m.section("\n### Unknown\n\n", fmt.Sprintf("%d %s could not be decided: data the rule needs was not read", len(unknown), plural(len(unknown), "result", "results")),
			"| Rule | Resource | Account/Region | Message |\n| --- | --- | --- | --- |\n",
			unknown, func(res finding.Result) string {
				return fmt.Sprintf("| %s | %s | %s | %s |\n", res.RuleID, mdResource(res), mdWhere(res), mdCell(resultText(res)))
			})
	}
	if len(waived) > 0 {
		m.section("\n### Waived\n\n", fmt.Sprintf("%d %s accepted by a waiver", len(waived), plural(len(waived), "failure", "failures")),
			"| Rule | Resource | Account/Region | Waiver | Message |\n| --- | --- | --- | --- | --- |\n",
			waived, func(res finding.Result) string {
				why := "waived"
				if wv := res.Waiver; wv != nil {
					why = fmt.Sprintf("%s (owner %s, until %s)", wv.Reason, wv.Owner, wv.Expires)
				}
				return fmt.Sprintf("| %s | %s | %s | %s | %s |\n", res.RuleID, mdResource(res), mdWhere(res), mdCell(why), mdCell(res.Message))
			})
	}
	if len(passed) > 0 {
		m.section("\n### Passed\n\n", fmt.Sprintf("%d passing %s", len(passed), plural(len(passed), "result", "results")),
			"| Rule | Resource | Account/Region | Message |\n| --- | --- | --- | --- |\n",
			passed, func(res finding.Result) string {
				return fmt.Sprintf("| %s | %s | %s | %s |\n", res.RuleID, mdResource(res), mdWhere(res), mdCell(res.Message))
			})
	}

	var trunc *TruncatedError
	if len(m.omitted) > 0 {
		total := 0
		for _, n := range m.omitted {
			total += n
		}
		m.b.WriteString(fmt.Sprintf("\n> [!NOTE]\n> %d more %s not listed, to stay under GitHub's %d-character limit for a comment. The JSON, SARIF and HTML reports hold every result.\n",
			total, plural(total, "result is", "results are"), markdownMaxChars))
		listed := len(unknown) + len(waived) + len(passed)
		for _, rs := range byRule {
			listed += len(rs)
		}
		trunc = &TruncatedError{Format: "markdown", Limit: fmt.Sprintf("GitHub accepts at most %d characters in a comment", markdownMaxChars),
			Total: listed, Kept: listed - total, Dropped: m.omitted}
	}
	if _, err := io.WriteString(w, m.b.String()); err != nil {
		return fmt.Errorf("write Markdown report: %w", err)
	}
	if trunc != nil {
		return trunc
	}
	return nil
}

// mdBudget writes Markdown up to a number of characters, keeping room for
// the truncation note, and counts what it had to leave out.
type mdBudget struct {
	b       strings.Builder
	n       int
	max     int
	full    bool
	omitted map[finding.Status]int
}

func (m *mdBudget) fits(s string, extra int) bool {
	return m.n+utf8.RuneCountInString(s)+extra+markdownReserve <= m.max
}

func (m *mdBudget) write(s string) {
	m.b.WriteString(s)
	m.n += utf8.RuneCountInString(s)
}

func (m *mdBudget) omit(rs []finding.Result) {
	if m.omitted == nil {
		m.omitted = map[finding.Status]int{}
	}
	for _, res := range rs {
		m.omitted[res.Status]++
	}
}

// section writes a heading and a table of rows, folded in a <details>
// block with summary when summary is not empty. Rows that do not fit are
// left out (and so is every later section: the most important come
// first).
func (m *mdBudget) section(heading, summary, header string, rows []finding.Result, row func(finding.Result) string) {
	if m.full {
		m.omit(rows)
		return
	}
	open, closer := "", ""
	if summary != "" {
		open = "<details><summary>" + mdEscape(summary) + "</summary>\n\n"
		closer = "\n</details>\n"
	}
	if !m.fits(heading+open+header+row(rows[0]), utf8.RuneCountInString(closer)) {
		m.full = true
		m.omit(rows)
		return
	}
	m.write(heading + open + header)
	for i, res := range rows {
		line := row(res)
		if !m.fits(line, utf8.RuneCountInString(closer)) {
			m.full = true
			m.omit(rows[i:])
			m.write(fmt.Sprintf("| … %d more | | | | |\n", len(rows)-i))
			break
		}
		m.write(line)
	}
	m.write(closer)
}

// mdRuleOrder puts the rules with failures or errors first (the most
// severe, then the most failing), then those with unknown results, then
// the rest, each by id.
func mdRuleOrder(r *Report) []Rule {
	rules := slices.Clone(r.Rules)
	slices.SortStableFunc(rules, func(a, b Rule) int {
		ca, cb := r.Summary.ByRule[a.ID], r.Summary.ByRule[b.ID]
		ba, bb := ca.Fail+ca.Error, cb.Fail+cb.Error
		group := func(bad, unknown int) int {
			switch {
			case bad > 0:
				return 0
			case unknown > 0:
				return 1
			}
			return 2
		}
		ga, gb := group(ba, ca.Unknown), group(bb, cb.Unknown)
		if ga != gb {
			return cmp.Compare(ga, gb)
		}
		if ga == 0 {
			if c := cmp.Or(
				-cmp.Compare(slices.Index(finding.Severities, a.Severity), slices.Index(finding.Severities, b.Severity)),
				-cmp.Compare(ba, bb)); c != 0 {
				return c
			}
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return rules
}

// mdRuleLink is a rule id, linked to its documentation when it has some.
func mdRuleLink(id string) string {
	if u := ruleHelpURI(id); u != "" {
		return "[" + mdEscape(id) + "](" + u + ")"
	}
	return mdEscape(id)
}

// mdResource is a resource id as code.
func mdResource(res finding.Result) string {
	return "`" + mdCode(localID(res)) + "`"
}

// mdWhere is "<account>/<region>".
func mdWhere(res finding.Result) string {
	if res.Account == "" && res.Region == "" {
		return "-"
	}
	return mdEscape(res.Account + "/" + res.Region)
}

// mdCell is text for a table cell: on one line, escaped, and folded in a
// <details> when long.
func mdCell(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= markdownLongCell {
		return mdEscape(s)
	}
	rs := []rune(s)
	cut := markdownLongCell / 2
	if i := strings.LastIndex(string(rs[:cut]), " "); i > 0 {
		cut = utf8.RuneCountInString(string(rs[:cut])[:i])
	}
	return "<details><summary>" + mdEscape(string(rs[:cut])) + " …</summary>" + mdEscape(string(rs[cut:])) + "</details>"
}

// mdEscape makes text literal in GitHub-flavoured Markdown, in a table
// cell too: HTML is neutralised and Markdown punctuation escaped.
func mdEscape(s string) string {
	var b strings.Builder
	for _, c := range s {
		switch c {
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '&':
			b.WriteString("&amp;")
		case '\\', '`', '*', '_', '[', ']', '|', '#', '~':
			b.WriteByte('\\')
			b.WriteRune(c)
		case '\n', '\r':
			b.WriteByte(' ')
		default:
			b.WriteRune(c)
		}
	}
	return b.String()
}

// mdCode makes text safe inside a code span (no backticks, no line
// breaks, and no pipes, which end a table cell even there).
func mdCode(s string) string {
	return strings.NewReplacer("`", "'", "\n", " ", "\r", " ", "|", "\\|").Replace(s)
}
