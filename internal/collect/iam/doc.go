// Package iamcollect reads the IAM instance profiles an account's
// instances use, with the managed policies attached to their roles, so
// that policies can tell whether an instance's role grants SSM
// (AmazonSSMManagedInstanceCore).
//
// Its place in the pipeline: the per-account collector calls it once per
// account, after every region's EC2 instances are known, with the distinct
// instance profile ARNs they carry. IAM is global, so the gap scope's region
// is "global" (the caller sets it).
//
// Invariants:
//   - One GetInstanceProfile per distinct profile and one paginated
//     ListAttachedRolePolicies per distinct role, however many instances
//     and profiles share them.
//   - Every profile asked for is in the result, even one that could not be
//     read (then with no roles and a gap whose resource is its name), so a
//     policy can report unknown instead of silently passing or failing.
//   - A role whose policies could not be listed has PoliciesRead false and
//     nil AttachedPolicies, with a gap whose resource is the role name.
package iamcollect
