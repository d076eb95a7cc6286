// Package remediate turns an audit's failures into a reviewable plan of
// AWS changes, applies a plan safely, and rolls an applied plan back.
//
// Its place in the pipeline: collect writes a snapshot, policy evaluates
// it into results; remediate reads both. Planning (Build) is pure: it
// reads the snapshot, the results and the remediation configuration and
// makes no AWS call. Apply and Rollback are the only code in the product
// that changes AWS, and they do it through the interfaces in apply.go.
//
// Invariants:
//   - The set of actions is closed (Action): each rule's METADATA names one
//     (custom.remediation), "manual" sends the finding to Plan.Skipped with
//     the manual step, and a test fails when a rule names an action this
//     package does not know.
//   - A plan states, for every change, what its target looked like when it
//     was planned (Before): Apply re-reads every target first and refuses
//     the whole plan when any differs.
//   - Apply always writes a journal, on success, failure or interrupt; the
//     journal holds the inverse of every applied change, and Rollback
//     undoes exactly those, newest first.
//   - Changes only add: rules, entries, endpoints, associations,
//     attachments, instances. Nothing existing is modified, renumbered or
//     deleted, so every change has an exact inverse.
package remediate
