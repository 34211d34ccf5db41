package guard

import (
	"testing"
	"time"

	"github.com/alecthomas/assert/v2"
)

func TestParseTimeSetting(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"0": 0, "": 0, "300ms": 300 * time.Millisecond, "3s": 3 * time.Second, "1min": time.Minute,
		"2h": 2 * time.Hour, "1d": 24 * time.Hour, "1500": 1500 * time.Millisecond, "10us": 10 * time.Microsecond,
	} {
		got, err := parseTimeSetting(in)
		assert.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	_, err := parseTimeSetting("3 fortnights")
	assert.Error(t, err)
}
