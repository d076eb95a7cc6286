// Package collect turns AWS accounts into a model.Snapshot: it resolves the
// scope (accounts from --accounts or Organizations, regions from --regions
// or the account's enabled regions), assumes a role into each account, and
// runs the per-service collectors (ec2, ssm, iam) over every account and
// region with bounded concurrency.
//
// Invariants:
//   - Every read that fails becomes a model.Gap (an account whose role
//     cannot be assumed is one gap, and the other accounts are still
//     collected); Collect itself fails only when nothing can be collected
//     at all (no caller identity, an organization that cannot be listed).
//   - Calls are paced per account, region, service and action by a
//     client-side limiter that starts from AWS's published EC2 token
//     buckets (and a moderate pace for services that publish none) and
//     adapts to the throttles it meets; the SDK's standard retryer absorbs
//     what is still throttled. A throttle that clears leaves no
//     trace; one that does not becomes a gap of class "throttled".
//   - Results never depend on goroutine order: the snapshot is normalized
//     (sorted) before it is returned.
//   - collect never imports policy, report or remediate.
package collect
