package awssim

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
)

// InProcessClient is an HTTP client whose requests the server answers
// directly, without a socket: offline import uses it to read an estate
// through the real SDK clients with no network at all.
func InProcessClient(s *Server) *http.Client {
	return &http.Client{Transport: inProcess{s}}
}

type inProcess struct{ s *Server }

func (t inProcess) RoundTrip(req *http.Request) (*http.Response, error) {
	rec := httptest.NewRecorder()
	// The handler reads the body and may run under the request's context.
	if req.Body == nil {
		req.Body = http.NoBody
	}
	t.s.ServeHTTP(rec, req)
	res := rec.Result()
	res.Request = req
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, err
	}
	res.Body = io.NopCloser(bytes.NewReader(b))
	res.ContentLength = int64(len(b))
	return res, nil
}

// InProcessEndpoint is the endpoint URL to pair with InProcessClient; it
// is never resolved.
const InProcessEndpoint = "http://estate.pdr-audit.invalid"
