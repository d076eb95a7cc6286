package awssim

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"
)

// Running is a simulator listening on a TCP address.
type Running struct {
	// URL is the endpoint to give AWS clients (http://127.0.0.1:PORT).
	URL    string
	server *http.Server
	done   chan error
}

// Listen starts serving s on addr ("127.0.0.1:0" picks a free loopback
// port). It returns once the socket accepts connections.
func Listen(s *Server, addr string) (*Running, error) {
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	hs := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 30 * time.Second,
		// Idle keep-alive connections stay open longer than any client's
		// idle timeout (Go's default transport: 90s), so the server never
		// closes a connection a client is about to reuse.
		IdleTimeout: 5 * time.Minute,
	}
	r := &Running{URL: "http://" + ln.Addr().String(), server: hs, done: make(chan error, 1)}
	go func() {
		err := hs.Serve(ln)
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		r.done <- err
	}()
	return r, nil
}

// Shutdown stops accepting requests and waits for those in flight.
func (r *Running) Shutdown(ctx context.Context) error {
	err := r.server.Shutdown(ctx)
	if serveErr := <-r.done; err == nil {
		err = serveErr
	}
	return err
}
