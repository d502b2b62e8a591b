package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestAbuseLimitDefaults(t *testing.T) {
	c, err := load(t, []string{"--dev"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	l := c.Limits
	if l.AuthorizeIP.String() != "20/s:200" || l.LoginIP.String() != "50/s:500" || l.TokenIP.String() != "200/s:2000" ||
		l.TokenClient.String() != "1000/s:10000" || l.AuthorizeClient.String() != "500/s:5000" || l.WebFingerIP.String() != "20/s:200" {
		t.Errorf("default limits %+v", l)
	}
	if l.FlowsPerIP != 2000 || l.FlowWindow != 30*time.Minute || l.Keys != 10000 || len(l.TrustedProxies) != 0 || c.MaxParamLength != 512 {
		t.Errorf("defaults: flows %d per %v, keys %d, proxies %v, param cap %d", l.FlowsPerIP, l.FlowWindow, l.Keys, l.TrustedProxies, c.MaxParamLength)
	}
}

func TestAbuseLimitsFromFileAndFlags(t *testing.T) {
	file := filepath.Join(t.TempDir(), "sigil.yaml")
	os.WriteFile(file, []byte("trusted_proxies: 10.0.0.0/8, 127.0.0.1\nrate_limit_token_ip: 60/m:10\nmax_flows_per_ip: \"50\"\nrate_limit_webfinger_ip: \"off\"\n"), 0o600)
	c, err := load(t, []string{"--dev", "--config", file, "--rate-limit-login-ip", "5/s", "--max-param-length", "1024"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	l := c.Limits
	if len(l.TrustedProxies) != 2 || l.TrustedProxies[1].String() != "127.0.0.1/32" || float64(l.TokenIP.Rate) != 1 || l.TokenIP.Burst != 10 ||
		l.FlowsPerIP != 50 || !l.WebFingerIP.Off() || l.LoginIP.Burst != 5 || c.MaxParamLength != 1024 {
		t.Errorf("limits %+v, param cap %d", l, c.MaxParamLength)
	}
}

func TestAbuseLimitErrors(t *testing.T) {
	_, err := load(t, []string{"--dev", "--rate-limit-token-ip", "fast", "--trusted-proxies", "10.0.0.0/33",
		"--max-flows-per-ip", "-1", "--max-param-length", "10"}, nil)
	for _, want := range []string{"--rate-limit-token-ip", "--trusted-proxies", "--max-flows-per-ip", "--max-param-length"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not name %s", err, want)
		}
	}
}

// TestRateLimitOverflowRefused: a rate or a burst too large for a limit
// to mean anything is refused with the bound, the same for both (a burst
// past an int was refused, a rate past every integer was accepted).
func TestRateLimitOverflowRefused(t *testing.T) {
	for _, v := range []string{"99999999999999999999/s", "1e300/h", "1000000001/m", "20/s:99999999999999999999", "20/s:1000000001"} {
		_, err := load(t, []string{"--dev", "--rate-limit-login-ip", v}, nil)
		if err == nil || !strings.Contains(err.Error(), "--rate-limit-login-ip") || !strings.Contains(err.Error(), "1000000000") {
			t.Errorf("--rate-limit-login-ip %s: %v, want a refusal naming the flag and the bound", v, err)
		}
	}
	c, err := load(t, []string{"--dev", "--rate-limit-login-ip", "1000000000/s:1000000000"}, nil)
	if err != nil || c.Limits.LoginIP.Burst != 1_000_000_000 {
		t.Errorf("the largest limit: %v", err)
	}
}
