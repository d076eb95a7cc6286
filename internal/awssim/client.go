package awssim

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/pdr-audit/pdr-audit/internal/transport"
)

// Test credentials the simulator accepts as the caller's: any key that
// AssumeRole did not issue is the estate's management account.
const (
	CallerAccessKeyID     = "AKIASIMULATORCALLER1"
	CallerSecretAccessKey = "simulator-secret-access-key-not-a-real-one"
)

// SDKConfig is an aws.Config that sends every service's requests to a
// simulator endpoint with the caller's test credentials.
func SDKConfig(endpoint, region string) aws.Config {
	return aws.Config{
		Region:       region,
		BaseEndpoint: aws.String(endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider(CallerAccessKeyID, CallerSecretAccessKey, ""),
		HTTPClient:   transport.Client(nil),
	}
}
