package fault

import (
	"strings"
	"testing"
)

func TestLookup(t *testing.T) {
	tests := []struct {
		name     string
		protocol Protocol
		code     string
		status   int
		sender   bool
	}{
		{"EC2 denies with 403", EC2Query, "UnauthorizedOperation", 403, true},
		{"EC2 rejects bad credentials with 401", EC2Query, "AuthFailure", 401, true},
		{"EC2 throttles with 503", EC2Query, "RequestLimitExceeded", 503, false},
		{"EC2 internal errors are 500", EC2Query, "InternalError", 500, false},
		{"EC2 unavailability is 503", EC2Query, "Unavailable", 503, false},
		{"EC2 bad parameters are 400", EC2Query, "InvalidParameterValue", 400, true},
		{"EC2 dry runs answer 412", EC2Query, "DryRunOperation", 412, true},
		{"EC2 codes not catalogued default to 400", EC2Query, "InvalidVpcID.NotFound", 400, true},
		{"IAM denies with 403", AWSQuery, "AccessDenied", 403, true},
		{"IAM throttles with 400", AWSQuery, "Throttling", 400, true},
		{"IAM misses with 404", AWSQuery, "NoSuchEntity", 404, true},
		{"IAM fails with 500", AWSQuery, "ServiceFailure", 500, false},
		{"awsquery validation errors are 400", AWSQuery, "ValidationError", 400, true},
		{"an unknown access key is 403", AWSQuery, "InvalidClientTokenId", 403, true},
		{"expired session credentials are 403", AWSQuery, "ExpiredToken", 403, true},
		{"SSM denies with 400", JSON, "AccessDeniedException", 400, true},
		{"SSM throttles with 400", JSON, "ThrottlingException", 400, true},
		{"Organizations throttles with 400", JSON, "TooManyRequestsException", 400, true},
		{"SSM internal errors are 500", JSON, "InternalServerError", 500, false},
		{"awsJson internal failures are 500", JSON, "InternalFailure", 500, false},
		{"awsJson unavailability is 503", JSON, "ServiceUnavailable", 503, false},
		{"awsJson validation errors are 400", JSON, "ValidationException", 400, true},
		{"an account outside any organization is 400", JSON, "AWSOrganizationsNotInUseException", 400, true},
		{"a catalogued code of another protocol is not borrowed", JSON, "AccessDenied", 400, true},
		{"Security Hub rejects bad input with 400", RestJSON, "InvalidInputException", 400, true},
		{"Security Hub refuses an account without access with 401", RestJSON, "InvalidAccessException", 401, true},
		{"Security Hub denies with 403", RestJSON, "AccessDeniedException", 403, true},
		{"Security Hub's limits answer 429", RestJSON, "LimitExceededException", 429, true},
		{"Security Hub throttles with 429", RestJSON, "TooManyRequestsException", 429, true},
		{"Security Hub's internal errors are 500", RestJSON, "InternalException", 500, false},
		{"an unknown rest-json operation is 404", RestJSON, "UnknownOperationException", 404, true},
		{"unknown codes naming an internal problem are 500", AWSQuery, "SomethingInternalBroke", 500, false},
		{"unknown codes naming unavailability are 500", JSON, "ServiceUnavailableException", 500, false},
		{"other unknown codes are 400", EC2Query, "Blocked", 400, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, sender := Lookup(tt.protocol, tt.code)
			if status != tt.status || sender != tt.sender {
				t.Errorf("Lookup(%v, %q) = %d, %v; want %d, %v", tt.protocol, tt.code, status, sender, tt.status, tt.sender)
			}
		})
	}
}

func TestMessage(t *testing.T) {
	who := Details{
		Principal: "arn:aws:sts::111122223333:assumed-role/audit/session",
		Action:    "iam:GetInstanceProfile",
		Resource:  "arn:aws:iam::111122223333:instance-profile/web",
	}
	tests := []struct {
		name     string
		protocol Protocol
		code     string
		d        Details
		want     string
	}{
		{"EC2's denial is fixed", EC2Query, "UnauthorizedOperation", who, "You are not authorized to perform this operation."},
		{"EC2's throttle", EC2Query, "RequestLimitExceeded", Details{}, "Request limit exceeded."},
		{"IAM's denial names caller, action and resource", AWSQuery, "AccessDenied", who,
			"User: arn:aws:sts::111122223333:assumed-role/audit/session is not authorized to perform: iam:GetInstanceProfile on resource: arn:aws:iam::111122223333:instance-profile/web because no identity-based policy allows the iam:GetInstanceProfile action"},
		{"a denial without a resource leaves it out", JSON, "AccessDeniedException",
			Details{Principal: "arn:aws:iam::111122223333:user/alice", Action: "ssm:DescribeInstanceInformation"},
			"User: arn:aws:iam::111122223333:user/alice is not authorized to perform: ssm:DescribeInstanceInformation because no identity-based policy allows the ssm:DescribeInstanceInformation action"},
		{"a denial without a caller is generic", AWSQuery, "AccessDenied", Details{Action: "sts:AssumeRole"}, "User is not authorized to perform this operation."},
		{"Organizations' denial does not name the caller", JSON, "AccessDeniedException",
			Details{Principal: "arn:aws:iam::111122223333:user/alice", Action: "organizations:ListAccounts"},
			"You don't have permissions to access this resource."},
		{"IAM's throttle", AWSQuery, "Throttling", Details{}, "Rate exceeded"},
		{"an uncatalogued code is named", JSON, "InvalidFilterKey", Details{}, "The request failed with error code InvalidFilterKey."},
		{"Security Hub names the account it is not enabled for", RestJSON, "InvalidAccessException", Details{Account: "111122223333"},
			"Account 111122223333 is not subscribed to AWS Security Hub"},
		{"Security Hub's throttle", RestJSON, "TooManyRequestsException", Details{}, "Too Many Requests"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Message(tt.protocol, tt.code, tt.d); got != tt.want {
				t.Errorf("Message = %q; want %q", got, tt.want)
			}
		})
	}
}

func TestCatalogEntriesAreWellFormed(t *testing.T) {
	for p, codes := range catalog {
		for code, e := range codes {
			if e.status < 400 || e.status > 599 {
				t.Errorf("%v %s: status %d is not an error status", p, code, e.status)
			}
			if strings.TrimSpace(e.msg) == "" {
				t.Errorf("%v %s: empty message", p, code)
			}
			if !codeRe.MatchString(code) {
				t.Errorf("%v %s: a rule could not name this code", p, code)
			}
		}
	}
}

func TestEveryServiceARuleMayNameHasAProtocol(t *testing.T) {
	want := map[string]Protocol{"ec2": EC2Query, "iam": AWSQuery, "sts": AWSQuery, "ssm": JSON, "organizations": JSON, "securityhub": RestJSON}
	for _, s := range services {
		if got, ok := ProtocolOf(s); !ok || got != want[s] {
			t.Errorf("ProtocolOf(%q) = %v, %v; want %v", s, got, ok, want[s])
		}
	}
	if _, ok := ProtocolOf("s3"); ok {
		t.Error("ProtocolOf(s3) succeeded; the simulator does not speak S3")
	}
}
