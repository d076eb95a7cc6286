package awssim

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"sync"

	"github.com/pdr-audit/pdr-audit/internal/awssim/throttle"
)

// Stats are a simulator's counters since it started: what the benchmarks
// compare with the minimum an estate needs, and what `sim serve --stats`
// writes at shutdown. Every call is counted once, whatever its outcome.
type Stats struct {
	// Calls is every request that named an action.
	Calls int64 `json:"calls"`
	// Throttled is the calls answered with the service's throttling error.
	Throttled int64 `json:"throttled"`
	// Errors is the calls answered with any other error.
	Errors int64 `json:"errors"`
	// Pages is the successful calls of paginated operations.
	Pages int64 `json:"pages"`
	// Items is the items the successful calls returned.
	Items int64 `json:"items"`
	// Unpaginated is the calls of paginated operations that gave neither
	// a page size nor a token: they ask for everything at once (and EC2
	// throttles the unfiltered ones in its smaller bucket).
	Unpaginated int64 `json:"unpaginated"`
	// MaxInFlight is the most calls served at once, across all buckets.
	MaxInFlight int `json:"max_in_flight"`
	// Actions breaks the counts down by "service:Action".
	Actions map[string]ActionStats `json:"actions"`
	// Buckets breaks calls down by the throttling bucket they draw from
	// (sorted by id), with the most calls in flight at once in each.
	Buckets []BucketStats `json:"buckets"`
}

// ActionStats are the counters of one operation.
type ActionStats struct {
	Calls       int64 `json:"calls"`
	Throttled   int64 `json:"throttled"`
	Errors      int64 `json:"errors"`
	Pages       int64 `json:"pages"`
	Items       int64 `json:"items"`
	Unpaginated int64 `json:"unpaginated"`
	// MaxPageItems is the largest number of items one answer carried.
	MaxPageItems int `json:"max_page_items"`
}

// BucketStats are the counters of one throttling bucket.
type BucketStats struct {
	Bucket      string `json:"bucket"` // account/region/service/bucket
	Calls       int64  `json:"calls"`
	Throttled   int64  `json:"throttled"`
	MaxInFlight int    `json:"max_in_flight"`
}

// counters accumulates Stats; it is safe for concurrent use.
type counters struct {
	classify *throttle.Limiter

	mu       sync.Mutex
	total    Stats
	inFlight int
	actions  map[string]*ActionStats
	buckets  map[throttle.BucketID]*bucketCount
}

type bucketCount struct {
	calls, throttled int64
	inFlight, max    int
}

func newCounters(classify *throttle.Limiter) *counters {
	return &counters{classify: classify, actions: map[string]*ActionStats{}, buckets: map[throttle.BucketID]*bucketCount{}}
}

// begin counts a call that is about to be served and returns its bucket's
// counter for end.
func (k *counters) begin(c *call) *bucketCount {
	id, ok := k.classify.BucketOf(c.Account, c.Region, c.Service, c.Action, c.Paginated)
	k.mu.Lock()
	defer k.mu.Unlock()
	k.inFlight++
	k.total.MaxInFlight = max(k.total.MaxInFlight, k.inFlight)
	if !ok {
		return nil
	}
	b := k.buckets[id]
	if b == nil {
		b = &bucketCount{}
		k.buckets[id] = b
	}
	b.calls++
	b.inFlight++
	b.max = max(b.max, b.inFlight)
	return b
}

// end counts a call's outcome. throttled says the answer was the
// service's throttling error; e is the error answered, if any.
func (k *counters) end(c *call, b *bucketCount, e *APIError, throttled bool) {
	key := c.Service + ":" + c.Action
	l, paginated := pageLimits[key]
	unpaginated := false
	if paginated && c.Input != nil {
		tin, _ := l.tokens()
		_, hasLimit := c.Input[l.LimitKey]
		_, hasToken := c.Input[tin]
		unpaginated = !hasLimit && !hasToken
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	k.inFlight--
	a := k.actions[key]
	if a == nil {
		a = &ActionStats{}
		k.actions[key] = a
	}
	k.total.Calls++
	a.Calls++
	if unpaginated {
		k.total.Unpaginated++
		a.Unpaginated++
	}
	switch {
	case throttled:
		k.total.Throttled++
		a.Throttled++
	case e != nil:
		k.total.Errors++
		a.Errors++
	default:
		if paginated {
			k.total.Pages++
			a.Pages++
		}
		k.total.Items += int64(c.Items)
		a.Items += int64(c.Items)
		a.MaxPageItems = max(a.MaxPageItems, c.Items)
	}
	if b != nil {
		b.inFlight--
		if throttled {
			b.throttled++
		}
	}
}

// snapshot copies the counters.
func (k *counters) snapshot() Stats {
	k.mu.Lock()
	defer k.mu.Unlock()
	s := k.total
	s.Actions = make(map[string]ActionStats, len(k.actions))
	for name, a := range k.actions {
		s.Actions[name] = *a
	}
	ids := slices.SortedFunc(maps.Keys(k.buckets), func(a, b throttle.BucketID) int {
		switch {
		case a.String() < b.String():
			return -1
		case a.String() > b.String():
			return 1
		}
		return 0
	})
	s.Buckets = make([]BucketStats, 0, len(ids))
	for _, id := range ids {
		b := k.buckets[id]
		s.Buckets = append(s.Buckets, BucketStats{Bucket: id.String(), Calls: b.calls, Throttled: b.throttled, MaxInFlight: b.max})
	}
	return s
}

// Stats returns the server's counters so far.
func (s *Server) Stats() Stats { return s.counters.snapshot() }

// WriteStats writes the server's counters as indented JSON.
func (s *Server) WriteStats(w io.Writer) error {
	b, err := json.MarshalIndent(s.Stats(), "", "  ")
	if err != nil {
		return fmt.Errorf("encode simulator stats: %w", err)
	}
	if _, err := w.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("write simulator stats: %w", err)
	}
	return nil
}
