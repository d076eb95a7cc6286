// Package finding defines what an audit produces: a Result per rule and
// resource, with a Status and a Severity, and the waivers that turn an
// accepted failure into "waived". It imports nothing internal, so policy,
// report and remediate all speak it.
//
// Invariants: statuses combine only through Worst (one precedence order
// for the whole product); a waiver never hides a result — a waived result
// stays in every output with the waiver's reason; results are sorted by
// Sort before anyone sees them.
package finding
