package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
)

func load(t *testing.T, args []string, env map[string]string) (*Config, error) {
	t.Helper()
	fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
	RegisterFlags(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return Load(fs, func(k string) string { return env[k] })
}

func TestDefaultsUnderDev(t *testing.T) {
	c, err := load(t, []string{"--dev"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Issuer != "http://127.0.0.1:4444" || c.PublicAddr != "127.0.0.1:4444" || c.AdminAddr != "127.0.0.1:4445" {
		t.Fatalf("defaults %+v", c)
	}
	if c.DatabaseDSN() != filepath.Join("sigil-data", "sigil.db") {
		t.Fatalf("dsn %q", c.DatabaseDSN())
	}
}

func TestPrecedenceFlagEnvFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "sigil.yaml")
	os.WriteFile(file, []byte("issuer: https://file.example\nadmin_token: file-token-0123456789\ndomains: d.yaml\npublic_addr: 127.0.0.1:1\n"), 0o600)
	c, err := load(t, []string{"--config", file, "--public-addr", "127.0.0.1:3"},
		map[string]string{"SIGIL_ISSUER": "https://env.example", "SIGIL_PUBLIC_ADDR": "127.0.0.1:2"})
	if err != nil {
		t.Fatal(err)
	}
	if c.Issuer != "https://env.example" || c.PublicAddr != "127.0.0.1:3" || c.AdminToken != "file-token-0123456789" {
		t.Fatalf("precedence wrong: %+v", c)
	}
}

func TestValidationMessages(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"--dev", "--issuer", "ftp://x"}, "--issuer"},
		{[]string{"--dev", "--issuer", "http://example.com"}, "must use https"},
		{[]string{"--dev", "--issuer", "https://example.com/sigil"}, "has a path"},
		{[]string{"--dev", "--public-addr", "nope"}, "--public-addr"},
		{[]string{"--dev", "--admin-addr", "127.0.0.1:4444"}, "own listener"},
		{[]string{"--dev", "--admin-token", "short"}, "at least 16"},
		{[]string{"--dev", "--log-level", "loud"}, "--log-level"},
		{[]string{"--dev", "--system-secret", "short"}, "at least 32"},
		{[]string{"--dev", "--db-max-conns", "0"}, "--db-max-conns"},
		{[]string{"--dev", "--db-max-conns", "ten"}, "--db-max-conns"},
		{[]string{"--dev", "--db-statement-timeout", "5"}, "--db-statement-timeout"},
		{[]string{"--dev", "--db-statement-timeout", "10us"}, "--db-statement-timeout"},
		{[]string{"--dev", "--db-conn-max-lifetime", "-1m"}, "--db-conn-max-lifetime"},
		{[]string{"--dev", "--domains", "uns"}, "--uns-l1-rpc"},
		{[]string{"--dev", "--domains", "uns", "--uns-l1-rpc", "localhost:8545"}, "--uns-l1-rpc"},
		{[]string{"--dev", "--domains", "uns", "--uns-l1-rpc", "http://127.0.0.1:8545", "--uns-l1-proxy-reader", "0x12"}, "--uns-l1-proxy-reader"},
	}
	for _, tc := range cases {
		_, err := load(t, tc.args, nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: err = %v, want it to mention %q", tc.args, err, tc.want)
		}
	}
}

func TestServeNeedsTokenAndDomainsOutsideDev(t *testing.T) {
	c, err := load(t, []string{"--domains", "d.yaml"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.ValidateServe(); err == nil || !strings.Contains(err.Error(), "--admin-token") {
		t.Fatalf("err = %v", err)
	}
	c, _ = load(t, []string{"--admin-token", "0123456789abcdef"}, nil)
	if err := c.ValidateServe(); err == nil || !strings.Contains(err.Error(), "--domains") {
		t.Fatalf("err = %v", err)
	}
	c, _ = load(t, []string{"--dev"}, nil)
	if err := c.ValidateServe(); err != nil {
		t.Fatalf("dev: %v", err)
	}
}

func TestUNSDefaults(t *testing.T) {
	c, err := load(t, []string{"--dev", "--domains", "uns", "--uns-l1-rpc", "http://127.0.0.1:8545"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.UNSL1ProxyReader != "0x578853aa776Eef10CeE6c4dd2B5862bdcE767A8B" || c.UNSL2ProxyReader != "0x91EDd8708062bd4233f4Dd0FCE15A7cb4d500091" || c.UNSL2RPC != "" {
		t.Fatalf("UNS defaults %+v", c)
	}
}

func TestUnknownFileKey(t *testing.T) {
	file := filepath.Join(t.TempDir(), "sigil.yaml")
	os.WriteFile(file, []byte("isuer: https://x\n"), 0o600)
	if _, err := load(t, []string{"--dev", "--config", file}, nil); err == nil || !strings.Contains(err.Error(), "isuer") {
		t.Fatalf("err = %v", err)
	}
}

// TestDatabasePool: a postgres:// DSN is accepted, and the pool settings
// come from flags, environment or file like every other setting, parsed
// into DB; unset ones stay zero (the backend's default).
func TestDatabasePool(t *testing.T) {
	file := filepath.Join(t.TempDir(), "sigil.yaml")
	os.WriteFile(file, []byte("dsn: postgres://sigil@db:5432/sigil\ndb_max_conns: 30\ndb_conn_max_lifetime: 1h\n"), 0o600)
	cases := []struct {
		name string
		args []string
		env  map[string]string
		want DBPool
	}{
		{"defaults", []string{"--dev", "--dsn", "postgresql://db/sigil"}, nil, DBPool{}},
		{"flags", []string{"--dev", "--db-max-conns", "20", "--db-statement-timeout", "1500ms", "--db-conn-max-lifetime", "10m"}, nil,
			DBPool{MaxConns: 20, StatementTimeout: 1500 * time.Millisecond, ConnMaxLifetime: 10 * time.Minute}},
		{"env", []string{"--dev"}, map[string]string{"SIGIL_DB_MAX_CONNS": "5", "SIGIL_DB_STATEMENT_TIMEOUT": "2s", "SIGIL_DB_CONN_MAX_LIFETIME": "1m"},
			DBPool{MaxConns: 5, StatementTimeout: 2 * time.Second, ConnMaxLifetime: time.Minute}},
		{"file, flag wins", []string{"--dev", "--config", file, "--db-max-conns", "40"}, nil,
			DBPool{MaxConns: 40, ConnMaxLifetime: time.Hour}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := load(t, tc.args, tc.env)
			if err != nil {
				t.Fatal(err)
			}
			if c.DB != tc.want {
				t.Errorf("DB = %+v, want %+v", c.DB, tc.want)
			}
		})
	}
	c, err := load(t, []string{"--dev", "--config", file}, nil)
	if err != nil || c.DatabaseDSN() != "postgres://sigil@db:5432/sigil" {
		t.Fatalf("dsn from file: %v %q", err, c.DatabaseDSN())
	}
}

// TestDurations: the lifetimes, the cleanup interval and the shutdown delay
// have their defaults, are set by flag, environment and file, and a value
// below its floor or not a duration is refused naming the flag.
func TestDurations(t *testing.T) {
	c, err := load(t, []string{"--dev"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := Durations{ShutdownDelay: 5 * time.Second, Flow: 30 * time.Minute, Code: 10 * time.Minute, AccessToken: time.Hour, IDToken: time.Hour,
		RefreshToken: 720 * time.Hour, Session: 24 * time.Hour, Cleanup: 10 * time.Minute}
	if c.Durations != want {
		t.Errorf("defaults = %+v, want %+v", c.Durations, want)
	}
	file := filepath.Join(t.TempDir(), "sigil.yaml")
	os.WriteFile(file, []byte("access_token_lifetime: 5m\nrefresh_token_lifetime: 48h\n"), 0o600)
	c, err = load(t, []string{"--dev", "--config", file, "--cleanup-interval", "30s", "--shutdown-delay", "0"},
		map[string]string{"SIGIL_FLOW_LIFETIME": "2m", "SIGIL_ACCESS_TOKEN_LIFETIME": "1m"})
	if err != nil {
		t.Fatal(err)
	}
	want = Durations{Flow: 2 * time.Minute, Code: 10 * time.Minute, AccessToken: time.Minute, IDToken: time.Hour, RefreshToken: 48 * time.Hour,
		Session: 24 * time.Hour, Cleanup: 30 * time.Second}
	if c.Durations != want {
		t.Errorf("set = %+v, want %+v", c.Durations, want)
	}
	for _, args := range [][]string{
		{"--access-token-lifetime", "1s"},
		{"--flow-lifetime", "forever"},
		{"--cleanup-interval", "0"},
		{"--shutdown-delay", "-1s"},
		{"--session-lifetime", "10"},
		{"--code-lifetime", "11m"},
		{"--code-lifetime", "1s"},
	} {
		_, err := load(t, append([]string{"--dev"}, args...), nil)
		if err == nil || !strings.Contains(err.Error(), args[0]+" ") {
			t.Errorf("%v: err = %v, want an error naming %s", args, err, args[0])
		}
	}
}
