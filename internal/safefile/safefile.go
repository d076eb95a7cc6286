// Package safefile writes files the way every artifact of pdr-audit is
// written: to a temporary file in the same directory, synced, with mode
// 0600, then renamed into place — so a reader sees the old file or the
// whole new one, never half of it, even when the writer is interrupted.
package safefile

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Mode is the permission of every file pdr-audit writes: snapshots, reports
// and plans describe a customer's infrastructure.
const Mode os.FileMode = 0o600

// Write creates or replaces path with what write produces. If write fails,
// path is left as it was.
func Write(path string, write func(w io.Writer) error) (err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err := tmp.Chmod(Mode); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := write(tmp); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
