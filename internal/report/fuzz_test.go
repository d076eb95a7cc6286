package report

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// FuzzParseBaseline feeds arbitrary bytes to ParseBaseline, the byte-level
// parser ReadBaseline reads files with. Properties: it never panics; an
// error names the file; an accepted baseline holds only results with a
// rule id and a known status, and compared with its own results it has no
// new result.
func FuzzParseBaseline(f *testing.F) {
	for _, rel := range []string{
		"internal/report/testdata/sample.json",
		"testdata/golden/audit-example-pdr-2020-03.json",
	} {
		b, err := os.ReadFile(filepath.Join("..", "..", filepath.FromSlash(rel)))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{
		`{"format_version":"1","results":[]}`,
		`{"format_version":"1","generated_at":"2024-01-02T03:04:05Z","results":[{"rule_id":"R","status":"fail"},{"rule_id":"R","status":"pass"}]}`,
		`{"format_version":"1","results":[{"rule_id":"","status":"fail"}]}`,
		`{"format_version":"1","results":[{"rule_id":"R","status":"maybe"}]}`,
		`{"format_version":"1","results":null}`,
		`{"format_version":"2","results":[]}`,
		`{"format_version":1}`,
		`{"results":[]}`,
		"{\"format_version\":\"1\",\n\"results\":[\n{]}",
		`[]`,
		``,
	} {
		f.Add([]byte(s))
	}
	const name = "fuzz/baseline.json"
	f.Fuzz(func(t *testing.T, data []byte) {
		prev, err := ParseBaseline(name, data)
		if err != nil {
			if prev != nil {
				t.Fatalf("ParseBaseline returned a baseline with the error %v", err)
			}
			if !strings.HasPrefix(err.Error(), "baseline "+name+": ") {
				t.Fatalf("ParseBaseline error %q does not name the file %s", err, name)
			}
			if !oneClearLine(err.Error()) {
				t.Fatalf("ParseBaseline error %q is not one clear line", err)
			}
			return
		}
		if prev.File != name {
			t.Fatalf("File = %q, want %q", prev.File, name)
		}
		for i, r := range prev.Results {
			if r.RuleID == "" || !r.Status.Valid() {
				t.Fatalf("result %d accepted with rule %q and status %q", i+1, r.RuleID, r.Status)
			}
		}
		b := NewBaseline(prev, prev.Results)
		if len(b.New) != 0 || b.Counts.New != 0 {
			t.Fatalf("a report compared with itself has %d new results: %+v", b.Counts.New, b.New)
		}
		_ = b.NewFailures(prev.Results)
	})
}

// oneClearLine reports whether s is one line of valid UTF-8 that a
// terminal shows as it reads: no control character (no line break, no
// escape sequence; DEL, which terminals ignore and time.Parse's own
// messages carry, excepted) and no bidirectional override.
func oneClearLine(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsFunc(s, func(r rune) bool {
		return r != 0x7f && unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r)
	})
}
