// Package policies embeds pdr-audit's default policy bundle: the Rego
// rules of the PDR catalog (pdr/), the profile data they read
// (data/profiles/<profile>/*.json) and the snapshot's JSON Schema
// (schema/). internal/policy loads it; nothing else should
// (reports get the network requirements from policy.Engine).
package policies

import "embed"

// FS holds the bundle.
//
//go:embed pdr data schema
var FS embed.FS
