package config

import (
	"strings"
	"testing"
	"time"
)

func TestBackchannelOptions(t *testing.T) {
	c, err := load(t, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := (BackchannelOptions{PollInterval: 5 * time.Second, Timeout: 5 * time.Second, Attempts: 10}); c.Backchannel != want {
		t.Errorf("defaults = %+v, want %+v", c.Backchannel, want)
	}
	c, err = load(t, []string{"--backchannel-poll-interval", "250ms", "--backchannel-timeout", "2s"}, map[string]string{"SIGIL_BACKCHANNEL_ATTEMPTS": "3"})
	if err != nil {
		t.Fatal(err)
	}
	if want := (BackchannelOptions{PollInterval: 250 * time.Millisecond, Timeout: 2 * time.Second, Attempts: 3}); c.Backchannel != want {
		t.Errorf("set = %+v, want %+v", c.Backchannel, want)
	}
	for _, args := range [][]string{
		{"--backchannel-poll-interval", "1ms"},
		{"--backchannel-timeout", "5m"},
		{"--backchannel-timeout", "soon"},
		{"--backchannel-attempts", "0"},
		{"--backchannel-attempts", "1000"},
	} {
		if _, err := load(t, args, nil); err == nil || !strings.Contains(err.Error(), args[0]) {
			t.Errorf("%v: error %v, want one naming %s", args, err, args[0])
		}
	}
}
