package awssim_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
)

func TestWriteRolePolicies(t *testing.T) {
	ctx := context.Background()
	const (
		role = "app-s3-reader-role" // AmazonS3ReadOnlyAccess only
		core = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"
	)
	attached := func(t *testing.T, w writeSim) []string {
		t.Helper()
		out, err := w.iam.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String(role)})
		if err != nil {
			t.Fatal(err)
		}
		var arns []string
		for _, p := range out.AttachedPolicies {
			arns = append(arns, aws.ToString(p.PolicyArn))
		}
		return arns
	}
	tests := []struct {
		name string
		run  func(t *testing.T, w writeSim)
	}{
		{"attach then list shows the policy", func(t *testing.T, w writeSim) {
			if _, err := w.iam.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String(role), PolicyArn: aws.String(core)}); err != nil {
				t.Fatal(err)
			}
			got := attached(t, w)
			if len(got) != 2 || got[1] != core {
				t.Errorf("attached = %v", got)
			}
			out, err := w.iam.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String(role)})
			if err != nil || aws.ToString(out.AttachedPolicies[1].PolicyName) != "AmazonSSMManagedInstanceCore" {
				t.Errorf("policy name = %+v, %v", out, err)
			}
		}},
		{"attaching an attached policy changes nothing", func(t *testing.T, w writeSim) {
			before := attached(t, w)
			if _, err := w.iam.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String(role), PolicyArn: aws.String(before[0])}); err != nil {
				t.Fatal(err)
			}
			sameJSON(t, "attached policies", before, attached(t, w))
		}},
		{"detach then list no longer shows the policy", func(t *testing.T, w writeSim) {
			before := attached(t, w)
			if _, err := w.iam.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String(role), PolicyArn: aws.String(core)}); err != nil {
				t.Fatal(err)
			}
			if _, err := w.iam.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: aws.String(role), PolicyArn: aws.String(core)}); err != nil {
				t.Fatal(err)
			}
			sameJSON(t, "attached policies", before, attached(t, w))
		}},
		{"detaching a policy that is not attached is NoSuchEntity", func(t *testing.T, w writeSim) {
			_, err := w.iam.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: aws.String(role), PolicyArn: aws.String(core)})
			assertAPIError(t, err, "NoSuchEntity", http.StatusNotFound)
		}},
		{"a role IAM does not know is NoSuchEntity", func(t *testing.T, w writeSim) {
			_, err := w.iam.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("no-such-role"), PolicyArn: aws.String(core)})
			assertAPIError(t, err, "NoSuchEntity", http.StatusNotFound)
		}},
		{"a malformed policy ARN is InvalidInput", func(t *testing.T, w writeSim) {
			_, err := w.iam.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String(role), PolicyArn: aws.String("AmazonSSMManagedInstanceCore")})
			assertAPIError(t, err, "InvalidInput", http.StatusBadRequest)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.run(t, startWriteSim(t, "us-east-1", "")) })
	}
}
