package finding

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// Waiver accepts the failure of one rule on the resources its pattern
// matches, for a reason, on someone's authority, until a date.
type Waiver struct {
	// Rule is the rule id, exactly.
	Rule string `json:"rule"`
	// Resource is a resource id, or a pattern in which `*` matches any run
	// of characters (including none). It must match the whole id; no other
	// character is special.
	Resource string `json:"resource"`
	Reason   string `json:"reason"`
	Owner    string `json:"owner"`
	// Expires is the last day (YYYY-MM-DD, UTC) the waiver is in force.
	Expires string `json:"expires"`
	// Entry is the waiver's position in its file, from 1; Line its line.
	Entry int `json:"entry"`
	Line  int `json:"line"`
}

// Matches reports whether the waiver covers rule on resource.
func (w Waiver) Matches(rule, resource string) bool {
	return w.Rule == rule && globMatch(w.Resource, resource)
}

// ExpiredOn reports whether the waiver is no longer in force on today's
// date (UTC): a waiver holds up to and including its expiry day.
func (w Waiver) ExpiredOn(today time.Time) bool {
	return today.UTC().Format(time.DateOnly) > w.Expires
}

// globMatch reports whether pattern matches the whole of s, where `*`
// matches any run of characters and every other character only itself.
func globMatch(pattern, s string) bool {
	// Classic two-pointer wildcard matching with backtracking to the last
	// star; linear in practice, no regexp so nothing else is special.
	p, i := 0, 0
	star, mark := -1, 0
	for i < len(s) {
		switch {
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, i
			p++
		case p < len(pattern) && pattern[p] == s[i]:
			p++
			i++
		case star >= 0:
			p = star + 1
			mark++
			i = mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}

// WaiverUse is a waiver and the results it matched.
type WaiverUse struct {
	Waiver Waiver `json:"waiver"`
	// Results counts the failing results the waiver matched.
	Results int `json:"results"`
}

// WaiverReport says what the waivers did that a person must act on.
type WaiverReport struct {
	// Applied are waivers in force that turned at least one fail into
	// waived.
	Applied []WaiverUse `json:"applied"`
	// Expired are waivers past their date that still match failing,
	// unknown or erroring results; the failures they match stay fail
	// (unless another waiver in force covers them).
	Expired []WaiverUse `json:"expired"`
	// Unmatched are waivers that match no failing, unknown or erroring
	// result: the resource is gone, passes now, or the pattern is wrong.
	// They should be removed.
	Unmatched []Waiver `json:"unmatched"`
}

// ApplyWaivers turns each fail that a waiver in force on today matches into
// waived, recording the first such waiver (in file order). It never drops
// a result and never touches pass, unknown or error: only a definite
// failure can be accepted. The input slice is not modified.
func ApplyWaivers(results []Result, waivers []Waiver, today time.Time) ([]Result, WaiverReport) {
	out := make([]Result, len(results))
	copy(out, results)
	failing := make([]int, len(waivers))   // fails each waiver matches
	relevant := make([]bool, len(waivers)) // matches a fail, unknown or error
	applied := make([]int, len(waivers))
	for i := range out {
		r := &out[i]
		for j, w := range waivers {
			if !w.Matches(r.RuleID, r.ResourceID) {
				continue
			}
			switch r.Status {
			case Fail:
				failing[j]++
				relevant[j] = true
				if !w.ExpiredOn(today) {
					r.Status = Waived
					r.Waiver = &Applied{Reason: w.Reason, Owner: w.Owner, Expires: w.Expires}
					applied[j]++
				}
			case Waived:
				// Already waived by an earlier waiver of the file: this
				// one matches a failure too.
				failing[j]++
				relevant[j] = true
			case Unknown, Error:
				relevant[j] = true
			}
		}
	}
	rep := WaiverReport{Applied: []WaiverUse{}, Expired: []WaiverUse{}, Unmatched: []Waiver{}}
	for j, w := range waivers {
		switch {
		case !relevant[j]:
			rep.Unmatched = append(rep.Unmatched, w)
		case w.ExpiredOn(today):
			rep.Expired = append(rep.Expired, WaiverUse{Waiver: w, Results: failing[j]})
		case applied[j] > 0:
			rep.Applied = append(rep.Applied, WaiverUse{Waiver: w, Results: applied[j]})
		}
	}
	return out, rep
}

// WaiverError is a problem in a waivers file.
type WaiverError struct {
	File string
	Line int
	// Entry is the waiver's position in the file from 1; 0 for the file
	// as a whole.
	Entry int
	// Field is the field at fault, "" when the entry itself is.
	Field string
	Msg   string
}

func (e *WaiverError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "waivers file %s", e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ", line %d", e.Line)
	}
	if e.Entry > 0 {
		fmt.Fprintf(&b, ", waiver %d", e.Entry)
	}
	if e.Field != "" {
		fmt.Fprintf(&b, ", field %s", printable(e.Field))
	}
	return b.String() + ": " + e.Msg
}

// waiverFields are the fields of a waiver, all required, in the order
// errors list them.
var waiverFields = []string{"rule", "resource", "reason", "owner", "expires"}

// LoadWaivers reads a waivers file: a YAML list of waivers, each with
// rule, resource, reason, owner and expires, all required. Parsing is
// strict: unknown fields, wrong types and bad dates are errors naming the
// file, the waiver's position and the field.
func LoadWaivers(path string) ([]Waiver, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("waivers file: %w", err)
	}
	return ParseWaivers(path, b)
}

// ParseWaivers reads waivers from b; name is the file name errors show.
func ParseWaivers(name string, b []byte) ([]Waiver, error) {
	fail := func(n *yaml.Node, entry int, field, format string, a ...any) error {
		line := 0
		if n != nil {
			line = n.Line
		}
		return &WaiverError{File: name, Line: line, Entry: entry, Field: field, Msg: fmt.Sprintf(format, a...)}
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return []Waiver{}, nil
		}
		return nil, fail(nil, 0, "", "not valid YAML: %s", strings.TrimPrefix(err.Error(), "yaml: "))
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		if err != nil {
			return nil, fail(nil, 0, "", "not valid YAML: %s", strings.TrimPrefix(err.Error(), "yaml: "))
		}
		return nil, fail(&extra, 0, "", "more than one YAML document")
	}
	root := resolve(&doc)
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = resolve(root.Content[0])
	}
	if root.Kind == yaml.ScalarNode && root.ShortTag() == "!!null" {
		return []Waiver{}, nil
	}
	if root.Kind != yaml.SequenceNode {
		return nil, fail(root, 0, "", "must be a list of waivers (- rule: …, resource: …, reason: …, owner: …, expires: YYYY-MM-DD)")
	}
	out := make([]Waiver, 0, len(root.Content))
	for i, item := range root.Content {
		entry := i + 1
		item = resolve(item)
		if item.Kind != yaml.MappingNode {
			return nil, fail(item, entry, "", "must be a mapping with %s", strings.Join(waiverFields, ", "))
		}
		w := Waiver{Entry: entry, Line: item.Line}
		dst := map[string]*string{"rule": &w.Rule, "resource": &w.Resource, "reason": &w.Reason, "owner": &w.Owner, "expires": &w.Expires}
		seen := map[string]bool{}
		for k := 0; k+1 < len(item.Content); k += 2 {
			key, val := resolve(item.Content[k]), resolve(item.Content[k+1])
			p, ok := dst[key.Value]
			if key.Kind != yaml.ScalarNode || !ok {
				return nil, fail(key, entry, key.Value, "unknown field (a waiver has %s)", strings.Join(waiverFields, ", "))
			}
			if seen[key.Value] {
				return nil, fail(key, entry, key.Value, "set twice")
			}
			seen[key.Value] = true
			tag := val.ShortTag()
			if val.Kind != yaml.ScalarNode || (tag != "!!str" && !(key.Value == "expires" && tag == "!!timestamp")) {
				return nil, fail(val, entry, key.Value, "must be a string, not %s", describe(val))
			}
			*p = strings.TrimSpace(val.Value)
			if *p == "" {
				return nil, fail(val, entry, key.Value, "cannot be empty")
			}
		}
		for _, f := range waiverFields {
			if !seen[f] {
				return nil, fail(item, entry, f, "missing (every waiver needs %s)", strings.Join(waiverFields, ", "))
			}
		}
		if strings.ContainsAny(w.Rule, "* \t") {
			return nil, fail(item, entry, "rule", "%q is not a rule id (the rule is matched exactly; only resource takes *)", w.Rule)
		}
		if t, err := time.Parse(time.DateOnly, w.Expires); err != nil || t.Format(time.DateOnly) != w.Expires {
			return nil, fail(item, entry, "expires", "%q is not a date of the form YYYY-MM-DD", w.Expires)
		}
		out = append(out, w)
	}
	return out, nil
}

func resolve(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	switch n.ShortTag() {
	case "!!null":
		return "empty"
	case "!!int", "!!float":
		return "a number"
	case "!!bool":
		return "a boolean"
	case "!!timestamp":
		return "a date"
	}
	return printable(n.ShortTag())
}

// printable returns s unchanged when every character is printable, else
// quoted: a field name or tag of the file never brings a control
// character or an escape sequence into an error message.
func printable(s string) string {
	if utf8.ValidString(s) && !strings.ContainsFunc(s, func(r rune) bool { return !unicode.IsPrint(r) }) {
		return s
	}
	return strconv.Quote(s)
}
