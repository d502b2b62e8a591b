// Package config turns flags, environment variables and an optional YAML
// file into one validated Config. A flag given on the command line wins over
// its environment variable, which wins over the file, which wins over the
// default, so an operator can keep a file and override one value.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"
	"go.yaml.in/yaml/v3"

	"github.com/sigil-oidc/sigil/internal/yamlpos"
)

// Config is the configuration of `sigil serve` and `sigil migrate`.
type Config struct {
	Issuer       string `yaml:"issuer"`
	PublicAddr   string `yaml:"public_addr"`
	AdminAddr    string `yaml:"admin_addr"`
	DataDir      string `yaml:"data_dir"`
	DSN          string `yaml:"dsn"`
	AdminToken   string `yaml:"admin_token"`
	Domains      string `yaml:"domains"`
	SystemSecret string `yaml:"system_secret"`
	// ShutdownDelay is how long a stopping node answers not ready while
	// still serving, a Go duration; Validate parses it into Durations.
	ShutdownDelay string `yaml:"shutdown_delay"`
	// Lifetimes of what Sigil issues and how often expired rows are
	// deleted, Go durations as given; Validate parses them into Durations.
	FlowLifetime         string `yaml:"flow_lifetime"`
	CodeLifetime         string `yaml:"code_lifetime"`
	AccessTokenLifetime  string `yaml:"access_token_lifetime"`
	IDTokenLifetime      string `yaml:"id_token_lifetime"`
	RefreshTokenLifetime string `yaml:"refresh_token_lifetime"`
	SessionLifetime      string `yaml:"session_lifetime"`
	CleanupInterval      string `yaml:"cleanup_interval"`
	// Durations are the duration settings above, parsed by Validate.
	Durations Durations `yaml:"-"`
	// Scheduled signing-key rotation, Go durations as given; Validate
	// parses them into KeyRotation (see package keys).
	KeyRotationInterval string      `yaml:"key_rotation_interval"`
	KeyPublishAhead     string      `yaml:"key_publish_ahead"`
	KeyRotation         KeyRotation `yaml:"-"`
	// Back-channel logout delivery, as given; Validate parses them into
	// Backchannel (backchannel.go).
	BackchannelPollInterval string             `yaml:"backchannel_poll_interval"`
	BackchannelTimeout      string             `yaml:"backchannel_timeout"`
	BackchannelAttempts     string             `yaml:"backchannel_attempts"`
	Backchannel             BackchannelOptions `yaml:"-"`
	// The UNS networks read when Domains is "uns".
	UNSL1RPC         string `yaml:"uns_l1_rpc"`
	UNSL1ProxyReader string `yaml:"uns_l1_proxy_reader"`
	UNSL2RPC         string `yaml:"uns_l2_rpc"`
	UNSL2ProxyReader string `yaml:"uns_l2_proxy_reader"`
	// UNSCacheTTL bounds how long an owner read from the chain is
	// believed, a Go duration; Validate parses it into Durations.UNSCache.
	UNSCacheTTL string `yaml:"uns_cache_ttl"`
	LogLevel    string `yaml:"log_level"`
	Dev         Bool   `yaml:"dev"`
	// The PostgreSQL connection pool, as given (empty: the default);
	// Validate parses them into DB.
	DBMaxConns         string `yaml:"db_max_conns"`
	DBStatementTimeout string `yaml:"db_statement_timeout"`
	DBConnMaxLifetime  string `yaml:"db_conn_max_lifetime"`
	// DB is the pool settings parsed by Validate; zero fields take the
	// defaults of package postgres.
	DB DBPool `yaml:"-"`
	// AbuseLimits are the rate limits and caps (limits.go).
	AbuseLimits `yaml:",inline"`
	// Overload is the admission control (overload.go).
	Overload `yaml:",inline"`
	// SQLiteSkipIntegrityCheckText is --sqlite-skip-integrity-check as
	// given; parseDBPool parses it into DB.
	SQLiteSkipIntegrityCheckText string `yaml:"sqlite_skip_integrity_check"`
	// DBDurableFlowWritesText is --db-durable-flow-writes as given;
	// parseDBPool parses it into DB.
	DBDurableFlowWritesText string `yaml:"db_durable_flow_writes"`
	// Warnings are settings that are valid but probably not what the
	// operator meant (see warnings); serve logs them at start.
	Warnings []string `yaml:"-"`
}

// Durations are the configured durations, parsed.
type Durations struct {
	ShutdownDelay time.Duration
	// Flow bounds a sign-in from the authorization request to consent.
	Flow, Code, AccessToken, IDToken, RefreshToken, Session time.Duration
	// Cleanup is how often expired authorizations are deleted.
	Cleanup time.Duration
	// UNSCache is how long the on-chain resolver keeps an owner it read:
	// the bound within which refresh, userinfo and introspection see a
	// domain change hands (sign-ins read past it).
	UNSCache time.Duration
}

// KeyRotation is the signing-key schedule: each key signs for Interval (0:
// rotation by hand only), and the next one is published PublishAhead before
// it starts signing.
type KeyRotation struct {
	Interval, PublishAhead time.Duration
}

// minKeyPublishAhead is keys.ActivationDelay (three key-refresh intervals),
// repeated here so the configuration does not depend on package keys: a key
// published for less than that might sign on one node before another node
// publishes it.
const minKeyPublishAhead = 15 * time.Second

// DBPool tunes the PostgreSQL connection pool (SQLite ignores it); it
// converts to store.Options.
type DBPool struct {
	MaxConns         int
	StatementTimeout time.Duration
	ConnMaxLifetime  time.Duration
	// SQLiteSkipIntegrityCheck skips PRAGMA quick_check when a SQLite
	// database opens.
	SQLiteSkipIntegrityCheck bool
	// DurableFlowWrites turns off PostgreSQL's asynchronous commit of the
	// flow writes (postgres.Options).
	DurableFlowWrites bool
}

// option ties one setting to its flag, environment variable and field.
type option struct {
	flag, env, def, usage string
	field                 func(*Config) *string
}

var options = []option{
	{"issuer", "SIGIL_ISSUER", "", "issuer URL: the public base URL of Sigil (default: http:// and --public-addr, when that is a loopback or all-interfaces address)", func(c *Config) *string { return &c.Issuer }},
	{"public-addr", "SIGIL_PUBLIC_ADDR", "127.0.0.1:4444", "listen address of the public (OpenID Connect) endpoints", func(c *Config) *string { return &c.PublicAddr }},
	{"admin-addr", "SIGIL_ADMIN_ADDR", "127.0.0.1:4445", "listen address of the admin API", func(c *Config) *string { return &c.AdminAddr }},
	{"data-dir", "SIGIL_DATA_DIR", "sigil-data", "directory for the SQLite database, the system secret and --dev files", func(c *Config) *string { return &c.DataDir }},
	{"dsn", "SIGIL_DSN", "", "database DSN: postgres://user:password@host:5432/dbname (or host=... dbname=...) for PostgreSQL, else a SQLite file (default: sigil.db in the data dir)", func(c *Config) *string { return &c.DSN }},
	{"db-max-conns", "SIGIL_DB_MAX_CONNS", "", "PostgreSQL: most open connections of this node (default 10)", func(c *Config) *string { return &c.DBMaxConns }},
	{"db-statement-timeout", "SIGIL_DB_STATEMENT_TIMEOUT", "", "PostgreSQL: statement_timeout of every connection, a Go duration (default 5s)", func(c *Config) *string { return &c.DBStatementTimeout }},
	{"db-conn-max-lifetime", "SIGIL_DB_CONN_MAX_LIFETIME", "", "PostgreSQL: close connections after this long, a Go duration (default 30m)", func(c *Config) *string { return &c.DBConnMaxLifetime }},
	{"admin-token", "SIGIL_ADMIN_TOKEN", "", "bearer token of the admin API (generated under --dev)", func(c *Config) *string { return &c.AdminToken }},
	{"domains", "SIGIL_DOMAINS", "", "where domain ownership comes from: a static registry file (YAML), or \"uns\" for the chain (see --uns-*)", func(c *Config) *string { return &c.Domains }},
	{"uns-l1-rpc", "SIGIL_UNS_L1_RPC", "", "with --domains uns: Ethereum JSON-RPC URL of the L1 network (mainnet)", func(c *Config) *string { return &c.UNSL1RPC }},
	{"uns-l1-proxy-reader", "SIGIL_UNS_L1_PROXY_READER", "0x578853aa776Eef10CeE6c4dd2B5862bdcE767A8B", "UNS ProxyReader address on L1 (default: mainnet's)", func(c *Config) *string { return &c.UNSL1ProxyReader }},
	{"uns-l2-rpc", "SIGIL_UNS_L2_RPC", "", "with --domains uns: JSON-RPC URL of the L2 network (Polygon); its non-zero owner wins; empty reads L1 only", func(c *Config) *string { return &c.UNSL2RPC }},
	{"uns-l2-proxy-reader", "SIGIL_UNS_L2_PROXY_READER", "0x91EDd8708062bd4233f4Dd0FCE15A7cb4d500091", "UNS ProxyReader address on L2 (default: Polygon's)", func(c *Config) *string { return &c.UNSL2ProxyReader }},
	{"uns-cache-ttl", "SIGIL_UNS_CACHE_TTL", "30s", "with --domains uns: how long an owner read from the chain is kept, 1s to 5m; refresh, userinfo and introspection see a domain change hands within it, sign-ins at once (a Go duration)", func(c *Config) *string { return &c.UNSCacheTTL }},
	{"system-secret", "SIGIL_SYSTEM_SECRET", "", "secret (32+ characters) that keys token hashes, cookies and key encryption (default: generated into <data-dir>/system-secret)", func(c *Config) *string { return &c.SystemSecret }},
	{"shutdown-delay", "SIGIL_SHUTDOWN_DELAY", "5s", "on SIGTERM/SIGINT: how long /health/ready answers 503 while requests are still served, so load balancers stop sending traffic, before the listeners close (a Go duration; 0 to skip)", func(c *Config) *string { return &c.ShutdownDelay }},
	{"flow-lifetime", "SIGIL_FLOW_LIFETIME", "30m", "how long a person has from the authorization request to consent (a Go duration)", func(c *Config) *string { return &c.FlowLifetime }},
	{"code-lifetime", "SIGIL_CODE_LIFETIME", "10m", "lifetime of authorization codes, 10m at most (RFC 6749 section 4.1.2); a redeemed code's flow is kept this long to catch its replay (a Go duration)", func(c *Config) *string { return &c.CodeLifetime }},
	{"access-token-lifetime", "SIGIL_ACCESS_TOKEN_LIFETIME", "1h", "lifetime of access tokens (a Go duration)", func(c *Config) *string { return &c.AccessTokenLifetime }},
	{"id-token-lifetime", "SIGIL_ID_TOKEN_LIFETIME", "1h", "lifetime of ID tokens (a Go duration)", func(c *Config) *string { return &c.IDTokenLifetime }},
	{"refresh-token-lifetime", "SIGIL_REFRESH_TOKEN_LIFETIME", "720h", "lifetime of each refresh token; every refresh issues a new one (a Go duration)", func(c *Config) *string { return &c.RefreshTokenLifetime }},
	{"session-lifetime", "SIGIL_SESSION_LIFETIME", "24h", "how long a browser stays signed in to Sigil for single sign-on (a Go duration)", func(c *Config) *string { return &c.SessionLifetime }},
	{"cleanup-interval", "SIGIL_CLEANUP_INTERVAL", "10m", "how often each node deletes expired flows and tokens (a Go duration)", func(c *Config) *string { return &c.CleanupInterval }},
	{"key-rotation-interval", "SIGIL_KEY_ROTATION_INTERVAL", "0", "how long each signing key signs before the next takes over, such as 720h; 0 rotates only by hand (sigil keys rotate) (a Go duration)", func(c *Config) *string { return &c.KeyRotationInterval }},
	{"key-publish-ahead", "SIGIL_KEY_PUBLISH_AHEAD", "1h", "how long a scheduled signing key is published before it signs, 15s at least; longer than relying parties cache the key set (a Go duration)", func(c *Config) *string { return &c.KeyPublishAhead }},
	{"backchannel-poll-interval", "SIGIL_BACKCHANNEL_POLL_INTERVAL", "5s", "how often each node looks for back-channel logout tokens to send or retry; those of a session ended on the node itself go at once (a Go duration)", func(c *Config) *string { return &c.BackchannelPollInterval }},
	{"backchannel-timeout", "SIGIL_BACKCHANNEL_TIMEOUT", "5s", "time allowed for one back-channel logout request to a relying party (a Go duration, 1s to 1m)", func(c *Config) *string { return &c.BackchannelTimeout }},
	{"backchannel-attempts", "SIGIL_BACKCHANNEL_ATTEMPTS", "10", "attempts to deliver one back-channel logout token before giving up, with exponential backoff; delivery also stops 24h after the session ended (1 to 100)", func(c *Config) *string { return &c.BackchannelAttempts }},
	{"log-level", "SIGIL_LOG_LEVEL", "info", "log level: debug, info, warn or error", func(c *Config) *string { return &c.LogLevel }},
}

// EnvConfig names the config file when --config is not given.
const EnvConfig = "SIGIL_CONFIG"

// databaseFlags are the settings `sigil migrate` needs: where the database
// is and how to connect to it.
var databaseFlags = []string{"data-dir", "dsn", "db-max-conns", "db-statement-timeout", "db-conn-max-lifetime"}

// RegisterFlags adds the configuration flags of `sigil serve` to fs.
func RegisterFlags(fs *pflag.FlagSet) {
	registerConfigFlag(fs)
	for _, o := range options {
		fs.String(o.flag, o.def, o.usage+" (env "+o.env+")")
		if slices.Contains(boolOptions, o.flag) {
			fs.Lookup(o.flag).NoOptDefVal = "true"
		}
	}
	fs.Bool("dev", false, "development mode: generate what is missing and serve a demo at /demo (env SIGIL_DEV: "+boolValues+")")
}

// RegisterDatabaseFlags adds only the flags that say where the database is
// (for `sigil migrate`). Load then reads only those from the flags and the
// environment; the config file may still hold every key, so one file
// serves both commands.
func RegisterDatabaseFlags(fs *pflag.FlagSet) {
	registerConfigFlag(fs)
	for _, o := range options {
		if slices.Contains(databaseFlags, o.flag) {
			fs.String(o.flag, o.def, o.usage+" (env "+o.env+")")
			if slices.Contains(boolOptions, o.flag) {
				fs.Lookup(o.flag).NoOptDefVal = "true"
			}
		}
	}
}

func registerConfigFlag(fs *pflag.FlagSet) {
	fs.String("config", "", "optional YAML config file (env "+EnvConfig+"; keys: "+keys()+")")
}

func keys() string { return strings.Join(validKeys(), ", ") }

// validKeys are the keys of the config file: the flags' names with
// underscores, and dev.
func validKeys() []string {
	var ks []string
	for _, o := range options {
		ks = append(ks, strings.ReplaceAll(o.flag, "-", "_"))
	}
	return append(ks, "dev")
}

// Load reads the configuration of `sigil serve` from fs (after parsing),
// the environment and the config file named by --config or SIGIL_CONFIG,
// then validates it.
func Load(fs *pflag.FlagSet, getenv func(string) string) (*Config, error) {
	c, err := read(fs, getenv)
	if err != nil {
		return nil, err
	}
	if err := c.Validate(); err != nil {
		return nil, NamedAsGiven(err, fs, getenv)
	}
	return c, nil
}

// flagName finds the flags that validation errors name ("--admin-token").
var flagName = regexp.MustCompile(`--[a-z][a-z0-9]*(?:-[a-z0-9]+)*`)

// NamedAsGiven rewrites err so that a setting given through the
// environment is named by its variable as well as its flag
// ("SIGIL_ADMIN_TOKEN (--admin-token)"): a deployment that sets only
// variables (the Kubernetes manifest, the systemd unit) finds the one to
// fix.
func NamedAsGiven(err error, fs *pflag.FlagSet, getenv func(string) string) error {
	envOf := map[string]string{}
	for _, o := range options {
		if fs.Lookup(o.flag) != nil && !fs.Changed(o.flag) && getenv(o.env) != "" {
			envOf["--"+o.flag] = o.env
		}
	}
	if len(envOf) == 0 {
		return err
	}
	msg := flagName.ReplaceAllStringFunc(err.Error(), func(flag string) string {
		if env, ok := envOf[flag]; ok {
			return env + " (" + flag + ")"
		}
		return flag
	})
	return &renamedError{msg: msg, err: err}
}

// renamedError is an error with its message rewritten (NamedAsGiven),
// which still unwraps to the error it rewrites.
type renamedError struct {
	msg string
	err error
}

func (e *renamedError) Error() string { return e.msg }
func (e *renamedError) Unwrap() error { return e.err }

// LoadDatabase is Load for the flags of RegisterDatabaseFlags: it checks
// only the database settings, so that a setting migrate does not use (an
// issuer, say) cannot stop it.
func LoadDatabase(fs *pflag.FlagSet, getenv func(string) string) (*Config, error) {
	c, err := read(fs, getenv)
	if err != nil {
		return nil, err
	}
	errs := c.placeholders(databaseFlags)
	if len(errs) == 0 {
		if c.DataDir == "" {
			errs = append(errs, errors.New("--data-dir must not be empty"))
		}
		errs = append(errs, c.parseDBPool()...)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, NamedAsGiven(err, fs, getenv)
	}
	return c, nil
}

// Placeholder is what the example deployment files (deploy/kubernetes,
// docs) give the settings an operator must choose: a password, a token, an
// RPC URL. A value that still holds it is refused, so that a file applied
// unedited stops at start instead of running on a published secret.
const Placeholder = "CHANGE-ME"

// placeholders reports every setting, of those named in only (all when
// only is nil), whose value still holds Placeholder. The value is not
// quoted: it may be a secret, or a DSN with a password.
func (c *Config) placeholders(only []string) []error {
	var errs []error
	for _, o := range options {
		if only != nil && !slices.Contains(only, o.flag) {
			continue
		}
		if strings.Contains(*o.field(c), Placeholder) {
			errs = append(errs, fmt.Errorf("--%s still holds the placeholder %s of the example configuration: replace it with the real value", o.flag, Placeholder))
		}
	}
	return errs
}

// read fills a Config from the defaults, the file, the environment and the
// flags, in that order of precedence from lowest; only the settings whose
// flag fs has are read from the flags and the environment.
func read(fs *pflag.FlagSet, getenv func(string) string) (*Config, error) {
	c := &Config{}
	for _, o := range options {
		*o.field(c) = o.def
	}
	path, _ := fs.GetString("config")
	if path == "" {
		path = getenv(EnvConfig)
	}
	if path != "" {
		if err := c.loadFile(path); err != nil {
			return nil, err
		}
	}
	for _, o := range options {
		if fs.Lookup(o.flag) == nil {
			continue
		}
		if fs.Changed(o.flag) {
			*o.field(c), _ = fs.GetString(o.flag)
		} else if v := getenv(o.env); v != "" {
			*o.field(c) = v
		}
	}
	if fs.Lookup("dev") != nil {
		if fs.Changed("dev") {
			dev, _ := fs.GetBool("dev")
			c.Dev = Bool(dev)
		} else if v := getenv("SIGIL_DEV"); v != "" {
			dev, err := ParseBool(v)
			if err != nil {
				return nil, fmt.Errorf("SIGIL_DEV: %w", err)
			}
			c.Dev = Bool(dev)
		}
	}
	explicitIssuer := c.Issuer != ""
	if !explicitIssuer {
		c.Issuer = issuerFor(c.PublicAddr)
	}
	c.Warnings = c.warnings(explicitIssuer)
	return c, nil
}

// issuerFor is the issuer of a server that listens on addr, when --issuer
// is not given: http:// and the listen address, which a browser on this
// machine reaches, for a loopback address; for an all-interfaces address
// (":4444", "0.0.0.0:4444") 127.0.0.1 and its port, as a browser on this
// machine (or behind a port mapping to the same port) reaches it. Any
// other host would need https and its public name, so it derives nothing
// and Validate asks for --issuer.
func issuerFor(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return ""
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	if !isLoopback(host) {
		return ""
	}
	return "http://" + net.JoinHostPort(host, port)
}

// warnings are the settings that are valid but probably mistaken: an
// issuer given on a loopback host whose port is not the port of a
// loopback --public-addr sends browsers to whatever else listens there
// (an https issuer on a public name is normal behind a proxy, and an
// all-interfaces listener may sit behind a port mapping, so those are
// left alone).
func (c *Config) warnings(explicitIssuer bool) []string {
	if !explicitIssuer {
		return nil
	}
	u, err := url.Parse(c.Issuer)
	host, port, err2 := net.SplitHostPort(c.PublicAddr)
	if err != nil || err2 != nil || u.Host == "" || !isLoopback(u.Hostname()) || !isLoopback(host) {
		return nil
	}
	issuerPort := u.Port()
	if issuerPort == "" {
		issuerPort = map[string]string{"http": "80", "https": "443"}[u.Scheme]
	}
	if issuerPort == port {
		return nil
	}
	return []string{fmt.Sprintf("--issuer %s names port %s but --public-addr listens on %s: browsers sent to the issuer reach "+
		"whatever listens on port %s, unless a proxy on this machine forwards it; leave --issuer out to derive it from --public-addr",
		c.Issuer, issuerPort, c.PublicAddr, issuerPort)}
}

// loadFile reads the YAML file; unknown keys are an error so that a typo
// does not silently keep a default.
func (c *Config) loadFile(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("config file (--config or %s): %w", EnvConfig, err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(c); err != nil && !errors.Is(err, io.EOF) {
		var te *yaml.TypeError
		if errors.As(err, &te) {
			if !isMapping(data) {
				// yaml.v3 says "cannot unmarshal !!str `vm` into
				// config.Config", which names Go's type, not the mistake
				// (a file that is not Sigil's, such as --config
				// /etc/hostname).
				return fmt.Errorf("config file %s is not a YAML mapping of settings: it must hold key: value lines such as "+
					"issuer: https://login.example.com, a key being a flag's name with _ for - (see sigil serve --help)", path)
			}
			return fmt.Errorf("config file %s: %s", path, describeTypeError(te))
		}
		return fmt.Errorf("config file %s: %w", path, yamlpos.Locate(data, err))
	}
	return nil
}

// isMapping reports whether the first YAML document of data is a mapping
// (or empty), as a config file must be.
func isMapping(data []byte) bool {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil || len(doc.Content) == 0 {
		return true // a syntax error or an empty file is reported otherwise
	}
	root := doc.Content[0]
	return root.Kind == yaml.MappingNode || root.Tag == "!!null"
}

// describeTypeError rewrites yaml.v3's "field admin_tokn not found in type
// config.Config" as the key at fault, the closest valid key, and the list
// of valid keys.
func describeTypeError(te *yaml.TypeError) string {
	msgs := make([]string, len(te.Errors))
	for i, m := range te.Errors {
		msgs[i] = m
		line, rest, ok := strings.Cut(m, ": field ")
		if !ok {
			msgs[i] = describeWrongKind(m)
			continue
		}
		key, ok := strings.CutSuffix(rest, " not found in type config.Config")
		if !ok {
			continue
		}
		msg := fmt.Sprintf("%s: unknown key %q", line, key)
		if near := closest(key, validKeys()); near != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", near)
		}
		msgs[i] = msg + "; the valid keys are " + keys()
	}
	return strings.Join(msgs, "; ")
}

// wrongKind matches yaml.v3's message for a list or a mapping given where
// a setting takes one value ("line 3: cannot unmarshal !!seq into
// string").
var wrongKind = regexp.MustCompile(`^(line \d+): cannot unmarshal !!(seq|map) into string$`)

// describeWrongKind rewrites yaml.v3's message for a list or a mapping
// given as a setting's value in words that do not name Go's types; any
// other message is returned as it is.
func describeWrongKind(m string) string {
	sub := wrongKind.FindStringSubmatch(m)
	if sub == nil {
		return m
	}
	kind := map[string]string{"seq": "a list", "map": "a mapping"}[sub[2]]
	return fmt.Sprintf("%s: %s where a setting takes a single value (a word, a number or quoted text)", sub[1], kind)
}

// closest is the key nearest to key in edit distance, if it is near enough
// to be a typo of it (at most a third of its letters, and 1 at least).
func closest(key string, keys []string) string {
	best, bestDist := "", max(1, len(key)/3)+1
	for _, k := range keys {
		if d := editDistance(key, k); d < bestDist {
			best, bestDist = k, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance of a and b in bytes (keys are
// ASCII).
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// Validate checks the configuration and says what to fix.
func (c *Config) Validate() error {
	// A placeholder of the example deployment files is the first thing to
	// fix, and the other checks would only restate it (too short, not a
	// URL) or, for --dsn, pass it: so it is reported alone.
	if errs := c.placeholders(nil); len(errs) > 0 {
		return errors.Join(errs...)
	}
	var errs []error
	u, err := url.Parse(c.Issuer)
	switch {
	case c.Issuer == "":
		errs = append(errs, fmt.Errorf("--issuer (or SIGIL_ISSUER) is not set, and --public-addr %q is not a loopback address to derive it from: set it to the https URL people reach Sigil at, such as https://login.example.com", c.PublicAddr))
	case err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http"):
		errs = append(errs, fmt.Errorf("--issuer %q must be an absolute http(s) URL such as https://login.example.com", c.Issuer))
	case u.RawQuery != "" || u.ForceQuery || strings.Contains(c.Issuer, "#"):
		// An empty "?" or "#" counts too: url.URL.String drops an empty
		// fragment, so tokens would name another issuer than discovery.
		errs = append(errs, fmt.Errorf("--issuer %q must not have a query or fragment (OpenID Connect Discovery section 3)", c.Issuer))
	case u.User != nil:
		errs = append(errs, fmt.Errorf("--issuer %q must not contain userinfo (user:password@)", c.Issuer))
	case u.Scheme == "http" && !isLoopback(u.Hostname()):
		errs = append(errs, fmt.Errorf("--issuer %q must use https unless it is a loopback address", c.Issuer))
	case strings.Trim(u.Path, "/") != "":
		// The routes and the pages' links sit at the root of the host.
		errs = append(errs, fmt.Errorf("--issuer %q has a path; Sigil serves at the root of its host, so use a host of its own such as https://login.example.com", c.Issuer))
	}
	for name, addr := range map[string]string{"--public-addr": c.PublicAddr, "--admin-addr": c.AdminAddr} {
		if _, _, err := net.SplitHostPort(addr); err != nil {
			errs = append(errs, fmt.Errorf("%s %q must be host:port: %v", name, addr, err))
		}
	}
	if c.PublicAddr == c.AdminAddr {
		errs = append(errs, fmt.Errorf("--public-addr and --admin-addr are both %q; the admin API needs its own listener", c.PublicAddr))
	}
	if c.DataDir == "" {
		errs = append(errs, errors.New("--data-dir must not be empty"))
	}
	if c.AdminToken != "" && len(c.AdminToken) < 16 {
		errs = append(errs, errors.New("--admin-token must be at least 16 characters"))
	}
	if c.Domains == DomainsUNS {
		if c.UNSL1RPC == "" {
			errs = append(errs, errors.New("--domains uns needs --uns-l1-rpc (or SIGIL_UNS_L1_RPC): the JSON-RPC URL of an Ethereum node"))
		}
		for name, v := range map[string]string{"--uns-l1-rpc": c.UNSL1RPC, "--uns-l2-rpc": c.UNSL2RPC} {
			if u, err := url.Parse(v); v != "" && (err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https" && u.Scheme != "ws" && u.Scheme != "wss")) {
				errs = append(errs, fmt.Errorf("%s %q must be an http(s) or ws(s) URL", name, v))
			}
		}
		for name, v := range map[string]string{"--uns-l1-proxy-reader": c.UNSL1ProxyReader, "--uns-l2-proxy-reader": c.UNSL2ProxyReader} {
			if !hexAddress.MatchString(v) {
				errs = append(errs, fmt.Errorf("%s %q must be a contract address (0x and 40 hex digits)", name, v))
			}
		}
	}
	if c.SystemSecret != "" && len(c.SystemSecret) < 32 {
		errs = append(errs, errors.New("--system-secret must be at least 32 characters"))
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("--log-level %q must be debug, info, warn or error", c.LogLevel))
	}
	errs = append(errs, c.parseDBPool()...)
	errs = append(errs, c.parseDurations()...)
	errs = append(errs, c.parseBackchannel()...)
	errs = append(errs, c.parseLimits()...)
	errs = append(errs, c.parseOverload()...)
	errs = append(errs, c.parseKeyRotation()...)
	return errors.Join(errs...)
}

// parseDurations parses the duration settings into c.Durations. Each has
// a floor below which Sigil would not work as people expect: a sign-in
// needs minutes, and a token that dies within seconds of its issue is a
// mistake rather than a policy.
func (c *Config) parseDurations() []error {
	var errs []error
	for _, d := range []struct {
		flag, value string
		dst         *time.Duration
		min         time.Duration
	}{
		{"--shutdown-delay", c.ShutdownDelay, &c.Durations.ShutdownDelay, 0},
		{"--flow-lifetime", c.FlowLifetime, &c.Durations.Flow, time.Minute},
		{"--code-lifetime", c.CodeLifetime, &c.Durations.Code, 10 * time.Second},
		{"--access-token-lifetime", c.AccessTokenLifetime, &c.Durations.AccessToken, 10 * time.Second},
		{"--id-token-lifetime", c.IDTokenLifetime, &c.Durations.IDToken, 10 * time.Second},
		{"--refresh-token-lifetime", c.RefreshTokenLifetime, &c.Durations.RefreshToken, 10 * time.Second},
		{"--session-lifetime", c.SessionLifetime, &c.Durations.Session, time.Minute},
		{"--cleanup-interval", c.CleanupInterval, &c.Durations.Cleanup, time.Second},
		{"--uns-cache-ttl", c.UNSCacheTTL, &c.Durations.UNSCache, time.Second},
	} {
		v, err := time.ParseDuration(d.value)
		if err != nil || v < d.min {
			errs = append(errs, fmt.Errorf("%s %q must be a Go duration of at least %s, such as %s", d.flag, d.value, shortDuration(d.min), durationExamples(d.min)))
		}
		*d.dst = v
	}
	if c.Durations.Code > 10*time.Minute {
		errs = append(errs, fmt.Errorf("--code-lifetime %q must be at most 10m (RFC 6749 section 4.1.2)", c.CodeLifetime))
	}
	// The TTL is how long a sold domain keeps working for its previous
	// owner's tokens; minutes would make the ownership guarantee hollow.
	if c.Durations.UNSCache > 5*time.Minute {
		errs = append(errs, fmt.Errorf("--uns-cache-ttl %q must be at most 5m: it bounds how long a sold domain keeps working for its previous owner", c.UNSCacheTTL))
	}
	return errs
}

// shortDuration writes d as a person would (1m, 10s), not as
// time.Duration.String does (1m0s).
func shortDuration(d time.Duration) string {
	switch {
	case d == 0:
		return "0s"
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	default:
		return d.String()
	}
}

// durationExamples are valid values for a duration of at least min.
func durationExamples(min time.Duration) string {
	var ok []string
	for _, e := range []struct {
		text string
		d    time.Duration
	}{{"30s", 30 * time.Second}, {"10m", 10 * time.Minute}, {"1h", time.Hour}} {
		if e.d >= min {
			ok = append(ok, e.text)
		}
	}
	if len(ok) == 1 {
		return ok[0]
	}
	return strings.Join(ok[:len(ok)-1], ", ") + " or " + ok[len(ok)-1]
}

// parseKeyRotation parses the key schedule into c.KeyRotation.
func (c *Config) parseKeyRotation() []error {
	var errs []error
	interval, err := time.ParseDuration(c.KeyRotationInterval)
	if err != nil || interval < 0 {
		errs = append(errs, fmt.Errorf("--key-rotation-interval %q must be a Go duration such as 720h, or 0 for rotation by hand only", c.KeyRotationInterval))
	}
	ahead, err := time.ParseDuration(c.KeyPublishAhead)
	if err != nil || ahead < minKeyPublishAhead {
		errs = append(errs, fmt.Errorf("--key-publish-ahead %q must be a Go duration of at least %v (every node must publish a key before any signs with it)", c.KeyPublishAhead, minKeyPublishAhead))
	}
	if len(errs) == 0 && interval != 0 && interval <= ahead {
		errs = append(errs, fmt.Errorf("--key-rotation-interval %q must be longer than --key-publish-ahead %q", c.KeyRotationInterval, c.KeyPublishAhead))
	}
	c.KeyRotation = KeyRotation{Interval: interval, PublishAhead: ahead}
	return errs
}

// parseDBPool parses the pool settings into c.DB; empty ones stay zero
// (the default).
func (c *Config) parseDBPool() []error {
	var errs []error
	c.DB = DBPool{}
	if c.DBMaxConns != "" {
		n, err := strconv.Atoi(c.DBMaxConns)
		if err != nil || n < 1 || n > 10000 {
			errs = append(errs, fmt.Errorf("--db-max-conns %q must be a whole number from 1 to 10000", c.DBMaxConns))
		}
		c.DB.MaxConns = n
	}
	// PostgreSQL counts statement_timeout in milliseconds, and 0 would
	// turn it off rather than mean the default.
	for _, d := range []struct {
		flag, value string
		dst         *time.Duration
		min         time.Duration
	}{
		{"--db-statement-timeout", c.DBStatementTimeout, &c.DB.StatementTimeout, time.Millisecond},
		{"--db-conn-max-lifetime", c.DBConnMaxLifetime, &c.DB.ConnMaxLifetime, time.Second},
	} {
		if d.value == "" {
			continue
		}
		v, err := time.ParseDuration(d.value)
		if err != nil || v < d.min {
			errs = append(errs, fmt.Errorf("%s %q must be a Go duration of at least %v, such as 5s or 30m", d.flag, d.value, d.min))
		}
		*d.dst = v
	}
	if c.SQLiteSkipIntegrityCheckText != "" {
		skip, err := ParseBool(c.SQLiteSkipIntegrityCheckText)
		if err != nil {
			errs = append(errs, fmt.Errorf("--sqlite-skip-integrity-check: %w", err))
		}
		c.DB.SQLiteSkipIntegrityCheck = skip
	}
	if c.DBDurableFlowWritesText != "" {
		durable, err := ParseBool(c.DBDurableFlowWritesText)
		if err != nil {
			errs = append(errs, fmt.Errorf("--db-durable-flow-writes: %w", err))
		}
		c.DB.DurableFlowWrites = durable
	}
	if c.Durations.Code > 10*time.Minute {
		errs = append(errs, fmt.Errorf("--code-lifetime %q must be at most 10m (RFC 6749 section 4.1.2)", c.CodeLifetime))
	}
	return errs
}

// ValidateServe adds the checks that only `sigil serve` needs: outside
// --dev, nothing is generated, so the admin token and the domain source must
// be given; under --dev, everything must be on this machine (devErrors).
func (c *Config) ValidateServe() error {
	var errs []error
	if c.AdminToken == "" && !c.Dev {
		errs = append(errs, errors.New("--admin-token (or SIGIL_ADMIN_TOKEN) is required outside --dev"))
	}
	if c.Domains == "" && !c.Dev {
		errs = append(errs, errors.New("--domains (or SIGIL_DOMAINS) is required outside --dev: the path of a domain registry file (YAML), or uns to read ownership from the chain (with --uns-l1-rpc)"))
	}
	errs = append(errs, c.devErrors()...)
	return errors.Join(errs...)
}

// devErrors refuses --dev anywhere but on one machine: under --dev the
// login page hands out the development wallet's private key, the demo
// domain is that wallet's, and the admin token may be printed to the
// terminal. So the issuer's host and both listen addresses must be
// loopback (localhost, 127.0.0.0/8, ::1). The issuer alone is not enough:
// an all-interfaces --public-addr (":4544", "0.0.0.0:4544") derives the
// loopback issuer http://127.0.0.1:4544, yet other machines reach the
// listener. A listen address that is not host:port is Validate's to
// report.
func (c *Config) devErrors() []error {
	if !c.Dev {
		return nil
	}
	var errs []error
	if u, err := url.Parse(c.Issuer); err != nil || !isLoopback(u.Hostname()) {
		errs = append(errs, fmt.Errorf("--dev is only for an issuer on this machine (localhost, 127.0.0.0/8 or ::1), since its login page hands out "+
			"the development wallet's private key; --issuer %s is not one: drop --dev, or use --issuer http://127.0.0.1:<port>", c.Issuer))
	}
	for _, l := range []struct{ flag, addr, exposes string }{
		{"--public-addr", c.PublicAddr, "its login page, which hands out the development wallet's private key"},
		{"--admin-addr", c.AdminAddr, "its admin API"},
	} {
		host, port, err := net.SplitHostPort(l.addr)
		if err != nil || isLoopback(host) {
			continue
		}
		where := "is not a loopback address"
		if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
			where = "listens on every network interface"
		}
		errs = append(errs, fmt.Errorf("--dev is only for one machine, but %s %q %s, so other machines could reach %s: "+
			"write %s 127.0.0.1:%s (or drop --dev)", l.flag, l.addr, where, l.exposes, l.flag, port))
	}
	return errs
}

// DomainsUNS is the --domains value that reads ownership from the chain.
const DomainsUNS = "uns"

var hexAddress = regexp.MustCompile(`^0x[0-9a-fA-F]{40}$`)

// DatabaseDSN is the DSN to open: --dsn, or the SQLite file in the data dir.
func (c *Config) DatabaseDSN() string {
	if c.DSN != "" {
		return c.DSN
	}
	return filepath.Join(c.DataDir, "sigil.db")
}

// isLoopback reports whether host (without port or brackets) names the
// loopback interface: localhost in any case, or an address of 127.0.0.0/8
// or ::1.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
