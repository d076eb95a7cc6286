// Package sechub imports an audit's findings into AWS Security Hub with
// BatchImportFindings, as `pdr-audit audit --security-hub` does.
//
// Its place in the pipeline: after the reports are written, the CLI hands
// it the ASFF findings package report built (the same bytes the asff
// report holds) and one Security Hub client per account and region the
// findings belong to. It lives apart from package report because reports
// never call AWS (archtest).
//
// Invariants:
//   - A request holds at most 100 findings and at most 6 MB of them, the
//     limits AWS documents; findings keep their order, batches are sent one
//     after another.
//   - Every finding that was not imported is reported by id, with the code
//     and message AWS gave: its FailedFindings entry, or, when a whole
//     request failed, that request's error for each finding it carried.
//     Findings never sent (the context ended) are counted, not dropped.
//   - A throttled request is retried with exponential backoff beyond the
//     SDK's own retryer, a bounded number of times; the wait honours the
//     context and goes through an injectable sleep, so tests never sleep.
//   - Upload returns an error wrapping ErrNotImported whenever a finding
//     was not imported, and each failed request's error.
package sechub
