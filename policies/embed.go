// Package policies embeds pdr-audit's default policy bundle: the Rego
// rules of the PDR catalog (pdr/), the profile data they read
// (data/profiles/<profile>/*.json) and the snapshot's JSON Schema
// (schema/). internal/policy loads it; internal/report reads
// only the profiles' network.json, for the HTML report's path matrices.
package policies

import "embed"

// FS holds the bundle.
//
//go:embed pdr data schema
var FS embed.FS
