package config

import (
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

// TestDevNeedsALoopbackIssuer: --dev, whose login page carries the
// development wallet's key, is refused for any issuer that is not on the
// loopback interface, with an error naming --dev and --issuer.
func TestDevNeedsALoopbackIssuer(t *testing.T) {
	for issuer, ok := range map[string]bool{
		"http://127.0.0.1:8080":        true,
		"http://127.1.2.3:8080":        true,
		"http://localhost:8080":        true,
		"https://LOCALHOST":            true,
		"http://[::1]:8080":            true,
		"https://login.example.com":    false,
		"http://10.0.0.5:8080":         false,
		"http://[::2]:8080":            false,
		"http://localhost.example.com": false,
		"http://127.0.0.1.nip.example": false,
	} {
		c := &Config{Dev: true, Issuer: issuer, PublicAddr: "127.0.0.1:4444", AdminAddr: "127.0.0.1:4445"}
		err := c.ValidateServe()
		if ok != (err == nil) {
			t.Errorf("--dev --issuer %s: %v, want allowed %v", issuer, err, ok)
		}
		if err != nil && (!strings.Contains(err.Error(), "--dev") || !strings.Contains(err.Error(), "--issuer "+issuer)) {
			t.Errorf("--dev --issuer %s: error %q does not name --dev and --issuer", issuer, err)
		}
		c.Dev, c.AdminToken, c.Domains = false, "0123456789abcdef", "d.yaml"
		if err := c.ValidateServe(); err != nil {
			t.Errorf("without --dev, --issuer %s: %v", issuer, err)
		}
	}
}

// TestDevNeedsLoopbackListeners: an all-interfaces --public-addr derives a
// loopback issuer, yet other machines reach the login page that hands out
// the development wallet's key; so --dev also refuses a public or admin
// listen address that is not loopback, saying what to write instead, and
// naming the variable when that is where the address came from. Without
// --dev the same addresses are fine.
func TestDevNeedsLoopbackListeners(t *testing.T) {
	for _, tc := range []struct {
		args []string
		env  map[string]string
		want []string // nil: allowed
	}{
		{[]string{"--dev", "--public-addr", "127.0.0.1:4544"}, nil, nil},
		{[]string{"--dev", "--public-addr", "127.9.9.9:4544", "--admin-addr", "[::1]:4545"}, nil, nil},
		{[]string{"--dev", "--public-addr", "localhost:4544", "--admin-addr", "LOCALHOST:4545"}, nil, nil},
		{[]string{"--dev", "--public-addr", ":4544"}, nil,
			[]string{`--public-addr ":4544" listens on every network interface`, "development wallet's private key", "write --public-addr 127.0.0.1:4544"}},
		{[]string{"--dev", "--public-addr", "0.0.0.0:4544"}, nil, []string{"every network interface", "write --public-addr 127.0.0.1:4544"}},
		{[]string{"--dev", "--public-addr", "[::]:4544"}, nil, []string{"every network interface", "write --public-addr 127.0.0.1:4544"}},
		{[]string{"--dev", "--public-addr", "10.0.0.5:4544", "--issuer", "http://127.0.0.1:4544"}, nil,
			[]string{`--public-addr "10.0.0.5:4544" is not a loopback address`}},
		{[]string{"--dev", "--admin-addr", "0.0.0.0:4545"}, nil, []string{`--admin-addr "0.0.0.0:4545" listens on every network interface`, "admin API", "write --admin-addr 127.0.0.1:4545"}},
		{[]string{"--dev"}, map[string]string{"SIGIL_PUBLIC_ADDR": ":4544"}, []string{`SIGIL_PUBLIC_ADDR (--public-addr) ":4544"`}},
	} {
		fs := pflagSetFor(t, tc.args)
		env := func(k string) string { return tc.env[k] }
		c, err := Load(fs, env)
		if err != nil {
			t.Fatalf("%v %v: %v", tc.args, tc.env, err)
		}
		err = c.ValidateServe()
		if err != nil {
			err = NamedAsGiven(err, fs, env)
		}
		if tc.want == nil {
			if err != nil {
				t.Errorf("%v %v: %v", tc.args, tc.env, err)
			}
			continue
		}
		for _, w := range tc.want {
			if err == nil || !strings.Contains(err.Error(), w) {
				t.Errorf("%v %v: %v, want it to say %q", tc.args, tc.env, err, w)
			}
		}
		c.Dev, c.AdminToken, c.Domains = false, "0123456789abcdef", "d.yaml"
		if err := c.ValidateServe(); err != nil {
			t.Errorf("%v without --dev: %v", tc.args, err)
		}
	}
}

// pflagSetFor is serve's flag set with args parsed.
func pflagSetFor(t *testing.T, args []string) *pflag.FlagSet {
	t.Helper()
	fs := pflag.NewFlagSet("serve", pflag.ContinueOnError)
	RegisterFlags(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return fs
}
