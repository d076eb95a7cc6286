// Package gap turns failed AWS reads into model.Gap records. Every
// collector reports every failed read here — never as a log line only,
// never as an empty list that looks like "no resources".
package gap

import (
	"context"
	"errors"
	"net"
	"sort"
	"strings"
	"sync"

	"github.com/aws/smithy-go"

	"github.com/pdr-audit/pdr-audit/internal/model"
)

// deniedCodes are the error codes AWS uses for a missing permission.
var deniedCodes = map[string]bool{
	"AccessDenied": true, "AccessDeniedException": true, "UnauthorizedOperation": true,
	"AuthorizationError": true, "UnauthorizedAccess": true, "AuthFailure": true,
	"InvalidClientTokenId": true, "UnrecognizedClientException": true, "ExpiredToken": true,
	"ExpiredTokenException": true, "OptInRequired": true, "AWSOrganizationsNotInUseException": true,
}

// throttleCodes are the codes AWS uses when a request rate was exceeded.
var throttleCodes = map[string]bool{
	"Throttling": true, "ThrottlingException": true, "ThrottledException": true,
	"RequestThrottledException": true, "TooManyRequestsException": true, "RequestLimitExceeded": true,
	"RequestThrottled": true, "SlowDown": true, "EC2ThrottledException": true,
	"ProvisionedThroughputExceededException": true, "BandwidthLimitExceeded": true,
}

// IsThrottle reports whether an AWS error code says a request rate was
// exceeded: the one list the classifier and the collector's pacer share.
func IsThrottle(code string) bool { return throttleCodes[code] }

// Classify returns the gap class, the AWS error code ("" when the error is
// not an AWS API error) and a one-line message for err.
func Classify(err error) (class, code, message string) {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		code = apiErr.ErrorCode()
		message = apiErr.ErrorMessage()
		switch {
		case deniedCodes[code]:
			return model.GapDenied, code, message
		case throttleCodes[code]:
			return model.GapThrottled, code, message
		}
		return model.GapError, code, message
	}
	message = oneLine(err.Error())
	var netErr net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return model.GapTimeout, "", message
	case errors.As(err, &netErr) && netErr.Timeout():
		return model.GapTimeout, "", message
	}
	return model.GapError, "", message
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// Set accumulates the gaps of a collection; it is safe for concurrent use.
type Set struct {
	mu   sync.Mutex
	gaps []model.Gap
}

// Add records a failed read of api ("ec2:DescribeVpcs") in account and
// region; resource narrows it to one resource ("" for a whole listing).
func (s *Set) Add(account, region, api, resource string, err error) {
	class, code, msg := Classify(err)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gaps = append(s.gaps, model.Gap{
		Account: account, Region: region, API: api, Resource: resource,
		Class: class, Code: code, Message: msg,
	})
}

// List returns the gaps recorded so far, sorted.
func (s *Set) List() []model.Gap {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := append([]model.Gap(nil), s.gaps...)
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Account != b.Account {
			return a.Account < b.Account
		}
		if a.Region != b.Region {
			return a.Region < b.Region
		}
		if a.API != b.API {
			return a.API < b.API
		}
		return a.Resource < b.Resource
	})
	return out
}

// Scope is a Set bound to one account and region, what one collector sees.
type Scope struct {
	Set     *Set
	Account string
	Region  string
}

// Add records a failed read in the scope's account and region.
func (s Scope) Add(api, resource string, err error) {
	s.Set.Add(s.Account, s.Region, api, resource, err)
}
