// Command schemagen writes policies/schema/snapshot.schema.json, the JSON
// Schema of the snapshot, from the Go types of package model:
//
//	go run ./internal/tools/schemagen
//
// Its test fails when the committed schema is stale. It lives here rather
// than in package model so that model keeps to the standard library.
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"

	"github.com/invopop/jsonschema"

	"github.com/pdr-audit/pdr-audit/internal/model"
)

// schemaPath is where the schema is committed, relative to the module root.
const schemaPath = "policies/schema/snapshot.schema.json"

// schemaID is the schema's $id.
const schemaID = "https://github.com/pdr-audit/pdr-audit/" + schemaPath

func main() {
	b, err := generate()
	if err == nil {
		err = os.WriteFile(schemaPath, b, 0o644)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "schemagen:", err)
		os.Exit(1)
	}
}

// generate returns the snapshot's JSON Schema, indented, with a trailing
// newline. Every field is written (empty slices as []), so every field is
// required, and unknown fields are refused as model.Decode refuses them.
func generate() ([]byte, error) {
	r := &jsonschema.Reflector{AllowAdditionalProperties: false}
	s := r.Reflect(&model.Snapshot{})
	s.ID = schemaID
	s.Title = "pdr-audit snapshot"
	s.Description = fmt.Sprintf("What pdr-audit observed in AWS (schema_version %s).", model.SchemaVersion)
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode schema: %w", err)
	}
	var buf bytes.Buffer
	buf.Write(b)
	buf.WriteByte('\n')
	return buf.Bytes(), nil
}
