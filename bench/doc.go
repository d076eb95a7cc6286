// Package bench measures pdr-audit against the floor AWS's own throttling
// sets (issue 8): it generates synthetic estates (package synth), serves
// them with the simulator on loopback with AWS's token buckets and a
// latency model, collects them with the real collector (collect.Collect,
// production retry settings), and compares what happened with what the
// estate needs at least: the minimum pages per API, and the floor
// T ≥ max(ceil(k/p)·L, max(0, (k−B)/r) + L) per API, combined along the
// dependencies between APIs. `make bench` runs it (cmd/pdr-bench) and
// writes bench/results.json; `go test ./bench/...` runs every scenario at
// a tiny size so the harness cannot rot.
//
// Invariants:
//   - Floors are computed from the same parameters the simulator was
//     given (its bucket shapes come from one throttle.Limiter built from
//     the same options), never from what was measured.
//   - Minimum pages are derived from the loaded estate, independently of
//     the collector's code.
//   - Ratios, not absolute times, are the verdicts, so they hold on a
//     noisy 2-core machine; CPU is compared with a bare SDK client in the
//     same run, with the simulator in a child process so that its CPU is
//     not counted.
package bench
