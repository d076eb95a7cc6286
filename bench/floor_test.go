package bench

import (
	"testing"
	"time"

	"github.com/pdr-audit/pdr-audit/internal/awssim/throttle"
)

func TestFloor(t *testing.T) {
	const L = 100 * time.Millisecond
	ec2 := throttle.Limit{Capacity: 100, Refill: 20}
	ssm := throttle.Limit{Capacity: 20, Refill: 10}
	tests := []struct {
		name string
		w    Work
		b    throttle.Limit
		want time.Duration
	}{
		{"no calls take no time", Work{0, 1}, ec2, 0},
		{"one call takes one latency", Work{1, 1}, ec2, L},
		{"a chain of 160 SSM pages is latency-bound: 160·L", Work{160, 1}, ssm, 16 * time.Second},
		{"the same chain at 10% buckets is refill-bound: (160−2)/1 + L", Work{160, 1}, throttle.Limit{Capacity: 2, Refill: 1}, 158*time.Second + L},
		{"independent calls within the burst take one latency", Work{50, 50}, ec2, L},
		{"independent calls beyond the burst wait for the refill: (300−100)/20 + L", Work{300, 300}, ec2, 10*time.Second + L},
		{"partitions divide the chain, rounding up: ceil(10/3)·L", Work{10, 3}, ec2, 4 * L},
		{"a zero bucket means no throttling", Work{1000, 1000}, throttle.Limit{}, L},
		{"zero partitions count as one", Work{5, 0}, throttle.Limit{}, 5 * L},
		{"the issue's example: 1,000 rule changes at 50 tokens, 5/s", Work{1000, 1000}, throttle.Limit{Capacity: 50, Refill: 5}, 190*time.Second + L},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Floor(tt.w, tt.b, L); got != tt.want {
				t.Errorf("Floor(%+v, %v, %v) = %v; want %v", tt.w, tt.b, L, got, tt.want)
			}
		})
	}
}
