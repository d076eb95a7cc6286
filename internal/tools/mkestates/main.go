package main

import (
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

func main() {
	out := flag.String("out", "testdata/estates", "directory that receives the estates")
	example := flag.String("example", "../shared/examples/estate-example",
		"example estate to copy byte for byte into <out>/example (skipped when it does not exist; empty to skip)")
	flag.Parse()
	if err := run(*out, *example); err != nil {
		fmt.Fprintln(os.Stderr, "mkestates:", err)
		os.Exit(1)
	}
}

// generated are the directories under -out that generate owns entirely.
var generated = []string{"demo", "org"}

// generate returns every generated file, keyed by its slash-separated path
// under the output directory.
func generate() files {
	all := files{}
	d := buildDemo()
	for p, b := range render(d.e) {
		all["demo/"+p] = b
	}
	all["demo/README.md"] = []byte(d.readme())
	o := buildOrg()
	for p, b := range renderOrg(o) {
		all["org/"+p] = b
	}
	all["org/README.md"] = []byte(orgReadme(o))
	all["README.md"] = []byte(topReadme())
	return all
}

func run(out, example string) error {
	if out == "" {
		return errors.New("-out is empty")
	}
	all := generate()
	for _, sub := range generated {
		if err := os.RemoveAll(filepath.Join(out, sub)); err != nil {
			return fmt.Errorf("clear %s: %w", sub, err)
		}
	}
	for _, p := range all.paths() {
		if err := writeFile(filepath.Join(out, filepath.FromSlash(p)), all[p]); err != nil {
			return err
		}
	}
	if example == "" {
		return nil
	}
	if _, err := os.Stat(example); errors.Is(err, fs.ErrNotExist) {
		fmt.Fprintf(os.Stderr, "mkestates: %s does not exist; example/ left as it is\n", example)
		return nil
	}
	return copyTree(example, filepath.Join(out, "example"))
}

func writeFile(name string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		return fmt.Errorf("create directory for %s: %w", name, err)
	}
	if err := os.WriteFile(name, b, 0o644); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	return nil
}

// copyTree replaces dst with a byte-for-byte copy of the regular files under src.
func copyTree(src, dst string) error {
	if err := os.RemoveAll(dst); err != nil {
		return fmt.Errorf("clear %s: %w", dst, err)
	}
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("walk %s: %w", src, err)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return fmt.Errorf("relative path of %s: %w", p, err)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return fmt.Errorf("read example file: %w", err)
		}
		return writeFile(filepath.Join(dst, rel), b)
	})
}
