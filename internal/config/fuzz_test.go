package config

import (
	"net"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
	"go.yaml.in/yaml/v3"
)

// FuzzConfigFile loads arbitrary --config files. Load must never panic; a
// configuration it accepts satisfies what the server assumes without
// checking again (an absolute http(s) issuer at the root of its host, with
// no query, fragment or userinfo, https unless loopback; two distinct
// host:port listeners; every duration at its floor or above; codes at most
// 10 minutes), validates again unchanged, and survives being written as
// YAML and loaded back.
func FuzzConfigFile(f *testing.F) {
	for _, s := range []string{
		"issuer: https://login.example.com\nadmin_token: file-token-0123456789\n",
		"issuer: http://[::1]:4444\npublic_addr: '[::1]:4444'\nadmin_addr: '[::1]:4445'\n",
		"issuer: https://login.example.com/\ncode_lifetime: 10m\nflow_lifetime: 1m\nsession_lifetime: 1m\n",
		"issuer: https://login.example.com?\n",
		"issuer: https://login.example.com#\n",
		"issuer: https://user:pass@login.example.com\n",
		"issuer: https://login.example.com/sigil\n",
		"issuer: HTTPS://LOGIN.EXAMPLE.COM\n",
		"issuer: http://localhost.evil.example\n",
		"domains: uns\nuns_l1_rpc: ws://127.0.0.1:8545\nuns_l1_proxy_reader: '0x578853aa776Eef10CeE6c4dd2B5862bdcE767A8B'\n",
		"key_rotation_interval: 720h\nkey_publish_ahead: 15s\n",
		"key_rotation_interval: -1h\n",
		"db_max_conns: '10'\ndb_statement_timeout: 1ms\ndb_conn_max_lifetime: 1s\n",
		"db_max_conns: 0x10\n",
		"code_lifetime: 9223372036854775807ns\n",
		"access_token_lifetime: 2562047h47m16.854775807s\n",
		"dev: true\nlog_level: debug\n",
		"onwer: x\n",
		"issuer: [1, 2]\n",
		"issuer: !!binary aGk=\n",
		"a: &a [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n",
		"system_secret: '" + strings.Repeat("s", 32) + "'\nadmin_token: \"\\u0000\\xff" + strings.Repeat("t", 20) + "\"\n",
		"",
		"\xff\xfe",
		"---\n---\n",
	} {
		f.Add(s)
	}
	dir := f.TempDir()
	in, again := filepath.Join(dir, "in.yaml"), filepath.Join(dir, "again.yaml")
	load := func(t *testing.T, path string) (*Config, error) {
		fs := pflag.NewFlagSet("fuzz", pflag.ContinueOnError)
		RegisterFlags(fs)
		if err := fs.Parse([]string{"--config", path}); err != nil {
			t.Fatal(err)
		}
		return Load(fs, func(string) string { return "" })
	}
	f.Fuzz(func(t *testing.T, text string) {
		if err := os.WriteFile(in, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		c, err := load(t, in)
		if err != nil {
			return
		}
		checkAccepted(t, c)

		before := *c
		if err := c.Validate(); err != nil || !reflect.DeepEqual(before, *c) {
			t.Fatalf("an accepted configuration does not validate again unchanged: %v", err)
		}
		out, err := yaml.Marshal(c)
		if err != nil {
			t.Fatalf("marshal accepted configuration: %v", err)
		}
		if err := os.WriteFile(again, out, 0o600); err != nil {
			t.Fatal(err)
		}
		c2, err := load(t, again)
		if err != nil {
			t.Fatalf("the accepted configuration written as YAML does not load: %v\n%s", err, out)
		}
		if !reflect.DeepEqual(c, c2) {
			t.Fatalf("a YAML round trip changed the configuration:\n%+v\n%+v", c, c2)
		}
	})
}

// checkAccepted fails unless c satisfies what the rest of Sigil assumes.
func checkAccepted(t *testing.T, c *Config) {
	t.Helper()
	u, err := url.Parse(c.Issuer)
	switch {
	case err != nil:
		t.Fatalf("accepted issuer %q does not parse: %v", c.Issuer, err)
	case u.Scheme != "https" && u.Scheme != "http", u.Host == "", u.Opaque != "":
		t.Fatalf("accepted issuer %q is not an absolute http(s) URL", c.Issuer)
	case strings.ContainsAny(c.Issuer, "?#"):
		t.Fatalf("accepted issuer %q has a query or fragment", c.Issuer)
	case u.User != nil:
		t.Fatalf("accepted issuer %q has userinfo", c.Issuer)
	case strings.Trim(u.Path, "/") != "":
		t.Fatalf("accepted issuer %q has a path", c.Issuer)
	case u.Scheme == "http" && !isLoopback(u.Hostname()):
		t.Fatalf("accepted issuer %q is http on a non-loopback host", c.Issuer)
	}
	for _, a := range []string{c.PublicAddr, c.AdminAddr} {
		if _, _, err := net.SplitHostPort(a); err != nil {
			t.Fatalf("accepted listen address %q: %v", a, err)
		}
	}
	if c.PublicAddr == c.AdminAddr {
		t.Fatalf("accepted one address for both listeners: %q", c.PublicAddr)
	}
	d := c.Durations
	for _, x := range []struct {
		v, min time.Duration
	}{{d.Flow, time.Minute}, {d.Code, 10 * time.Second}, {d.AccessToken, 10 * time.Second}, {d.IDToken, 10 * time.Second},
		{d.RefreshToken, 10 * time.Second}, {d.Session, time.Minute}, {d.Cleanup, time.Second}, {d.ShutdownDelay, 0}} {
		if x.v < x.min {
			t.Fatalf("accepted duration %v below its floor %v: %+v", x.v, x.min, d)
		}
	}
	if d.Code > 10*time.Minute {
		t.Fatalf("accepted code lifetime %v", d.Code)
	}
	if c.AdminToken != "" && len(c.AdminToken) < 16 || c.SystemSecret != "" && len(c.SystemSecret) < 32 {
		t.Fatalf("accepted a short admin token or system secret")
	}
	if r := c.KeyRotation; r.Interval < 0 || r.PublishAhead < minKeyPublishAhead || (r.Interval != 0 && r.Interval <= r.PublishAhead) {
		t.Fatalf("accepted key rotation %+v", r)
	}
}
