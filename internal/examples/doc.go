// Package examples checks the files under the repository's examples/
// directory: the scheduled-audit GitHub Actions workflow (with actionlint,
// when it is installed) and the Kubernetes CronJob manifest (parsed and
// validated for the fields a CronJob needs). It holds tests only.
//
// Invariants:
//   - Every example a user may copy is checked by `make test`; a test that
//     cannot run its checker skips and says why, it never passes silently.
package examples
