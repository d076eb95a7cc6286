package model

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

// ErrSchemaVersion is wrapped by Decode for a snapshot of a layout this
// build does not read.
var ErrSchemaVersion = errors.New("unsupported snapshot schema version")

// Encode writes the snapshot as indented JSON after normalizing it.
func Encode(w io.Writer, s *Snapshot) error {
	s.Normalize()
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		return fmt.Errorf("encode snapshot: %w", err)
	}
	return nil
}

// Marshal returns Encode's bytes.
func Marshal(s *Snapshot) ([]byte, error) {
	var buf bytes.Buffer
	if err := Encode(&buf, s); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Decode reads a snapshot. It checks schema_version before anything else,
// so a snapshot from a newer build is refused with the versions this one
// reads rather than misread; unknown fields are errors.
func Decode(data []byte) (*Snapshot, error) {
	var head struct {
		SchemaVersion *string `json:"schema_version"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, fmt.Errorf("not a snapshot: %w", err)
	}
	if head.SchemaVersion == nil {
		return nil, fmt.Errorf("not a snapshot: no schema_version (this build reads %s)", strings.Join(ReadableSchemaVersions, ", "))
	}
	if !slices.Contains(ReadableSchemaVersions, *head.SchemaVersion) {
		return nil, fmt.Errorf("%w %q: this build reads %s", ErrSchemaVersion, *head.SchemaVersion, strings.Join(ReadableSchemaVersions, ", "))
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var s Snapshot
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("snapshot: %w", err)
	}
	s.Normalize()
	return &s, nil
}
