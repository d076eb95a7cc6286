// Package iampolicy generates the least-privilege IAM policies pdr-audit
// needs: the read actions an audit calls, and the actions apply and
// rollback call, scoped by condition where AWS allows.
//
// Its place: `pdr-audit iam-policy` prints them. The lists here are the
// contract tests hold the code to: a full collection and a full apply
// and rollback against the simulator, with its call log, must call
// exactly the actions of the policy, no more and no fewer (internal/cli
// iampolicy_test.go). Actions AWS authorizes without a call of their own
// (ec2:CreateTags for tags given at creation, iam:PassRole for an instance
// profile's role, route53:AssociateVPCWithHostedZone for an endpoint's
// private DNS) are listed as Implied, with the call that implies them.
package iampolicy
