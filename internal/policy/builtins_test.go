package policy

import (
	"context"
	"math/rand/v2"
	"regexp"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
)

func TestReplaceWordIsRegexReplaceOfTheWholeWord(t *testing.T) {
	tests := []struct {
		name, s, old, new string
	}{
		{"an id in a sentence", "i-1 (10.0.1.10) has no public IP", "i-1", "i-2"},
		{"a longer id is another word", "i-12 and i-1", "i-1", "i-2"},
		{"an address followed by a dot or a slash", "to 10.0.1.1. and 10.0.1.1/32, not 10.0.1.10", "10.0.1.1", "10.0.9.9"},
		{"an address inside a longer one", "110.0.1.1 10.0.1.1", "10.0.1.1", "x"},
		{"at the edges", "i-1", "i-1", "i-22"},
		{"every occurrence", "i-1,i-1 i-1", "i-1", "i-3"},
		{"underscores are word characters", "_i-1 i-1_ i-1", "i-1", "i-4"},
		{"no occurrence", "nothing here", "i-1", "i-2"},
		{"a word that starts with a dash", "a -x b-x -x", "-x", "y"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := regexp.MustCompile(`\b`+regexp.QuoteMeta(tt.old)+`\b`).ReplaceAllLiteralString(tt.s, tt.new)
			if got := replaceWord(tt.s, tt.old, tt.new); got != want {
				t.Errorf("replaceWord(%q, %q, %q) = %q, want %q", tt.s, tt.old, tt.new, got, want)
			}
		})
	}
	// And on random texts over a small alphabet, where words collide.
	r := rand.New(rand.NewPCG(1, 2))
	alphabet := "ab1.-_ /"
	word := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = alphabet[r.IntN(len(alphabet))]
		}
		return string(b)
	}
	for range 20000 {
		s, old := word(r.IntN(14)), word(1+r.IntN(3))
		want := regexp.MustCompile(`\b`+regexp.QuoteMeta(old)+`\b`).ReplaceAllLiteralString(s, "X")
		if got := replaceWord(s, old, "X"); got != want {
			t.Fatalf("replaceWord(%q, %q, X) = %q, want %q", s, old, got, want)
		}
	}
}

func TestReplaceWordsRewritesEveryStringOfAValuePairAfterPair(t *testing.T) {
	x := ast.MustParseTerm(`{"message": "i-1 (10.0.1.10) is blocked", "blocked_by": {"id": "i-1", "reason": "i-10 is not i-1"},
		"blocked_paths": [{"from": "i-1", "to": "internet", "port": 443}], "count": 3, "tags": {"i-1"}}`)
	want := ast.MustParseTerm(`{"message": "i-2 (10.0.1.11) is blocked", "blocked_by": {"id": "i-2", "reason": "i-10 is not i-2"},
		"blocked_paths": [{"from": "i-2", "to": "internet", "port": 443}], "count": 3, "tags": {"i-2"}}`)
	pairs := ast.MustParseTerm(`[["i-1", "i-2"], ["10.0.1.10", "10.0.1.11"]]`)
	got, err := replaceWordsImpl(rego.BuiltinContext{Context: context.Background()}, x, pairs)
	if err != nil {
		t.Fatal(err)
	}
	if got.Value.Compare(want.Value) != 0 {
		t.Errorf("got %v, want %v", got, want)
	}
	if _, err := replaceWordsImpl(rego.BuiltinContext{}, x, ast.MustParseTerm(`[["i-1"]]`)); err == nil {
		t.Error("a pair of one word was accepted")
	}
}
