// Package model defines the snapshot: the typed record of what pdr-audit
// observed in AWS, and the one contract of the pipeline. Collectors
// (internal/collect) and the offline importer write it; policies read its
// JSON as input; the planner reads "before" values from it.
//
// Invariants:
//   - Standard library only; no other internal package is imported.
//   - JSON field names are snake_case; every slice is sorted by its natural
//     key (Normalize does it, and writers call it), so a snapshot's bytes
//     depend only on what was observed, never on the order of API pages or
//     goroutines.
//   - Data that could not be read is recorded as a Gap, never as an empty
//     list: "no NACLs" and "NACLs unreadable" are different snapshots.
//   - SchemaVersion says which layout a file has; Read refuses any version
//     this build does not know and names the ones it reads.
package model
