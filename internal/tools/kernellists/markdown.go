package main

import (
	"fmt"
	"regexp"
	"strings"
)

// The scanner reads the subset of GitHub Flavored Markdown the reference
// documents use: YAML front matter, ATX headings (`### Title`), headings
// written as a bold paragraph (`**Title**`), and pipe tables. It keeps every
// cell as written (trimmed of the spaces around it), including cells beyond
// the table's column count, which a GFM renderer drops.

// heading is a section title as it appears in the source.
type heading struct {
	raw  string // the line, trimmed
	text string // the title without markup, e.g. "Amazon® Linux 2 supported versions"
	line int    // 1-based
}

// row is one table row: its cells in order, as written.
type row struct {
	line  int
	cells []string
}

// table is a pipe table and the heading it sits under.
type table struct {
	heading heading
	columns int   // the number of cells of the delimiter row
	rows    []row // the header row first, then the body rows
}

var (
	atxHeading  = regexp.MustCompile(`^#{1,6}[ \t]+(.*?)[ \t]*#*[ \t]*$`)
	boldHeading = regexp.MustCompile(`^\*\*([^*|]+)\*\*[ \t]*$`)
	delimiter   = regexp.MustCompile(`^[ \t]*\|?[ \t]*:?-+:?[ \t]*(\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$`)
)

// scanDocument returns the tables of a document in order, each with the
// heading above it. A table above every heading is an error, as is a line
// outside every table that holds a kernel-like token: both mean the
// document has a shape this scanner does not understand, and guessing would
// lose kernels silently.
func scanDocument(src string) ([]table, error) {
	lines := strings.Split(strings.ReplaceAll(src, "\r\n", "\n"), "\n")
	i := skipFrontMatter(lines)
	var (
		tables  []table
		current *heading
	)
	for i < len(lines) {
		line := lines[i]
		if h, ok := parseHeading(line, i+1); ok {
			current = &h
			i++
			continue
		}
		if i+1 < len(lines) && strings.Contains(line, "|") && delimiter.MatchString(lines[i+1]) {
			header := splitCells(line)
			columns := len(splitCells(lines[i+1]))
			if len(header) != columns {
				return nil, fmt.Errorf("line %d: table header has %d cells but its delimiter row has %d", i+1, len(header), columns)
			}
			if current == nil {
				return nil, fmt.Errorf("line %d: table before any heading", i+1)
			}
			t := table{heading: *current, columns: columns, rows: []row{{line: i + 1, cells: header}}}
			i += 2
			for i < len(lines) && strings.TrimSpace(lines[i]) != "" {
				if _, ok := parseHeading(lines[i], i+1); ok {
					break
				}
				t.rows = append(t.rows, row{line: i + 1, cells: splitCells(lines[i])})
				i++
			}
			tables = append(tables, t)
			continue
		}
		for _, f := range strings.Fields(line) {
			if isKernelToken(strings.Trim(f, ".,;:()[]`*")) {
				return nil, fmt.Errorf("line %d: kernel-like text %q outside any table", i+1, f)
			}
		}
		i++
	}
	return tables, nil
}

// skipFrontMatter returns the index of the first line after a leading
// `---` … `---` block, or 0 when there is none.
func skipFrontMatter(lines []string) int {
	if len(lines) == 0 || strings.TrimSpace(lines[0]) != "---" {
		return 0
	}
	for i := 1; i < len(lines); i++ {
		if strings.TrimSpace(lines[i]) == "---" {
			return i + 1
		}
	}
	return 0
}

// parseHeading recognises an ATX heading or a line that is one bold span.
func parseHeading(line string, n int) (heading, bool) {
	trimmed := strings.TrimSpace(line)
	var text string
	if m := atxHeading.FindStringSubmatch(trimmed); m != nil {
		text = m[1]
	} else if m := boldHeading.FindStringSubmatch(trimmed); m != nil {
		text = m[1]
	} else {
		return heading{}, false
	}
	return heading{raw: trimmed, text: decodeEntities(text), line: n}, true
}

// decodeEntities replaces the HTML entities the documents use.
func decodeEntities(s string) string {
	return strings.NewReplacer("&reg;", "®", "&trade;", "™", "&amp;", "&", "&nbsp;", " ").Replace(s)
}

// splitCells splits a table row into cells the way GFM does: one leading
// and one trailing pipe are optional, `\|` is a literal pipe inside a cell,
// and each cell is trimmed of surrounding white space (spaces and tabs).
func splitCells(line string) []string {
	s := strings.TrimSpace(line)
	s = strings.TrimPrefix(s, "|")
	if strings.HasSuffix(s, "|") && !strings.HasSuffix(s, `\|`) {
		s = s[:len(s)-1]
	}
	var (
		cells []string
		cur   strings.Builder
	)
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '\\' && i+1 < len(s) && s[i+1] == '|':
			cur.WriteByte('|')
			i++
		case s[i] == '|':
			cells = append(cells, strings.TrimSpace(cur.String()))
			cur.Reset()
		default:
			cur.WriteByte(s[i])
		}
	}
	return append(cells, strings.TrimSpace(cur.String()))
}
