// Package ec2collect is the EC2 collector: it reads one account-region's
// network and compute inventory (VPCs, subnets, security groups, network
// ACLs, route tables, NAT and internet gateways, VPC endpoints, managed
// prefix lists and instances) through the EC2 API and converts it into the
// region's part of a model.Snapshot.
//
// Its place in the pipeline: the collect orchestrator (internal/collect)
// calls Collect once per account and region, with a client that already
// carries the account's credentials and the region; the snapshot it fills
// is all that policies and reachability analysis ever see of EC2.
//
// The package is named ec2collect, not ec2, so that callers can import it
// beside the SDK's ec2 package without renaming either.
//
// Invariants:
//   - Every listing is read through the SDK's paginator with MaxResults at
//     the operation's maximum page size, so no call is an "unpaginated"
//     one that AWS throttles in a bucket of its own, and no call is made per
//     instance.
//   - A listing is all or nothing: if any page fails, the whole listing is
//     recorded as a gap and its part of the region stays empty. Half a list
//     would read as "these are all the security groups" and pass checks it
//     should not.
//   - Prefix list entries are read only for the prefix lists that some
//     security-group rule or route of the region names; their failure is a
//     gap narrowed to the prefix list id, and that list keeps
//     EntriesRead=false.
//   - Values are converted as AWS gives them (protocols "-1", "6", ports nil
//     when AWS omits them); interpretation belongs to netpath and the
//     policies. Nothing here sorts: model.Snapshot.Normalize does, and no
//     conversion depends on the order AWS returned items in.
//   - The listings run one after another: the orchestrator parallelises
//     across regions, and a region's calls share that region's rate
//     buckets anyway.
package ec2collect
