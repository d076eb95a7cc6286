// Package awssim is a wire-level AWS simulator: it serves an estate (a
// directory of AWS CLI v2 JSON, see ESTATES.md) over the protocols AWS
// itself speaks — EC2's query protocol with XML in the EC2 namespace, the
// awsquery XML of IAM and STS, awsJson1_1 for SSM and Organizations, and
// rest-json for Security Hub's BatchImportFindings (securityhub.go) — so
// the real AWS CLI, the real aws-sdk-go-v2 clients, their paginators and
// their retryers can be exercised without an AWS account.
//
// Its place in the pipeline: tests and demos point collectors (and later
// apply) at it with --endpoint-url; nothing in the product's audit path
// depends on it.
//
// Invariants:
//   - Every shape, member name, XML element name, paginator token and page
//     limit comes from botocore's service models (package simmodel); the
//     codecs are driven by those models, never by hand-written per-operation
//     XML.
//   - An estate is validated whole at load: a file that does not parse, is
//     not part of the format, or does not match its operation's output
//     shape is refused with its path (and line:column for syntax errors).
//     The simulator never serves half an estate.
//   - The order of items in estate files is the order served, so the AWS
//     CLI's merge of all pages equals the file.
//   - Accounts are told apart by the SigV4 access key id: keys issued by
//     AssumeRole select their account, any other key is the estate's caller
//     (the management account of an organization). Signatures are not
//     verified.
//   - DescribeInstances pages hold whole reservations (MaxResults bounds the
//     reservations per page), so a reservation is never split across pages.
//   - The whole request body is read before any answer is written.
//   - A call's latency (Options.Latency + LatencyPerItem × items +
//     a jitter seeded by Options.Seed) is paid after the throttle took its
//     token, so a bucket admits calls at arrival, as AWS does. A
//     faults.json "delay" rule adds to the latency of the calls it fires
//     on; a "body" rule sends the first half of the answer (package fault).
//   - Every call that names an action is counted once (Stats): calls,
//     throttles, errors, pages, items, unpaginated calls, and the most
//     calls in flight per throttling bucket.
//
// Write operations (write_*.go) change security group rules, network ACL
// entries, VPC endpoints, instances and their instance profiles, and
// roles' attached policies, with AWS's errors, in a copy-on-write overlay
// of the estate's documents (world.go) that lasts as long as the server:
// every later read sees the change, the Estate itself never changes, a
// document a reader holds is never modified, and a write is seen whole or
// not at all. EC2 writes honour DryRun: once the request is valid and
// names existing resources, DryRunOperation (HTTP 412) and no change.
// Resources are ready at once: RunInstances answers "pending" and
// CreateVpcEndpoint "pending", but later describes say "running" and
// "available"; termination, disassociation and endpoint deletion are
// complete at once.
package awssim
