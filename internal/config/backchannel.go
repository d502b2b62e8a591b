package config

import (
	"fmt"
	"strconv"
	"time"
)

// BackchannelOptions tune the delivery of back-channel logout tokens
// (package backchannel).
type BackchannelOptions struct {
	// PollInterval is how often a node looks for due notices: retries, and
	// notices queued on other nodes or before a restart.
	PollInterval time.Duration
	// Timeout bounds one request to a relying party.
	Timeout time.Duration
	// Attempts is how many attempts a notice gets before it is given up.
	Attempts int
}

// parseBackchannel parses the back-channel settings into c.Backchannel.
// The timeout stays short because a relying party's answer is a
// formality (section 2.8 of Back-Channel Logout 1.0) and each attempt
// holds a worker slot.
func (c *Config) parseBackchannel() []error {
	var errs []error
	for _, d := range []struct {
		flag, value string
		dst         *time.Duration
		min, max    time.Duration
	}{
		{"--backchannel-poll-interval", c.BackchannelPollInterval, &c.Backchannel.PollInterval, 100 * time.Millisecond, time.Hour},
		{"--backchannel-timeout", c.BackchannelTimeout, &c.Backchannel.Timeout, time.Second, time.Minute},
	} {
		v, err := time.ParseDuration(d.value)
		if err != nil || v < d.min || v > d.max {
			errs = append(errs, fmt.Errorf("%s %q must be a Go duration from %v to %v, such as 5s", d.flag, d.value, d.min, d.max))
		}
		*d.dst = v
	}
	n, err := strconv.Atoi(c.BackchannelAttempts)
	if err != nil || n < 1 || n > 100 {
		errs = append(errs, fmt.Errorf("--backchannel-attempts %q must be a whole number from 1 to 100", c.BackchannelAttempts))
	}
	c.Backchannel.Attempts = n
	return errs
}
