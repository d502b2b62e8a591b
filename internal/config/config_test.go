package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
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
		{[]string{"--dev", "--flow-lifetime", "10s"}, "at least 1m, such as 10m or 1h"},
		{[]string{"--dev", "--code-lifetime", "1s"}, "at least 10s, such as 30s, 10m or 1h"},
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
	// Both kinds of value --domains takes are named: a file, or uns.
	if err := c.ValidateServe(); err == nil || !strings.Contains(err.Error(), "--domains") ||
		!strings.Contains(err.Error(), "domain registry file") || !strings.Contains(err.Error(), "or uns") {
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
		{"durable flow writes, flag alone", []string{"--dev", "--db-durable-flow-writes"}, nil, DBPool{DurableFlowWrites: true}},
		{"durable flow writes, env", []string{"--dev"}, map[string]string{"SIGIL_DB_DURABLE_FLOW_WRITES": "yes"}, DBPool{DurableFlowWrites: true}},
		{"durable flow writes off", []string{"--dev", "--db-durable-flow-writes=false"}, map[string]string{"SIGIL_DB_DURABLE_FLOW_WRITES": "yes"}, DBPool{}},
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
		RefreshToken: 720 * time.Hour, Session: 24 * time.Hour, Cleanup: 10 * time.Minute, UNSCache: 30 * time.Second}
	if c.Durations != want {
		t.Errorf("defaults = %+v, want %+v", c.Durations, want)
	}
	file := filepath.Join(t.TempDir(), "sigil.yaml")
	os.WriteFile(file, []byte("access_token_lifetime: 5m\nrefresh_token_lifetime: 48h\n"), 0o600)
	c, err = load(t, []string{"--dev", "--config", file, "--cleanup-interval", "30s", "--shutdown-delay", "0"},
		map[string]string{"SIGIL_FLOW_LIFETIME": "2m", "SIGIL_ACCESS_TOKEN_LIFETIME": "1m", "SIGIL_UNS_CACHE_TTL": "2s"})
	if err != nil {
		t.Fatal(err)
	}
	want = Durations{Flow: 2 * time.Minute, Code: 10 * time.Minute, AccessToken: time.Minute, IDToken: time.Hour, RefreshToken: 48 * time.Hour,
		Session: 24 * time.Hour, Cleanup: 30 * time.Second, UNSCache: 2 * time.Second}
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
		{"--uns-cache-ttl", "500ms"},
		{"--uns-cache-ttl", "6m"},
	} {
		_, err := load(t, append([]string{"--dev"}, args...), nil)
		if err == nil || !strings.Contains(err.Error(), args[0]+" ") {
			t.Errorf("%v: err = %v, want an error naming %s", args, err, args[0])
		}
	}
}

// TestIssuerFromPublicAddr: without --issuer, the issuer is the public
// listener's address, so `--public-addr 127.0.0.1:4544` does not send
// browsers to :4444; an explicit issuer wins, and one on a loopback port
// that is not the listener's is a warning.
func TestIssuerFromPublicAddr(t *testing.T) {
	cases := []struct {
		args       []string
		env        map[string]string
		issuer     string
		warnsAbout string
	}{
		{[]string{"--dev", "--public-addr", "127.0.0.1:4544"}, nil, "http://127.0.0.1:4544", ""},
		{[]string{"--dev", "--public-addr", "[::1]:4544", "--admin-addr", "[::1]:4545"}, nil, "http://[::1]:4544", ""},
		{[]string{"--dev", "--public-addr", "localhost:8080"}, nil, "http://localhost:8080", ""},
		{[]string{"--dev", "--public-addr", ":4544"}, nil, "http://127.0.0.1:4544", ""},
		{[]string{"--dev", "--public-addr", "0.0.0.0:4544"}, nil, "http://127.0.0.1:4544", ""},
		{[]string{"--dev"}, map[string]string{"SIGIL_PUBLIC_ADDR": "127.0.0.1:5000"}, "http://127.0.0.1:5000", ""},
		{[]string{"--dev", "--public-addr", "127.0.0.1:4544", "--issuer", "http://127.0.0.1:4544"}, nil, "http://127.0.0.1:4544", ""},
		{[]string{"--dev", "--public-addr", "127.0.0.1:4544", "--issuer", "http://127.0.0.1:4444"}, nil, "http://127.0.0.1:4444", "port 4444"},
		{[]string{"--dev", "--public-addr", "127.0.0.1:4544"}, map[string]string{"SIGIL_ISSUER": "http://localhost"}, "http://localhost", "port 80"},
		// Behind a proxy: a public https issuer and a loopback listener.
		{[]string{"--dev", "--public-addr", "127.0.0.1:4544", "--issuer", "https://login.example.com"}, nil, "https://login.example.com", ""},
		// A port mapping in front of an all-interfaces listener.
		{[]string{"--dev", "--public-addr", "0.0.0.0:4444", "--issuer", "http://127.0.0.1:8080"}, nil, "http://127.0.0.1:8080", ""},
	}
	for _, tc := range cases {
		c, err := load(t, tc.args, tc.env)
		if err != nil {
			t.Errorf("%v %v: %v", tc.args, tc.env, err)
			continue
		}
		if c.Issuer != tc.issuer {
			t.Errorf("%v %v: issuer %q, want %q", tc.args, tc.env, c.Issuer, tc.issuer)
		}
		warnings := strings.Join(c.Warnings, "\n")
		if tc.warnsAbout == "" && warnings != "" || tc.warnsAbout != "" && !strings.Contains(warnings, tc.warnsAbout) {
			t.Errorf("%v %v: warnings %q, want about %q", tc.args, tc.env, warnings, tc.warnsAbout)
		}
		if tc.warnsAbout != "" && !strings.Contains(warnings, "--public-addr") {
			t.Errorf("warning does not name --public-addr: %q", warnings)
		}
	}
	_, err := load(t, []string{"--dev", "--public-addr", "10.0.0.5:443"}, nil)
	if err == nil || !strings.Contains(err.Error(), "--issuer") || !strings.Contains(err.Error(), "not a loopback address") {
		t.Fatalf("public listener without --issuer: %v", err)
	}
}

// TestBooleans: SIGIL_DEV and the file's dev accept what strconv.ParseBool
// accepts plus yes/no and on/off, and anything else is an error that names
// the variable (or the file's line) instead of meaning off.
func TestBooleans(t *testing.T) {
	for v, want := range map[string]bool{"1": true, "t": true, "TRUE": true, "true": true, "yes": true, "Yes": true, "on": true, "ON": true,
		"0": false, "f": false, "false": false, "no": false, "NO": false, "off": false} {
		c, err := load(t, nil, map[string]string{"SIGIL_DEV": v})
		if err != nil {
			t.Errorf("SIGIL_DEV=%s: %v", v, err)
			continue
		}
		if bool(c.Dev) != want {
			t.Errorf("SIGIL_DEV=%s: dev %v, want %v", v, c.Dev, want)
		}
		file := filepath.Join(t.TempDir(), "sigil.yaml")
		os.WriteFile(file, []byte("dev: "+v+"\n"), 0o600)
		if c, err := load(t, []string{"--config", file}, nil); err != nil || bool(c.Dev) != want {
			t.Errorf("dev: %s in the file: %v, %v", v, c, err)
		}
	}
	for _, v := range []string{"y", "n", "maybe", "2", "enabled"} {
		_, err := load(t, nil, map[string]string{"SIGIL_DEV": v})
		if err == nil || !strings.Contains(err.Error(), "SIGIL_DEV") || !strings.Contains(err.Error(), "yes/no") || strings.Contains(err.Error(), "--admin-token") {
			t.Errorf("SIGIL_DEV=%s: err = %v, want one naming SIGIL_DEV and the values", v, err)
		}
	}
	file := filepath.Join(t.TempDir(), "sigil.yaml")
	os.WriteFile(file, []byte("log_level: info\ndev: y\n"), 0o600)
	if _, err := load(t, []string{"--config", file}, nil); err == nil || !strings.Contains(err.Error(), "line 2") || !strings.Contains(err.Error(), `"y" is not a boolean`) {
		t.Errorf("dev: y in the file: %v", err)
	}
	// The flag wins over the environment, whatever the environment says.
	if c, err := load(t, []string{"--dev=false"}, map[string]string{"SIGIL_DEV": "yes"}); err != nil || c.Dev {
		t.Errorf("--dev=false with SIGIL_DEV=yes: %v %v", c, err)
	}
}

// TestErrorsNameTheVariableGiven: a setting that came from the environment
// is named by its variable as well as its flag, so that a deployment that
// sets only variables finds the one to fix; a flag given on the command
// line is named as before, and a longer flag is not mistaken for a
// shorter one.
func TestErrorsNameTheVariableGiven(t *testing.T) {
	_, err := load(t, []string{"--dev"}, map[string]string{"SIGIL_ADMIN_TOKEN": "short", "SIGIL_SHUTDOWN_DELAY": "abc"})
	if err == nil || !strings.Contains(err.Error(), "SIGIL_ADMIN_TOKEN (--admin-token) must be at least 16") ||
		!strings.Contains(err.Error(), "SIGIL_SHUTDOWN_DELAY (--shutdown-delay)") {
		t.Errorf("settings from the environment: %v", err)
	}
	_, err = load(t, []string{"--dev", "--admin-token", "short"}, map[string]string{"SIGIL_ADMIN_TOKEN": "also-short"})
	if err == nil || strings.Contains(err.Error(), "SIGIL_ADMIN_TOKEN") || !strings.Contains(err.Error(), "--admin-token must be") {
		t.Errorf("the flag over the variable: %v", err)
	}
	err = NamedAsGiven(errors.New("--admin-token-file and --admin-token"), pflagWith(t, "admin-token"), func(k string) string {
		if k == "SIGIL_ADMIN_TOKEN" {
			return "x"
		}
		return ""
	})
	if err.Error() != "--admin-token-file and SIGIL_ADMIN_TOKEN (--admin-token)" {
		t.Errorf("NamedAsGiven = %q", err)
	}
	// The database settings of sigil migrate too, and the error still
	// wraps what it rewrites.
	fs := pflag.NewFlagSet("migrate", pflag.ContinueOnError)
	RegisterDatabaseFlags(fs)
	_, err = LoadDatabase(fs, func(k string) string {
		if k == "SIGIL_DB_MAX_CONNS" {
			return "ten"
		}
		return ""
	})
	if err == nil || !strings.Contains(err.Error(), "SIGIL_DB_MAX_CONNS (--db-max-conns)") || errors.Unwrap(err) == nil {
		t.Errorf("LoadDatabase with SIGIL_DB_MAX_CONNS=ten: %v", err)
	}
}

// TestConfigFromEnv: SIGIL_CONFIG names the file when --config is not
// given; --config wins over it.
func TestConfigFromEnv(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.yaml"), filepath.Join(dir, "b.yaml")
	os.WriteFile(a, []byte("log_level: debug\n"), 0o600)
	os.WriteFile(b, []byte("log_level: warn\n"), 0o600)
	c, err := load(t, []string{"--dev"}, map[string]string{"SIGIL_CONFIG": a})
	if err != nil || c.LogLevel != "debug" {
		t.Fatalf("SIGIL_CONFIG: %v %v", c, err)
	}
	c, err = load(t, []string{"--dev", "--config", b}, map[string]string{"SIGIL_CONFIG": a})
	if err != nil || c.LogLevel != "warn" {
		t.Fatalf("--config over SIGIL_CONFIG: %v %v", c, err)
	}
	if _, err := load(t, []string{"--dev"}, map[string]string{"SIGIL_CONFIG": filepath.Join(dir, "none.yaml")}); err == nil || !strings.Contains(err.Error(), "none.yaml") {
		t.Fatalf("missing SIGIL_CONFIG file: %v", err)
	}
}

// TestFileErrorsPointAtTheFault: a typo names the closest key and lists the
// valid ones; a bad indent is reported at its own line, not at the line
// where the mapping starts.
func TestFileErrorsPointAtTheFault(t *testing.T) {
	cases := []struct {
		text string
		want []string
	}{
		{"issuer: http://127.0.0.1:4444\ndev: true\nadmin_tokn: 0123456789abcdef\n",
			[]string{"line 3", `unknown key "admin_tokn"`, `did you mean "admin_token"?`, "valid keys are issuer, public_addr", "rate_limit_keys", "dev"}},
		{"xyzzy: 1\n", []string{"line 1", `unknown key "xyzzy"`, "valid keys are"}},
		{"dev: true\nlog_level: info\npublic_addr: 127.0.0.1:4444\n  admin_addr: 127.0.0.1:4445\n", []string{"line 4"}},
		// yaml.v3 alone says line 3, where the flow sequence starts.
		{"dev: true\nlog_level: info\ntrusted_proxies: [10.0.0.1,\n  10.0.0.2]\n  flow_lifetime: 30m\n", []string{"line 5"}},
		// Not a config file at all (--config /etc/hostname), or a list:
		// yaml.v3 names Go's type config.Config.
		{"vm\n", []string{"is not a YAML mapping of settings", "key: value"}},
		{"- issuer: https://login.example.com\n", []string{"is not a YAML mapping of settings"}},
		{"dev: true\nissuer: [1, 2]\n", []string{"line 2: a list where a setting takes a single value"}},
		{"dev: true\nlog_level: {a: 1}\n", []string{"line 2: a mapping where a setting takes a single value"}},
	}
	for _, tc := range cases {
		file := filepath.Join(t.TempDir(), "sigil.yaml")
		os.WriteFile(file, []byte(tc.text), 0o600)
		_, err := load(t, []string{"--config", file}, nil)
		for _, w := range tc.want {
			if err == nil || !strings.Contains(err.Error(), w) {
				t.Errorf("%q: err = %v, want it to say %q", tc.text, err, w)
			}
		}
		if err != nil && (strings.Contains(err.Error(), "config.Config") || strings.Contains(err.Error(), "into string")) {
			t.Errorf("%q: err names a Go type: %v", tc.text, err)
		}
	}
}

// TestKeysAreTheYAMLTags: the valid keys listed in errors and in --help are
// exactly the keys the file decodes, so the list cannot drift.
func TestKeysAreTheYAMLTags(t *testing.T) {
	var tags []string
	var walk func(reflect.Type)
	walk = func(typ reflect.Type) {
		for i := range typ.NumField() {
			f := typ.Field(i)
			tag := f.Tag.Get("yaml")
			switch {
			case tag == "-":
			case tag == ",inline":
				walk(f.Type)
			default:
				tags = append(tags, strings.Split(tag, ",")[0])
			}
		}
	}
	walk(reflect.TypeOf(Config{}))
	got, want := validKeys(), tags
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("valid keys %v\nYAML tags  %v", got, want)
	}
}

// TestDatabaseOnly: LoadDatabase reads the database settings and ignores
// the others' flags and environment, so a bad SIGIL_ISSUER in the
// environment of a serve node does not stop `sigil migrate`.
func TestDatabaseOnly(t *testing.T) {
	fs := pflag.NewFlagSet("migrate", pflag.ContinueOnError)
	RegisterDatabaseFlags(fs)
	if fs.Lookup("issuer") != nil || fs.Lookup("dev") != nil || fs.Lookup("admin-token") != nil || fs.Lookup("dsn") == nil || fs.Lookup("data-dir") == nil {
		t.Fatal("RegisterDatabaseFlags registers the wrong flags")
	}
	if err := fs.Parse([]string{"--data-dir", "d"}); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"SIGIL_ISSUER": "ftp://nope", "SIGIL_DEV": "maybe", "SIGIL_DB_MAX_CONNS": "7"}
	c, err := LoadDatabase(fs, func(k string) string { return env[k] })
	if err != nil || c.DataDir != "d" || c.DB.MaxConns != 7 {
		t.Fatalf("LoadDatabase: %+v %v", c, err)
	}
	env["SIGIL_DB_MAX_CONNS"] = "none"
	if _, err := LoadDatabase(fs, func(k string) string { return env[k] }); err == nil || !strings.Contains(err.Error(), "--db-max-conns") {
		t.Fatalf("bad pool setting: %v", err)
	}
}

// pflagWith is a flag set holding the string flags names, none changed.
func pflagWith(t *testing.T, names ...string) *pflag.FlagSet {
	t.Helper()
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	for _, n := range names {
		fs.String(n, "", "")
	}
	return fs
}
