package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"
)

// FuzzParse feeds arbitrary bytes to Parse. Properties: it never panics;
// an error is a *Error whose File is the name given (so the message names
// the file); an accepted configuration carries the name and gives its
// policy data.
func FuzzParse(f *testing.F) {
	b, err := os.ReadFile(filepath.Join("..", "..", "examples", "demo-remediation.yaml"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	for _, s := range []string{
		"profile: pdr-2020-03\ndatacenter: eu\nrapid7_region: au\nmonitored:\n  include_tags:\n    pdr:monitored: true\n  exclude_tags: {env: \"*\"}\n" +
			"appliances:\n  tags: {ProductVendor: AlertLogic}\n  name_contains: [Threat Manager, \"IDS \"]\nexclude_vpcs:\n  - vpc-0bf81f5e18895f522\n" +
			"exclude_accounts: [111122223333, \"012345678901\"]\nremediation:\n  security_groups: dedicated\n  instance_profile: pdr-ssm\n" +
			"  appliance:\n    image_id: ami-0123456789abcdef0\n    instance_type: c5.large\n    security_groups: {vpc-0bf81f5e18895f522: sg-0123456789abcdef0}\n",
		"base: &b {include_tags: {a: b}}\nmonitored: *b\n",
		"monitored:\n  include_tags: &t {a: b}\n  exclude_tags: *t\n",
		"exclude_vpcs: &l [vpc-1234abcd, vpc-1234abcd]\nexclude_accounts: *l\n",
		"appliances: {name_contains: [\" \"]}\n",
		"monitored: {include_tags: {\"\": x, y: ~}}\n",
		"? [a, b]\n: c\n",
		"profile: pdr-2020-03\nprofile: pdr-2018-10\n",
		"--- {}\n--- {}\n",
		"!!binary aGVsbG8=\n",
		"\"a\\nb\\u001b[31m\": 1\n",
		"monitored: {include_tags: {\"k\\r\": 1, \"k\\r\": 2}}\n",
		"[1, 2]\n",
		"~\n",
		"---\n",
		"\t",
		"",
	} {
		f.Add([]byte(s))
	}
	const name = "fuzz/pdr-audit.yaml"
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := Parse(name, data)
		if err != nil {
			if cfg != nil {
				t.Fatalf("Parse returned a configuration with the error %v", err)
			}
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("Parse error %q (%T) is not a *config.Error", err, err)
			}
			if ce.File != name || !strings.HasPrefix(err.Error(), "config file "+name) {
				t.Fatalf("Parse error %q does not name the file %s", err, name)
			}
			if ce.Msg == "" || !oneClearLine(err.Error()) {
				t.Fatalf("Parse error %q is empty or not one clear line", err)
			}
			return
		}
		if cfg.Path != name {
			t.Fatalf("Path = %q, want %q", cfg.Path, name)
		}
		_ = cfg.Data()
	})
}

// TestParseReadsLongListsInLinearTime guards the one cost the fuzzer's
// small inputs cannot show: repeats in a list are dropped through a set,
// so a list of 100,000 accounts (2 MB) takes well under a second where a
// linear search per item took tens of seconds.
func TestParseReadsLongListsInLinearTime(t *testing.T) {
	const n = 100_000
	var b strings.Builder
	b.WriteString("exclude_accounts:\n")
	for i := range n {
		fmt.Fprintf(&b, "  - \"%012d\"\n", i)
	}
	b.WriteString("  - \"000000000000\"\n")
	start := time.Now()
	cfg, err := Parse("long.yaml", []byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("a list of %d items took %v", n, took)
	}
	if len(cfg.ExcludeAccounts) != n {
		t.Errorf("%d accounts, want %d (the repeat dropped)", len(cfg.ExcludeAccounts), n)
	}
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
