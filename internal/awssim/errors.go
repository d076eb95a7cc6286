package awssim

import "fmt"

// APIError is an error the simulator answers with: an AWS error code and
// message. The HTTP status and body shape come from the protocol and the
// code, as the real service sends them.
type APIError struct {
	Code    string
	Message string
}

func (e *APIError) Error() string { return e.Code + ": " + e.Message }

func apiErr(code, format string, args ...any) *APIError {
	return &APIError{Code: code, Message: fmt.Sprintf(format, args...)}
}
