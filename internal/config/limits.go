package config

import (
	"fmt"
	"strconv"

	"github.com/sigil-oidc/sigil/internal/ratelimit"
)

// AbuseLimits are the settings of the rate limits, the bound on flows per
// address and the parameter length cap (docs/operations.md, "Abuse
// limits"), as given; Validate parses them into Limits and MaxParamLength.
// The defaults are generous for people (a whole office behind one address
// signs in well below them) and stop one source from flooding a node.
type AbuseLimits struct {
	TrustedProxies           string `yaml:"trusted_proxies"`
	RateLimitAuthorizeIP     string `yaml:"rate_limit_authorize_ip"`
	RateLimitAuthorizeClient string `yaml:"rate_limit_authorize_client"`
	RateLimitLoginIP         string `yaml:"rate_limit_login_ip"`
	RateLimitTokenIP         string `yaml:"rate_limit_token_ip"`
	RateLimitTokenClient     string `yaml:"rate_limit_token_client"`
	RateLimitWebFingerIP     string `yaml:"rate_limit_webfinger_ip"`
	RateLimitKeys            string `yaml:"rate_limit_keys"`
	MaxFlowsPerIP            string `yaml:"max_flows_per_ip"`
	MaxParamLengthText       string `yaml:"max_param_length"`

	// Limits is the parsed configuration of package ratelimit (its flow
	// window is the flow lifetime); MaxParamLength the parsed cap.
	Limits         ratelimit.Config `yaml:"-"`
	MaxParamLength int              `yaml:"-"`
}

// limitOptions are the flags of AbuseLimits, added to options at start-up
// so they sit together.
var limitOptions = []option{
	{"trusted-proxies", "SIGIL_TRUSTED_PROXIES", "", "comma-separated addresses and CIDR prefixes of reverse proxies whose X-Forwarded-For names the client address for rate limits (default: none; the connection's peer is the client)", func(c *Config) *string { return &c.TrustedProxies }},
	{"rate-limit-authorize-ip", "SIGIL_RATE_LIMIT_AUTHORIZE_IP", "20/s:200", "requests to /oauth2/auth per client address, N/s, N/m or N/h with an optional :BURST, or off", func(c *Config) *string { return &c.RateLimitAuthorizeIP }},
	{"rate-limit-authorize-client", "SIGIL_RATE_LIMIT_AUTHORIZE_CLIENT", "500/s:5000", "requests to /oauth2/auth per client_id (N/UNIT[:BURST] or off)", func(c *Config) *string { return &c.RateLimitAuthorizeClient }},
	{"rate-limit-login-ip", "SIGIL_RATE_LIMIT_LOGIN_IP", "50/s:500", "requests to the login and consent pages and API (/login, /login/*, /consent, /consent/*) per client address (N/UNIT[:BURST] or off)", func(c *Config) *string { return &c.RateLimitLoginIP }},
	{"rate-limit-token-ip", "SIGIL_RATE_LIMIT_TOKEN_IP", "200/s:2000", "requests to the token, revocation and introspection endpoints per client address (N/UNIT[:BURST] or off)", func(c *Config) *string { return &c.RateLimitTokenIP }},
	{"rate-limit-token-client", "SIGIL_RATE_LIMIT_TOKEN_CLIENT", "1000/s:10000", "requests to the token, revocation and introspection endpoints per authenticated client_id (N/UNIT[:BURST] or off)", func(c *Config) *string { return &c.RateLimitTokenClient }},
	{"rate-limit-webfinger-ip", "SIGIL_RATE_LIMIT_WEBFINGER_IP", "20/s:200", "WebFinger requests per client address (N/UNIT[:BURST] or off)", func(c *Config) *string { return &c.RateLimitWebFingerIP }},
	{"rate-limit-keys", "SIGIL_RATE_LIMIT_KEYS", "10000", "most client addresses or client_ids each rate limit tracks (least recently seen dropped first)", func(c *Config) *string { return &c.RateLimitKeys }},
	{"max-flows-per-ip", "SIGIL_MAX_FLOWS_PER_IP", "2000", "most sign-in flows (stored rows) one client address may start within a flow lifetime on one node; 0 for no bound", func(c *Config) *string { return &c.MaxFlowsPerIP }},
	{"max-param-length", "SIGIL_MAX_PARAM_LENGTH", "512", "most bytes of state, nonce and login_hint in an authorization request", func(c *Config) *string { return &c.MaxParamLengthText }},
}

func init() { options = append(options, limitOptions...) }

// parseLimits parses AbuseLimits into c.Limits and c.MaxParamLength; the
// flow window is the flow lifetime, so parseDurations runs first.
func (c *Config) parseLimits() []error {
	var errs []error
	c.Limits = ratelimit.Config{FlowWindow: c.Durations.Flow}
	proxies, err := ratelimit.ParseTrustedProxies(c.TrustedProxies)
	if err != nil {
		errs = append(errs, fmt.Errorf("--trusted-proxies %q must list addresses and CIDR prefixes separated by commas: %v", c.TrustedProxies, err))
	}
	c.Limits.TrustedProxies = proxies
	for _, l := range []struct {
		flag, value string
		dst         *ratelimit.Limit
	}{
		{"--rate-limit-authorize-ip", c.RateLimitAuthorizeIP, &c.Limits.AuthorizeIP},
		{"--rate-limit-authorize-client", c.RateLimitAuthorizeClient, &c.Limits.AuthorizeClient},
		{"--rate-limit-login-ip", c.RateLimitLoginIP, &c.Limits.LoginIP},
		{"--rate-limit-token-ip", c.RateLimitTokenIP, &c.Limits.TokenIP},
		{"--rate-limit-token-client", c.RateLimitTokenClient, &c.Limits.TokenClient},
		{"--rate-limit-webfinger-ip", c.RateLimitWebFingerIP, &c.Limits.WebFingerIP},
	} {
		v, err := ratelimit.ParseLimit(l.value)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %v", l.flag, err))
		}
		*l.dst = v
	}
	for _, n := range []struct {
		flag, value string
		dst         *int
		min, max    int
	}{
		{"--rate-limit-keys", c.RateLimitKeys, &c.Limits.Keys, 1, 10_000_000},
		{"--max-flows-per-ip", c.MaxFlowsPerIP, &c.Limits.FlowsPerIP, 0, 1_000_000_000},
		{"--max-param-length", c.MaxParamLengthText, &c.MaxParamLength, 64, 8192},
	} {
		v, err := strconv.Atoi(n.value)
		if err != nil || v < n.min || v > n.max {
			errs = append(errs, fmt.Errorf("%s %q must be a whole number from %d to %d", n.flag, n.value, n.min, n.max))
		}
		*n.dst = v
	}
	return errs
}
