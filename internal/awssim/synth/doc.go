// Package synth generates synthetic estates (see ESTATES.md) of any size
// for the simulator: `pdr-audit sim generate` writes them, and the
// benchmarks under bench/ serve them to the real collector.
//
// An estate has the shapes of a real one: per region, VPCs with public,
// application and data subnets in three Availability Zones, an internet
// gateway, a NAT gateway per zone, public and per-zone private route
// tables, an S3 gateway endpoint routed through AWS's S3 prefix list, a
// custom network ACL on the data subnets of about half the VPCs; shared
// security groups (management, monitoring), one per tier with group
// references between tiers, and per-service groups that fill up the
// requested count; two Alert Logic Threat Manager appliances per VPC
// (tagged ProductVendor=AlertLogic) in one or two of the three zones, so
// some zones have none; workload instances on Windows and on Linux
// platforms whose kernels come from the PDR profiles' lists or from
// outside them; SSM registration below 100%, AWS:Application inventory for
// the registered Linux nodes (a few with two kernel packages, a few with
// none); instance profiles whose roles do or do not grant SSM; and, for
// more than one account, an organization.
//
// Invariants:
//   - Output depends only on the Options (and the catalog's content): the
//     same seed gives byte-identical files. Each account-region draws from
//     its own random stream, so adding accounts or regions never changes
//     the ones already there.
//   - Every file is AWS CLI v2 JSON of the operation ESTATES.md names for
//     it, and the whole estate loads with awssim.LoadEstate.
//   - Every generated kernel can be written as an inventory package whose
//     release reads back exactly.
//   - Files are streamed as they are generated, so memory stays bounded
//     by one region's model.
package synth
