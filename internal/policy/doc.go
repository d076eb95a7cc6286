// Package policy evaluates the PDR rule catalog, written in Rego, over a
// snapshot, with OPA embedded through its Go API.
//
// Its place in the pipeline: model.Snapshot in, []finding.Result out. It
// loads the embedded bundle (package policies) plus the user's own Rego
// (--policy DIR), compiles everything once in strict mode (the errors
// `opa check --strict` gives), prepares one query per rule once, and for
// each evaluation builds one netpath engine, which the Rego builtins
// pdr.net.reach, pdr.net.class and pdr.net.position read from the
// evaluation's context.
//
// The catalog's rules are evaluated part by part (partition.go): a few
// whole VPCs of one region at a time, with what the rules read of their
// accounts and region and every gap that is not of another region; each
// part's input is built once, directly as an OPA value from the snapshot
// (input.go, no JSON text), evaluated by one query for all the rules, and
// released; two parts are evaluated at once, and once a region's parts
// are done netpath forgets its answers about it. So memory follows the
// largest part, not the estate, and time grows with the estate. The
// user's rules (and the catalog too when a user module joins its packages,
// data.pdr) are evaluated over the whole snapshot, converted once.
// Results are read from OPA's values directly.
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
//     finding.Worst; the output is sorted. The results of the parts are
//     those of one evaluation of the whole snapshot (partition_test.go).
//   - The input of a part is what model.Encode's JSON of its data would
//     parse to.
package policy
