package config

import (
	"fmt"
	"time"

	"github.com/sigil-oidc/sigil/internal/admission"
)

// Overload is the admission control of the public listener (package
// admission; docs/operations.md, "Overload"), as given; Validate parses it
// into Admission.
type Overload struct {
	AdmissionAuthorize string `yaml:"admission_authorize"`
	AdmissionLogin     string `yaml:"admission_login"`
	AdmissionToken     string `yaml:"admission_token"`
	AdmissionUserinfo  string `yaml:"admission_userinfo"`
	AdmissionMaxWait   string `yaml:"admission_max_wait"`

	// Admission is the parsed configuration; "auto" limits are sized when
	// the node starts (admission.Config.Resolve), once the database pool
	// is known.
	Admission admission.Config `yaml:"-"`
}

// overloadOptions are the flags of Overload, PostgreSQL's durable flow
// writes and the SQLite integrity check, added to options at start-up so
// they sit together.
var overloadOptions = []option{
	{"admission-authorize", "SIGIL_ADMISSION_AUTHORIZE", "auto", "requests to /oauth2/auth served at once by this node, N or N:QUEUE (QUEUE more may wait up to --admission-max-wait), auto (2 x GOMAXPROCS, and 4 times as many queued) or off; beyond them 503 temporarily_unavailable", func(c *Config) *string { return &c.AdmissionAuthorize }},
	{"admission-login", "SIGIL_ADMISSION_LOGIN", "auto", "requests to /login/challenge, /login/verify and /login/reverse served at once, N[:QUEUE], auto (4 x GOMAXPROCS, and 4 times as many queued) or off", func(c *Config) *string { return &c.AdmissionLogin }},
	{"admission-token", "SIGIL_ADMISSION_TOKEN", "auto", "requests to the token and revocation endpoints served at once, N[:QUEUE], auto (the larger of 32 x GOMAXPROCS and the database pool: room for group commit's batches; 4 times as many queued) or off", func(c *Config) *string { return &c.AdmissionToken }},
	{"admission-userinfo", "SIGIL_ADMISSION_USERINFO", "auto", "requests to userinfo and introspection served at once, N[:QUEUE], auto (the larger of 8 x GOMAXPROCS and the database pool; 4 times as many queued) or off", func(c *Config) *string { return &c.AdmissionUserinfo }},
	{"admission-max-wait", "SIGIL_ADMISSION_MAX_WAIT", "50ms", "longest a request waits in an admission queue before it is refused (a Go duration, 1ms to 10s)", func(c *Config) *string { return &c.AdmissionMaxWait }},
	{"db-durable-flow-writes", "SIGIL_DB_DURABLE_FLOW_WRITES", "false", "PostgreSQL: make the steps of a sign-in before the code exchange, and the session it opens, wait for the disk like every other write; by default they commit asynchronously through half of --db-max-conns, and a crash of PostgreSQL itself can make the sign-ins of its last moments start again; " + boolValues, func(c *Config) *string { return &c.DBDurableFlowWritesText }},
	{"sqlite-skip-integrity-check", "SIGIL_SQLITE_SKIP_INTEGRITY_CHECK", "false", "SQLite: skip PRAGMA quick_check when the database opens (it reads the whole file: for very large files); " + boolValues, func(c *Config) *string { return &c.SQLiteSkipIntegrityCheckText }},
}

// boolOptions are the string options that are booleans: given alone on
// the command line (--sqlite-skip-integrity-check) they mean true.
var boolOptions = []string{"sqlite-skip-integrity-check", "db-durable-flow-writes"}

func init() {
	options = append(options, overloadOptions...)
	databaseFlags = append(databaseFlags, "sqlite-skip-integrity-check", "db-durable-flow-writes")
}

// parseOverload parses Overload into c.Admission.
func (c *Config) parseOverload() []error {
	var errs []error
	c.Admission = admission.Config{Limits: map[admission.Class]admission.Limit{}}
	for _, l := range []struct {
		flag, value string
		class       admission.Class
	}{
		{"--admission-authorize", c.AdmissionAuthorize, admission.ClassAuthorize},
		{"--admission-login", c.AdmissionLogin, admission.ClassLogin},
		{"--admission-token", c.AdmissionToken, admission.ClassToken},
		{"--admission-userinfo", c.AdmissionUserinfo, admission.ClassUserinfo},
	} {
		v, err := admission.ParseLimit(l.value)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %v", l.flag, err))
		}
		c.Admission.Limits[l.class] = v
	}
	wait, err := time.ParseDuration(c.AdmissionMaxWait)
	if err != nil || wait < time.Millisecond || wait > 10*time.Second {
		errs = append(errs, fmt.Errorf("--admission-max-wait %q must be a Go duration from 1ms to 10s, such as 50ms", c.AdmissionMaxWait))
	}
	c.Admission.MaxWait = wait
	return errs
}
