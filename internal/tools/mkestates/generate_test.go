package main

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// estatesDir is the committed output, relative to this package.
var estatesDir = filepath.Join("..", "..", "..", "testdata", "estates")

// exampleSource is the specification's example estate, when it is present.
var exampleSource = filepath.Join("..", "..", "..", "..", "shared", "examples", "estate-example")

func TestGenerationIsDeterministic(t *testing.T) {
	a, b := generate(), generate()
	if !slices.Equal(a.paths(), b.paths()) {
		t.Fatal("two runs produced different file sets")
	}
	for _, p := range a.paths() {
		if !bytes.Equal(a[p], b[p]) {
			t.Errorf("%s differs between two runs", p)
		}
	}
}

func TestCommittedEstatesMatchTheGenerator(t *testing.T) {
	want := generate()
	got := files{}
	for _, sub := range generated {
		root := filepath.Join(estatesDir, sub)
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(estatesDir, p)
			got[filepath.ToSlash(rel)] = b
			return nil
		})
		if err != nil {
			t.Fatalf("read committed estates (run `go run ./internal/tools/mkestates -out testdata/estates`): %v", err)
		}
	}
	if b, err := os.ReadFile(filepath.Join(estatesDir, "README.md")); err == nil {
		got["README.md"] = b
	}
	for _, p := range want.paths() {
		g, ok := got[p]
		switch {
		case !ok:
			t.Errorf("%s is missing; regenerate with `go run ./internal/tools/mkestates -out testdata/estates`", p)
		case !bytes.Equal(g, want[p]):
			t.Errorf("%s differs from the generator's output; regenerate", p)
		}
	}
	for _, p := range got.paths() {
		if _, ok := want[p]; !ok {
			t.Errorf("%s is not produced by the generator; regenerate", p)
		}
	}
}

func TestExampleIsAByteForByteCopy(t *testing.T) {
	if _, err := os.Stat(exampleSource); err != nil {
		t.Skipf("the specification's example estate is not at %s", exampleSource)
	}
	count := 0
	err := filepath.WalkDir(exampleSource, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(exampleSource, p)
		want, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		got, err := os.ReadFile(filepath.Join(estatesDir, "example", rel))
		if err != nil {
			t.Errorf("example/%s: %v", rel, err)
			return nil
		}
		if !bytes.Equal(got, want) {
			t.Errorf("example/%s differs from %s", rel, p)
		}
		count++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if count == 0 {
		t.Error("the example estate has no files")
	}
}

func TestTheJSONEncoderPrintsLikePython(t *testing.T) {
	tests := []struct {
		name string
		v    any
		want string
	}{
		{"empty containers stay on one line", obj("A", list{}, "B", object{}), "{\n    \"A\": [],\n    \"B\": {}\n}\n"},
		{"nested values are indented four spaces", obj("A", list{obj("B", 1)}), "{\n    \"A\": [\n        {\n            \"B\": 1\n        }\n    ]\n}\n"},
		{"html characters are not escaped", "<a&b>", "\"<a&b>\"\n"},
		{"control characters use Python's escapes", "a\nb\t\"c\\", "\"a\\nb\\t\\\"c\\\\\"\n"},
		{"non-ASCII text is printed as is", "café", "\"café\"\n"},
		{"an omitted member disappears", obj("A", omit{}, "B", true), "{\n    \"B\": true\n}\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(encode(tt.v)); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestTheDemoREADMENamesOnlyIdsThatExist(t *testing.T) {
	all := generate()
	var corpus strings.Builder
	for p, b := range all {
		if strings.HasPrefix(p, "demo/") && strings.HasSuffix(p, ".json") {
			corpus.Write(b)
		}
	}
	readme := string(all["demo/README.md"])
	for _, id := range idPattern.FindAllString(readme, -1) {
		if !strings.Contains(corpus.String(), `"`+id+`"`) {
			t.Errorf("README names %s, which no demo file holds", id)
		}
	}
}
