package fault

import (
	"cmp"
	"strconv"
	"strings"
)

// Protocol is an AWS wire protocol; it decides the HTTP status and the
// body shape an error code travels with.
type Protocol int

// The protocols of the services the simulator speaks.
const (
	// EC2Query is EC2's query protocol: <Response><Errors><Error>… bodies.
	EC2Query Protocol = iota + 1
	// AWSQuery is the query protocol of IAM and STS: <ErrorResponse> bodies
	// with a <Type>Sender|Receiver</Type>.
	AWSQuery
	// JSON is awsJson1_1, spoken by SSM and Organizations.
	JSON
	// RestJSON is restJson1, spoken by Security Hub: the operation is the
	// HTTP method and path, and an error's status comes from its shape.
	RestJSON
)

func (p Protocol) String() string {
	switch p {
	case EC2Query:
		return "ec2query"
	case AWSQuery:
		return "awsquery"
	case JSON:
		return "awsJson1_1"
	case RestJSON:
		return "restJson1"
	}
	return "Protocol(" + strconv.Itoa(int(p)) + ")"
}

// ProtocolOf returns the protocol of a service prefix ("ec2", "iam", "sts",
// "ssm", "organizations", "securityhub"), as the botocore models declare
// it.
func ProtocolOf(service string) (Protocol, bool) {
	switch service {
	case "ec2":
		return EC2Query, true
	case "iam", "sts":
		return AWSQuery, true
	case "ssm", "organizations":
		return JSON, true
	case "securityhub":
		return RestJSON, true
	}
	return 0, false
}

// entry is one catalogued code: its HTTP status and default message. A
// message containing "{…}" placeholders is filled from Details.
type entry struct {
	status int
	msg    string
}

// The user-specific denial message IAM, STS and SSM send, e.g.
// "User: arn:aws:sts::975050348917:assumed-role/skypilot-v1/i-00d6… is not
// authorized to perform: iam:GetInstanceProfile on resource: instance
// profile skypilot-v1 because no identity-based policy allows the
// iam:GetInstanceProfile action" (skypilot-org/skypilot#3366).
const denied = "{denied}"

// catalog holds the codes whose status is known from AWS documentation or
// from wire captures; everything else falls back to the rule in Lookup.
var catalog = map[Protocol]map[string]entry{
	EC2Query: {
		// 403 and message: wire captures in hashicorp/terraform-provider-aws#4664
		// and rebuy-de/aws-nuke#517 ("HTTP/1.1 403 Forbidden").
		"UnauthorizedOperation": {403, "You are not authorized to perform this operation."},
		// 401: hashicorp/packer#10302, aws/aws-sdk-java#2508 ("Status Code: 401").
		"AuthFailure": {401, "AWS was not able to validate the provided access credentials"},
		// 503: cloudfoundry/bosh-aws-cpi-release#61, otiai10/hotsub#10
		// ("Status Code: 503; Error Code: RequestLimitExceeded").
		"RequestLimitExceeded": {503, "Request limit exceeded."},
		// Server errors carry 5xx statuses (EC2 API Reference, "Error codes
		// for the Amazon EC2 API",
		// https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html).
		"InternalError": {500, "An internal error has occurred"},
		// 503 and message: wire capture in aws/aws-sdk-go-v2#2254.
		"Unavailable": {503, "The service is unavailable. Please try again shortly."},
		// Listed among EC2's server error codes (errors-overview above).
		"ServiceUnavailable": {503, "The request has failed due to a temporary failure of the server."},
		// Client errors carry 400 (errors-overview above).
		"InvalidParameterValue":       {400, "The value supplied for a parameter is not valid."},
		"InvalidParameterCombination": {400, "The combination of parameters in the request is not valid."},
		"MissingParameter":            {400, "The request is missing a required parameter."},
		"InvalidAction":               {400, "The action or operation requested is not valid."},
		"InvalidPaginationToken":      {400, "The pagination token is not valid or has expired."},
		// 412: getmoto/moto#4270 and floci-io/floci#3598; message: aws/aws-cli#3127.
		"DryRunOperation": {412, "Request would have succeeded, but DryRun flag is set."},
		// Message: the EC2 response captured in aws/aws-cli#134. Status: 403,
		// as S3 sends it (s3tools/s3cmd#1053); assumed the same here.
		"SignatureDoesNotMatch": {403, "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."},
	},
	AWSQuery: {
		// 403: skypilot-org/skypilot#3366 ('HTTPStatusCode': 403 for
		// iam:GetInstanceProfile).
		"AccessDenied": {403, denied},
		// 400 and "Rate exceeded": gruntwork-io/cloud-nuke#371,
		// go-to-k/delstack#82; AWS re:Post "How do I resolve API throttling
		// or 'Rate exceeded' errors for IAM and AWS STS?".
		"Throttling": {400, "Rate exceeded"},
		// 404, 500, 409: the httpStatusCode of the error shapes in botocore's
		// iam/2010-05-08/service-2.json (messages: the shapes' documentation).
		"NoSuchEntity":            {404, "The request was rejected because it referenced a resource entity that does not exist."},
		"ServiceFailure":          {500, "The request processing has failed because of an unknown error, exception or failure."},
		"LimitExceeded":           {409, "The request was rejected because it attempted to create resources beyond the current AWS account limits."},
		"ConcurrentModification":  {409, "The request was rejected because multiple requests to change this object were submitted simultaneously. Wait a few minutes and submit your request again."},
		"InvalidInput":            {400, "The request was rejected because an invalid or out-of-range value was supplied for an input parameter."},
		"MalformedPolicyDocument": {400, "The request was rejected because the policy document was malformed."},
		// 400: IAM API Reference, "Common Error Types"
		// (https://docs.aws.amazon.com/IAM/latest/APIReference/CommonErrors.html).
		"ValidationError": {400, "The input fails to satisfy the constraints specified by an AWS service."},
		// 403: barnybug/cli53#278, aws/aws-sdk-go#3888; message: the <ErrorResponse>
		// captured in aws-azure-login/aws-azure-login#251.
		"InvalidClientTokenId": {403, "The security token included in the request is invalid."},
		// 403 on the wire (pulumi/pulumi-aws#2560 "StatusCode: 403 … api error
		// ExpiredToken"; cfn-sphere/cfn-sphere#55 "403 Forbidden" from IAM;
		// aws/aws-sdk-java-v2#1649), although botocore's STS model lists
		// ExpiredTokenException with 400: that shape is the expired web
		// identity token of AssumeRoleWithWebIdentity, a different code.
		"ExpiredToken":          {403, "The security token included in the request is expired"},
		"ExpiredTokenException": {400, "The web identity token that was passed is expired or is not valid. Get a new identity token from the identity provider and then retry the request."},
		// 403: botocore sts/2011-06-15/service-2.json, RegionDisabledException.
		"RegionDisabledException": {403, "STS is not activated in the requested region for the account that is being asked to generate credentials."},
		// Common Error Types (IAM API Reference, above).
		"IncompleteSignature":        {400, "The request signature does not conform to AWS standards."},
		"InternalFailure":            {500, "The request processing has failed because of an unknown error, exception or failure."},
		"InvalidAction":              {400, "The action or operation requested is invalid. Verify that the action is typed correctly."},
		"InvalidParameterValue":      {400, "An invalid or out-of-range value was supplied for the input parameter."},
		"MissingAction":              {400, "The request is missing an action or a required parameter."},
		"MissingAuthenticationToken": {403, "Request is missing Authentication Token"},
		"MissingParameter":           {400, "A required parameter for the specified action is not supplied."},
		"RequestExpired":             {400, "Request has expired."},
		"ServiceUnavailable":         {503, "The request has failed due to a temporary failure of the server."},
		// As for EC2 above (status assumed from S3's).
		"SignatureDoesNotMatch": {403, "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."},
	},
	JSON: {
		// awsJson services send client errors as 400: SSM's AccessDeniedException
		// is "status code: 400" in aws/amazon-ssm-agent#374 and
		// poanetwork/blockscout-terraform#20. (Organizations sends a fixed
		// message instead; see Message.)
		"AccessDeniedException": {400, denied},
		// 400 and "Rate exceeded": aws/amazon-ssm-agent#15,
		// aws-solutions/instance-scheduler-on-aws#284 ("Status Code: 400;
		// Error Code: ThrottlingException").
		"ThrottlingException": {400, "Rate exceeded"},
		// Organizations' throttle; message: the shape's documentation in
		// botocore organizations/2016-11-28/service-2.json.
		"TooManyRequestsException": {400, "You have sent too many requests in too short a period of time. The quota helps protect against denial-of-service attacks. Try again later."},
		// SSM's InternalServerError is a "fault" (server) shape in botocore
		// ssm/2014-11-06/service-2.json.
		"InternalServerError": {500, "An error occurred on the server side."},
		// Organizations' server error (shape documentation, botocore model).
		"ServiceException": {500, "AWS Organizations can't complete your request because of an internal service error. Try again later."},
		// 400; message: nozaq/terraform-aws-secure-baseline#70 ("Your account is
		// not a member of an organization. status code: 400").
		"AWSOrganizationsNotInUseException": {400, "Your account is not a member of an organization."},
		// Common errors of awsJson services (e.g. the Security Hub API
		// Reference, "Common Errors").
		"InternalFailure":            {500, "The request processing has failed because of an unknown error, exception or failure."},
		"ServiceUnavailable":         {503, "The request has failed due to a temporary failure of the server."},
		"ValidationException":        {400, "The input fails to satisfy the constraints specified by an AWS service."},
		"IncompleteSignature":        {400, "The request signature does not conform to AWS standards."},
		"InvalidClientTokenId":       {403, "The security token included in the request is invalid."},
		"MissingAuthenticationToken": {403, "Request is missing Authentication Token"},
		// An unknown access key over awsJson: 400 in aws-azure-login/aws-azure-login#37
		// ("UnrecognizedClientException … status code: 400").
		"UnrecognizedClientException": {400, "The security token included in the request is invalid."},
		// The awsJson counterparts of ExpiredToken and SignatureDoesNotMatch
		// (message: smithy545/aws-apps-scripts#12); 400 as awsJson client
		// errors are.
		"ExpiredTokenException":     {400, "The security token included in the request is expired"},
		"InvalidSignatureException": {400, "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."},
		"InvalidNextToken":          {400, "The specified token isn't valid."},
		"InvalidInstanceId":         {400, "The following problems can cause this exception: You don't have permission to access the managed node, or the managed node isn't running or doesn't exist."},
	},
	RestJSON: {
		// The httpStatusCode of the error shapes in botocore's
		// securityhub/2018-10-26/service-2.json; messages: the shapes'
		// documentation.
		"InvalidInputException": {400, "The request was rejected because you supplied an invalid or out-of-range value for an input parameter."},
		// Message: the answer of a region where Security Hub is not enabled
		// (joshlarsen/aws-recon#65); 401 as in
		// hashicorp/terraform-provider-aws#23079.
		"InvalidAccessException":    {401, "Account {account} is not subscribed to AWS Security Hub"},
		"AccessDeniedException":     {403, denied},
		"ResourceNotFoundException": {404, "The request was rejected because we can't find the specified resource."},
		"ResourceConflictException": {409, "The resource specified in the request conflicts with an existing resource."},
		"LimitExceededException":    {429, "The request was rejected because it attempted to create resources beyond the current Amazon Web Services account or throttling limits."},
		"InternalException":         {500, "Internal server error."},
		// Security Hub's throttle: the TooManyRequestsException "Too Many
		// Requests" of its API Gateway front (prowler-cloud/prowler#5004,
		// aws-samples/aws-secure-environment-accelerator#1024); 429 as
		// API Gateway throttles.
		"TooManyRequestsException": {429, "Too Many Requests"},
		// A method and path no operation is bound to: smithy's default
		// answer (smithy-lang/smithy#1368, "UnknownOperationException 404").
		"UnknownOperationException": {404, "The requested operation is not recognized by the service."},
		// Common errors (Security Hub API Reference, "Common Errors").
		"InternalFailure":            {500, "The request processing has failed because of an unknown error, exception or failure."},
		"ServiceUnavailable":         {503, "The request has failed due to a temporary failure of the server."},
		"ThrottlingException":        {400, "Rate exceeded"},
		"ValidationException":        {400, "The input fails to satisfy the constraints specified by an AWS service."},
		"SerializationException":     {400, "The request body could not be read."},
		"IncompleteSignature":        {400, "The request signature does not conform to AWS standards."},
		"InvalidClientTokenId":       {403, "The security token included in the request is invalid."},
		"MissingAuthenticationToken": {403, "Request is missing Authentication Token"},
		// As awsJson's (above), with API Gateway's 403 for a bad credential.
		"UnrecognizedClientException": {403, "The security token included in the request is invalid."},
		"ExpiredTokenException":       {403, "The security token included in the request is expired"},
		"InvalidSignatureException":   {403, "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."},
	},
}

// Lookup returns the HTTP status AWS sends error code with over protocol,
// and whether the code is the caller's fault (awsquery's <Type>Sender</Type>;
// Receiver otherwise). Codes not in the catalog get 500 when they name a
// server problem (they contain "Internal" or "Unavailable") and 400
// otherwise, as AWS's client and server error ranges go.
func Lookup(protocol Protocol, code string) (httpStatus int, sender bool) {
	if e, ok := catalog[protocol][code]; ok {
		return e.status, e.status < 500
	}
	if strings.Contains(code, "Internal") || strings.Contains(code, "Unavailable") {
		return 500, false
	}
	return 400, true
}

// Details personalises a default message, as AWS does for denials.
type Details struct {
	// Principal is the caller's ARN, e.g.
	// arn:aws:sts::111122223333:assumed-role/audit/session.
	Principal string
	// Action is "service:Operation", e.g. iam:GetInstanceProfile.
	Action string
	// Resource is what the call was about, e.g. an ARN; may be empty.
	Resource string
	// Account is the caller's account id, for messages that name it.
	Account string
}

// Message returns the message AWS sends with code over protocol, filled
// from d where AWS names the caller. Codes not in the catalog get a plain
// sentence naming the code.
func Message(protocol Protocol, code string, d Details) string {
	e, ok := catalog[protocol][code]
	if !ok {
		return "The request failed with error code " + code + "."
	}
	if strings.Contains(e.msg, "{account}") {
		return strings.ReplaceAll(e.msg, "{account}", cmp.Or(d.Account, "unknown"))
	}
	if e.msg != denied {
		return e.msg
	}
	if strings.HasPrefix(d.Action, "organizations:") {
		// Organizations does not name the caller.
		return "You don't have permissions to access this resource."
	}
	if d.Principal == "" || d.Action == "" {
		return "User is not authorized to perform this operation."
	}
	var b strings.Builder
	b.WriteString("User: " + d.Principal + " is not authorized to perform: " + d.Action)
	if d.Resource != "" {
		b.WriteString(" on resource: " + d.Resource)
	}
	b.WriteString(" because no identity-based policy allows the " + d.Action + " action")
	return b.String()
}
