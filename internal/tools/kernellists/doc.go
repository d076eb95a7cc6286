// Command kernellists extracts the supported operating systems and kernel
// strings of each profile from Rackspace's PDR agent compatibility pages and
// writes them as profile data for the policies:
//
//	go run ./internal/tools/kernellists -ref ../shared/reference -out policies/data/profiles
//
// reads rackspace-pdr-agent-compatibility.2018-10-09.md (profile
// pdr-2018-10) and rackspace-pdr-agent-compatibility.2020-03-30.md
// (profile pdr-2020-03) and writes <out>/<profile>/os.json. Copies of the
// two documents live in testdata/, so the test that re-extracts them and
// compares with the committed data runs without ../shared; another test
// checks that the copies equal ../shared/reference when it is present.
// After the reference documents change, copy them into testdata/ and rerun
// the command (or `go test ./internal/tools/kernellists -update`).
//
// # Extraction
//
// Every table cell is split into white-space-separated tokens. A token that
// starts with a digit and has a dash after it is a kernel string and is
// kept exactly as written — including the misspelled, truncated and
// misplaced ones, which are reported in "anomalies" rather than corrected.
// A release number before a kernel ("7.5 3.10.0-862.el7.x86_64", "6.7 -
// 2.6.32-573.60.1.el6.x86_64") and words beside it ("Earlier than v3.4")
// are recorded in the section's "notes", never in the kernel. Exact
// duplicates within a section are kept once and reported. Cells beyond a
// table's column count are kept and reported: a Markdown renderer drops
// them, so the published page did not show them.
//
// # Output
//
// os.json is indented JSON with a trailing newline; the same documents
// always give the same bytes. Sections, Windows builds and anomalies keep
// document order; kernel lists are sorted byte-wise and unique; OS entries
// are sorted by family, then by document order. Its members:
//
//   - linux: one entry per Linux section: section, heading, line, families,
//     versions, kernels, notes.
//   - kernels: every kernel of every section, sorted, unique.
//   - kernel_sections: kernel → the sections listing it (a key lookup).
//   - os: {family, platform_names, versions, version_prefixes, sections}.
//     An instance's OS is listed when SSM's PlatformName is in
//     platform_names and PlatformVersion equals a member of versions, or
//     equals a member p of version_prefixes or starts with p + ".".
//   - windows_builds: {name, build, line}; a Windows instance matches when
//     its PlatformVersion equals build.
//   - anomalies: {section, kind, detail, tokens: [{token, line}]}, grouped
//     by section, kind and detail.
//
// The mapping from section names to SSM's PlatformName and PlatformVersion,
// and which versions match by prefix, is decided in sections.go, with the
// evidence. A section name that is not there stops the command.
//
// Invariants: the command never alters a kernel token; it never drops one;
// it fails rather than guess at a document shape it does not understand
// (a table above every heading, kernel-like text outside any table, a
// section it has no mapping for).
package main
