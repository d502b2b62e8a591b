package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// TestReadOrCreateOneContentForAll: callers that find no file at once, as
// nodes starting together on a shared data dir (no --system-secret), all
// end up with the same content, written whole, and the file holds it with
// mode 0600; later callers read it without generating.
func TestReadOrCreateOneContentForAll(t *testing.T) {
	path := filepath.Join(t.TempDir(), "system-secret")
	const n = 32
	got := make([]string, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			b, err := readOrCreate(path, func() []byte { return []byte(fmt.Sprintf("secret of caller %02d, long enough\n", i)) })
			if err != nil {
				t.Error(err)
			}
			got[i] = string(b)
		})
	}
	close(start)
	wg.Wait()
	for i := range got {
		if got[i] != got[0] || len(got[i]) != len("secret of caller 00, long enough\n") {
			t.Fatalf("caller %d read %q, caller 0 %q", i, got[i], got[0])
		}
	}
	if info, err := os.Stat(path); err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("the file: %v, %v", info, err)
	}
	if b, err := readOrCreate(path, func() []byte { t.Fatal("generated again"); return nil }); err != nil || string(b) != got[0] {
		t.Fatalf("a later read: %q, %v", b, err)
	}
	if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 1 {
		t.Errorf("temporary files left: %v", entries)
	}
}

// TestRedactDSN: output never shows a password, whatever the DSN's form:
// a PostgreSQL URL, a URL of a database Sigil refuses, a libpq key/value
// string (quoted or not, one whose value looks like a URL); a SQLite path
// is shown as it is.
func TestRedactDSN(t *testing.T) {
	for dsn, want := range map[string]string{
		"postgres://u:s3cret@db/sigil":                           "postgres://u:xxxxx@db/sigil",
		"mysql://u:s3cret@db/sigil":                              "mysql://u:xxxxx@db/sigil",
		"host=db password=s3cret dbname=sigil":                   "host=db password=xxxxx dbname=sigil",
		"host=db password='s3 cret' dbname=sigil":                "host=db password=xxxxx dbname=sigil",
		"host=/run/pg password=abc://s3cret dbname=sigil":        "host=/run/pg password=xxxxx dbname=sigil",
		"/var/lib/sigil/sigil.db":                                "/var/lib/sigil/sigil.db",
		"file:/var/lib/sigil/sigil.db?_pragma=busy_timeout(500)": "file:/var/lib/sigil/sigil.db?_pragma=busy_timeout(500)",
	} {
		if got := redactDSN(dsn); got != want || strings.Contains(got, "s3") {
			t.Errorf("redactDSN(%q) = %q, want %q", dsn, got, want)
		}
	}
}

// TestWebFingerRecordKeepsTheAmpersand: the record value reads as the URL
// it names, "&" included, as docs/integrate-uauth.md shows it, and is
// JSON that decodes to that URL.
func TestWebFingerRecordKeepsTheAmpersand(t *testing.T) {
	v, err := WebFingerRecord("https://login.example.com/", "alice.crypto")
	if err != nil || strings.Contains(v, `\u0026`) || !strings.Contains(v, "&resource=alice.crypto") || strings.HasSuffix(v, "\n") {
		t.Fatalf("WebFingerRecord = %q, %v", v, err)
	}
	var rec struct{ URI string }
	if err := json.Unmarshal([]byte(v), &rec); err != nil || !strings.HasPrefix(rec.URI, "https://login.example.com/.well-known/webfinger?") {
		t.Fatalf("the value does not decode to the WebFinger URL: %q, %v", rec.URI, err)
	}
}

// TestVersion: sigil version and sigil --version name the Go release the
// binary was built with (and, in a build from a checkout with VCS stamping,
// its commit), so that an operator can check a fleet runs one release.
func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"version"}, {"--version"}} {
		root := NewRootCommand()
		root.SetArgs(args)
		var out strings.Builder
		root.SetOut(&out)
		if err := root.Execute(); err != nil {
			t.Fatalf("sigil %s: %v", args[0], err)
		}
		if got := out.String(); !strings.HasPrefix(got, "sigil ") || !strings.Contains(got, runtime.Version()) {
			t.Errorf("sigil %s printed %q, want sigil and %s", args[0], got, runtime.Version())
		}
	}
}

// TestStrayArgumentsRefused: a leaf command refuses positional arguments it
// does not take, naming them; above all serve, where "--dev false" would
// otherwise have read as --dev and a word dropped, turning the setting on.
func TestStrayArgumentsRefused(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"serve", "--dev", "false"}, `sigil serve takes no arguments, but was given "false" (a boolean flag takes its value after =, as --dev=false`},
		{[]string{"serve", "extra"}, `sigil serve takes no arguments, but was given "extra"; usage: sigil serve [flags]`},
		{[]string{"migrate", "false"}, `sigil migrate takes no arguments`},
		{[]string{"clients", "get"}, `sigil clients get takes 1 argument, but was given 0; usage: sigil clients get CLIENT_ID`},
		{[]string{"webfinger-record"}, `usage: sigil webfinger-record DOMAIN`},
		{[]string{"dev", "sign", "a", "b"}, `sigil dev sign takes at most 1 argument, but was given 2`},
	} {
		root := NewRootCommand()
		root.SetArgs(tc.args)
		root.SetOut(io.Discard)
		root.SetErr(io.Discard)
		if err := root.Execute(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("sigil %s: %v, want %q", strings.Join(tc.args, " "), err, tc.want)
		}
	}
}

// TestUnknownSubcommandFails: a command that only groups others fails on an
// argument that names none of them (a typo, "clients update"), instead of
// printing the help and exiting 0 as if it had worked; without arguments
// it prints the help.
func TestUnknownSubcommandFails(t *testing.T) {
	for _, args := range [][]string{{"clients", "update", "app1"}, {"keys", "nope"}, {"sessions", "nope"}, {"consents", "nope"}, {"dev", "nope"}} {
		root := NewRootCommand()
		root.SetArgs(args)
		root.SetOut(io.Discard)
		root.SetErr(io.Discard)
		if err := root.Execute(); err == nil || !strings.Contains(err.Error(), `unknown command "`+args[1]+`"`) {
			t.Errorf("sigil %s: %v, want unknown command", strings.Join(args, " "), err)
		}
	}
	root := NewRootCommand()
	root.SetArgs([]string{"clients"})
	var out strings.Builder
	root.SetOut(&out)
	if err := root.Execute(); err != nil || !strings.Contains(out.String(), "Available Commands") {
		t.Errorf("sigil clients: %v, want the help", err)
	}
}
