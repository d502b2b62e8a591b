package config

import (
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

// TestPlaceholdersRefused: a setting that still holds the example files'
// CHANGE-ME is refused, named by its flag or variable, wherever it sits in
// the value (a DSN's password is otherwise a valid DSN), and without
// printing the value, which may be a secret. sigil migrate refuses it in
// its database settings too.
func TestPlaceholdersRefused(t *testing.T) {
	env := map[string]string{
		"SIGIL_DSN":         "postgres://sigil:CHANGE-ME@postgres-rw:5432/sigil?sslmode=verify-full",
		"SIGIL_ADMIN_TOKEN": "CHANGE-ME",
		"SIGIL_UNS_L1_RPC":  "https://mainnet.example/CHANGE-ME",
	}
	_, err := load(t, []string{"--issuer", "https://login.example.com", "--domains", "uns", "--system-secret", "CHANGE-ME-CHANGE-ME-CHANGE-ME-CHANGE-ME"}, env)
	for _, want := range []string{
		"SIGIL_DSN (--dsn) still holds the placeholder CHANGE-ME",
		"SIGIL_ADMIN_TOKEN (--admin-token) still holds the placeholder CHANGE-ME",
		"SIGIL_UNS_L1_RPC (--uns-l1-rpc) still holds the placeholder CHANGE-ME",
		"--system-secret still holds the placeholder CHANGE-ME",
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("err = %v, want it to say %q", err, want)
		}
	}
	if err != nil && (strings.Contains(err.Error(), "postgres-rw") || strings.Contains(err.Error(), "at least 16")) {
		t.Errorf("the error quotes a value, or restates the placeholder as another fault: %v", err)
	}

	fs := pflag.NewFlagSet("migrate", pflag.ContinueOnError)
	RegisterDatabaseFlags(fs)
	if err := fs.Parse([]string{"--dsn", "host=db user=sigil password=CHANGE-ME"}); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadDatabase(fs, func(string) string { return "" }); err == nil || !strings.Contains(err.Error(), "--dsn still holds the placeholder") {
		t.Errorf("migrate: err = %v", err)
	}
	// A setting migrate does not read does not stop it.
	fs = pflag.NewFlagSet("migrate", pflag.ContinueOnError)
	RegisterDatabaseFlags(fs)
	if _, err := LoadDatabase(fs, func(k string) string { return map[string]string{"SIGIL_ADMIN_TOKEN": "CHANGE-ME"}[k] }); err != nil {
		t.Errorf("migrate with serve's setting holding the placeholder: %v", err)
	}
}
