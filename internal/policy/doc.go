// Package policy evaluates the PDR rule catalog, written in Rego, over a
// snapshot, with OPA embedded through its Go API.
//
// Its place in the pipeline: model.Snapshot in, []finding.Result out. It
// loads the embedded bundle (package policies) plus the user's own Rego
// (--policy DIR), compiles everything once in strict mode (the errors
// `opa check --strict` gives), prepares one query per rule once, and for
// each evaluation converts the snapshot to an OPA value once and builds
// one netpath engine, which the Rego builtin pdr.net.reach reads from the
// evaluation's context.
//
// Invariants:
//   - A rule's `# METADATA` block (package scope) is the single source of
//     its id, title, severity, resource kind, remediation action and help;
//     a module whose metadata is incomplete or invalid is refused at load.
//   - Profile data lives in OPA's store under the explicit root
//     data.profile, the run's configuration under data.config; rule bodies
//     hold no CIDRs, ports or kernel lists.
//   - A rule that errors yields `error` results for every resource of its
//     kind, and the other rules still run.
//   - Results for the same rule and resource combine through
//     finding.Worst; the output is sorted.
package policy
