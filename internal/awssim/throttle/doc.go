// Package throttle models AWS API request throttling as token buckets, so
// the simulator (package awssim) can answer bursts the way AWS does and the
// collectors' retry and rate-limit logic meets real pressure in tests.
//
// The EC2 model follows the published "Request throttling for the Amazon
// EC2 API" page (https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-throttling.html):
//
//   - Throttling is per account and per region, and "limits are applied to
//     individual API actions, not API action categories": every action has
//     its own bucket; the category only sets its size.
//   - Non-mutating actions (Describe*, List*, Search*, Get*): 100 tokens,
//     refilled at 20 per second.
//   - Unfiltered and unpaginated non-mutating actions (DescribeInstances,
//     DescribeInstanceStatus, DescribeNetworkInterfaces,
//     DescribeSecurityGroups, DescribeSnapshots,
//     DescribeSpotInstanceRequests, DescribeVolumes) called with neither
//     pagination nor a filter draw from a smaller bucket: 50 tokens, 10 per
//     second. The caller says which case a request is.
//   - Mutating actions: 50 tokens, 5 per second. The page's
//     "resource-intensive" actions (among them AuthorizeSecurityGroupIngress
//     and RevokeSecurityGroupIngress, but not the Egress variants, which are
//     plain mutating actions) have the same numbers, and the page's
//     uncategorized actions have their own, all transcribed in ec2.go.
//   - A throttled call fails with RequestLimitExceeded.
//
// Not modelled: the separate console bucket (the simulator serves SDK
// callers only) and resource-rate limiting (RunInstances and friends also
// spending a token per instance).
//
// AWS publishes no bucket sizes for SSM, IAM, STS or Organizations. Their
// policies here (20 tokens, 10 per second, per action) are assumptions,
// chosen to be generous enough for ordinary audits and configurable
// through Options; their throttle codes are the ones those services send:
// ThrottlingException (SSM), Throttling (IAM, STS) and
// TooManyRequestsException (Organizations). IAM and Organizations are
// global, so their buckets ignore the region.
//
// Security Hub publishes its numbers (the Security Hub API Reference):
// BatchImportFindings and most operations 10 requests per second per
// account and region with bursts of 30, GetFindings 3 and 6, and so on,
// transcribed in policy.go. It throttles with TooManyRequestsException.
//
// BucketOf names the bucket a call would draw from, which the simulator's
// counters use to track calls in flight per bucket; Policy.Uniform gives
// every action of a service one shape, which is how experiments choose the
// SSM numbers AWS does not publish.
//
// Invariants: time comes only from the injected Clock, so tests are exact
// and never sleep; a bucket starts full, never holds more than its
// capacity, and refills continuously (tokens = min(capacity, tokens +
// elapsed × rate)); a clock that steps backwards mints no tokens. Tokens
// are counted in billionths so that refills at the published rates are
// exact rather than drifting with floating-point error.
package throttle
