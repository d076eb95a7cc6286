package synth

import (
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// An estate is written whole, beside nothing left over, and every file is
// readable by its owner only.
func TestEstatesAreWrittenWholeWithMode0600(t *testing.T) {
	dir, _ := generate(t, opts(func(o *Options) { o.Seed, o.Accounts, o.Regions, o.Instances = 3, 2, 1, 30 }))
	files := 0
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		files++
		info, err := d.Info()
		if err != nil {
			return err
		}
		if info.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v, want 0600", p, info.Mode().Perm())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files == 0 {
		t.Fatal("no file written")
	}
	entries, err := os.ReadDir(filepath.Dir(dir))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != "estate" {
		t.Errorf("beside the estate: %v, want only the estate", entries)
	}
}
