// Package simmodel holds the AWS service models the simulator speaks: the
// operations (with their HTTP bindings), paginators and shapes of EC2, SSM,
// STS, IAM, Organizations and Security Hub, extracted from botocore's
// published models (the same files the AWS CLI uses) and embedded as JSON.
//
// Invariants: the embedded data is produced only by Extract (run through
// `go run ./internal/tools/simmodels`); nothing here is edited by hand. The
// Go types mirror botocore's JSON layout so the extraction is a filter, not a
// translation: a shape or member attribute that exists in botocore means the
// same thing here.
package simmodel
