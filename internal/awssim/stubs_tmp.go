package awssim

import (
	"encoding/xml"
	"io"
)

func xmlEscape(w io.Writer, s string) error { return xml.EscapeText(w, []byte(s)) }

type noFaults struct{}

func (noFaults) Check(account, region, action string) (string, bool) { return "", false }

func newFaults(est *Estate) (FaultInjector, error) { return noFaults{}, nil }

type noThrottle struct{}

func (noThrottle) Allow(account, region, service, action string, paginated bool) (bool, string) {
	return true, ""
}

func newThrottler(opts Options) (Throttler, error) { return noThrottle{}, nil }

func httpStatus(proto, code string) int {
	switch code {
	case "UnauthorizedOperation", "AccessDenied", "InvalidClientTokenId", "MissingAuthenticationToken":
		return 403
	case "RequestLimitExceeded", "ServiceUnavailable", "Unavailable":
		return 503
	case "InternalError", "InternalFailure", "InternalServerError", "ServiceFailure":
		return 500
	case "NoSuchEntity":
		return 404
	}
	return 400
}

func defaultMessage(code string, c *call) string { return code }
