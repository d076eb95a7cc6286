// Package archtest holds no code, only a test: it enforces the import
// direction of ARCHITECTURE.md so the layering cannot rot silently.
//
// The test asks `go list -deps -json` about every package of the module and
// checks each rule against the transitive imports of production code (test
// files may import what they need, e.g. the simulator in end-to-end tests).
// A rule about a package that does not exist yet is skipped, so the test
// grows with the repository. Rules:
//
//   - model imports nothing internal and nothing outside the standard
//     library; finding imports nothing internal;
//   - collect never imports policy, report or remediate;
//   - report never imports OPA or the AWS SDK;
//   - policy and netpath never import the AWS SDK (nothing after collect
//     calls AWS), nor collect;
//   - awssim never imports collect, policy, report or remediate (it is a
//     stand-in for AWS, not a part of the pipeline), and none of the
//     pipeline packages imports awssim in production code (tests may);
//   - only internal/cli and cmd/ import internal/cli (cli is the one place
//     that wires everything).
//
// Because `go list` runs in a subprocess, the go test cache would not see
// source changes; the test therefore stats every Go file of the module so a
// change invalidates a cached pass.
package archtest
