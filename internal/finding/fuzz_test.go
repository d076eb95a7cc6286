package finding

import (
	"errors"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"
)

// FuzzParseWaivers feeds arbitrary bytes to ParseWaivers, the byte-level
// parser LoadWaivers reads files with. Properties: it never panics; an
// error is a *WaiverError whose File is the name given (so the message
// names the file); every accepted waiver has all its fields, a rule id
// without a pattern, a real date, and its position in the file; and
// applying accepted waivers to results on their own rule and resource
// never panics.
func FuzzParseWaivers(f *testing.F) {
	for _, s := range []string{
		"# accepted\n- rule: PDR-SSM-001\n  resource: \"i-0abc*\"\n  reason: batch nodes are rebuilt nightly\n  owner: ops@example.com\n  expires: 2026-12-31\n" +
			"- rule: PDR-TM-004\n  resource: i-0def\n  reason: lab\n  owner: sec\n  expires: \"2027-01-15\"\n",
		"- &w {rule: R, resource: \"*\", reason: r, owner: o, expires: 2026-01-01}\n- *w\n",
		"- rule: R\n  resource: i-1\n  reason: r\n  owner: o\n  expires: 2026-02-30\n",
		"- rule: R\n  resource: i-1\n  reason: r\n  owner: o\n  expires: 2026-12-31T10:00:00Z\n",
		"- rule: \"R *\"\n  resource: i-1\n  reason: r\n  owner: o\n  expires: 2026-12-31\n",
		"- {rule: R, rule: R}\n",
		"- {? [a]: b}\n",
		"- [rule, R]\n",
		"- ~\n",
		"waivers: []\n",
		"--- []\n--- []\n",
		"[]",
		"~",
		"",
	} {
		f.Add([]byte(s))
	}
	const name = "fuzz/waivers.yaml"
	today := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, data []byte) {
		ws, err := ParseWaivers(name, data)
		if err != nil {
			if ws != nil {
				t.Fatalf("ParseWaivers returned waivers with the error %v", err)
			}
			var we *WaiverError
			if !errors.As(err, &we) {
				t.Fatalf("ParseWaivers error %q (%T) is not a *WaiverError", err, err)
			}
			if we.File != name || !strings.HasPrefix(err.Error(), "waivers file "+name) {
				t.Fatalf("ParseWaivers error %q does not name the file %s", err, name)
			}
			if we.Msg == "" || !oneClearLine(err.Error()) {
				t.Fatalf("ParseWaivers error %q is empty or not one clear line", err)
			}
			return
		}
		results := make([]Result, 0, len(ws))
		for i, w := range ws {
			if w.Entry != i+1 {
				t.Errorf("waiver %d has Entry %d", i+1, w.Entry)
			}
			if w.Rule == "" || w.Resource == "" || w.Reason == "" || w.Owner == "" || w.Expires == "" {
				t.Errorf("waiver %d lacks a field: %+v", i+1, w)
			}
			if strings.ContainsAny(w.Rule, "* \t") {
				t.Errorf("waiver %d has the rule pattern %q", i+1, w.Rule)
			}
			if d, err := time.Parse(time.DateOnly, w.Expires); err != nil || d.Format(time.DateOnly) != w.Expires {
				t.Errorf("waiver %d expires on %q, not a date", i+1, w.Expires)
			}
			results = append(results, Result{RuleID: w.Rule, ResourceID: w.Resource, Status: Fail})
		}
		out, _ := ApplyWaivers(results, ws, today)
		if len(out) != len(results) {
			t.Fatalf("ApplyWaivers returned %d results for %d", len(out), len(results))
		}
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
