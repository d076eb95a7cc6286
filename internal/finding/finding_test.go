package finding

import "testing"

func TestWorstFollowsOnePrecedenceOrder(t *testing.T) {
	tests := []struct{ a, b, want Status }{
		{Pass, Pass, Pass},
		{Pass, Unknown, Unknown},
		{Unknown, Fail, Fail},
		{Fail, Unknown, Fail},
		{Waived, Pass, Waived},
		{Waived, Fail, Fail},
		{Fail, Error, Error},
		{Error, Pass, Error},
	}
	for _, tt := range tests {
		if got := Worst(tt.a, tt.b); got != tt.want {
			t.Errorf("Worst(%s, %s) = %s, want %s", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestSeverityOrder(t *testing.T) {
	if !High.AtLeast(Medium) || Low.AtLeast(Medium) || !Medium.AtLeast(Medium) {
		t.Error("severity order is wrong")
	}
	if _, err := ParseSeverity("urgent"); err == nil {
		t.Error("ParseSeverity accepted urgent")
	}
}
