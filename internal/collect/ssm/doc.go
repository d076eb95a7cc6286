// Package ssmcollect reads what AWS Systems Manager knows about one
// account-region into the snapshot: the managed nodes
// (DescribeInstanceInformation), the region's Default Host Management
// Configuration setting, and the running kernel of every running non-Windows
// EC2 instance with the evidence that decided it.
//
// Its place in the pipeline: the per-region collector runs it, against AWS
// or an estate served by the simulator, after the EC2 collector has filled
// Region.Instances. It writes only Region.SSMInstances,
// Region.DefaultHostManagement and Region.Kernels.
//
// Kernel evidence, in order of trust:
//
//  1. run-command (Options.KernelSource "run-command" only): `uname -r`
//     through AWS-RunShellScript on the Online Linux nodes, in SendCommand
//     batches of at most 50 instances, then GetCommandInvocation per
//     instance until the invocation is terminal or MaxPolls is spent.
//  2. inventory ("inventory", the default, and "run-command"): the node's
//     AWS:Application inventory, when it holds exactly one kernel package
//     (see ReleaseFromInventory for the package rules).
//  3. otherwise unknown, with a Detail saying why.
//
// Why one ListInventoryEntries call per instance: GetInventory cannot return
// application entries (its ResultAttributes accept only
// AWS:InstanceInformation and AWS:PatchSummary; an AWS:Application filter
// only selects nodes), so the per-instance ListInventoryEntries, filtered
// server-side to names beginning with "kernel" or "linux-image-" and paged
// at its maximum of 50, is the smallest set of calls that yields the
// packages. The calls are made only for SSM-managed Linux instances that
// run-command has not already decided.
//
// Invariants:
//   - Every failed read is a gap (package gap); nothing is dropped silently
//     and nothing unreadable looks like "none". A failed
//     DescribeInstanceInformation leaves SSMInstances nil and makes no kernel
//     calls at all; a failed GetServiceSetting leaves DefaultHostManagement
//     nil.
//   - A kernel is never guessed: several kernel packages with no uname
//     evidence is unknown, as is an output that is not exactly one line.
//   - A GetCommandInvocation that keeps answering InvocationDoesNotExist is
//     absence of evidence (an estate without that instance's
//     get-command-invocation file), not a failed read: the instance falls
//     through to inventory without a gap.
//   - Every Kernel carries its Source; unknown ones carry a Detail.
package ssmcollect
