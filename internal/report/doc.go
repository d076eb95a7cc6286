// Package report renders the results of an audit. Its place in the
// pipeline: []finding.Result and the snapshot's gaps in, one Report value
// built once by New, then any number of writers (Writers: a format name →
// func(io.Writer, *Report) error) that turn it into bytes.
//
// Invariants:
//   - Deterministic: results and gaps are sorted, the generation time comes
//     from the caller's clock, maps are rendered in sorted key order, and
//     no writer looks at the environment (the caller decides on color), so
//     the same inputs give the same bytes and goldens are stable.
//   - Nothing is hidden: waived results stay in every output with their
//     waiver; unknown results are never folded into pass. The JSON report
//     holds every result, passes included; --include-passed only changes
//     the formats a person reads.
//   - The JSON report's shape is a contract (format_version "1"):
//     consumers depend on its keys, so keys are added, never renamed or
//     removed, without a new format_version.
//   - An unknown format is an error listing the valid ones; there is no
//     fallback format.
//   - report never imports OPA or the AWS SDK (enforced by archtest): it
//     knows the rule catalog only through its own Rule type.
package report
