// Package transport is the HTTP client every AWS call of pdr-audit goes
// through.
//
// Why it exists: aws-sdk-go-v2 (smithy-go) hands net/http a request body
// that it closes as soon as the response headers arrive. When a server
// answers before net/http's write loop has finished its last read of that
// body — a fast endpoint, such as the simulator on loopback — the closed
// body's WriteTo returns io.EOF, net/http reports a write error and closes
// the connection while the response body is still being read, and the
// call fails with "use of closed network connection" (aws-sdk-go-v2 #2737).
// The SDK's retryer retries it, which hides the failure but costs a call
// and a retry token and makes call counts wrong. The fix belongs where the
// body is handed over: net/http gets a body of its own (buffered, with
// GetBody, so it is also replayable), and the SDK may close its copy
// whenever it likes.
package transport

import (
	"bytes"
	"fmt"
	"io"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
)

// Client wraps base (the SDK's default buildable client when nil) so that
// every request body is buffered before it is sent.
func Client(base aws.HTTPClient) aws.HTTPClient {
	if base == nil {
		base = awshttp.NewBuildableClient()
	}
	if _, ok := base.(ownBody); ok {
		return base
	}
	return ownBody{base}
}

type ownBody struct{ next aws.HTTPClient }

// Do sends req with a body net/http owns.
func (c ownBody) Do(req *http.Request) (*http.Response, error) {
	if req.Body != nil && req.Body != http.NoBody {
		body, err := io.ReadAll(req.Body)
		if err != nil {
			return nil, fmt.Errorf("buffer request body: %w", err)
		}
		req = req.Clone(req.Context())
		req.Body = io.NopCloser(bytes.NewReader(body))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
		req.ContentLength = int64(len(body))
	}
	return c.next.Do(req)
}
