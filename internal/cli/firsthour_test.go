package cli

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/accounts"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/sigil-oidc/sigil"
	"github.com/sigil-oidc/sigil/internal/config"
	"github.com/sigil-oidc/sigil/internal/domains/static"
)

// runRoot executes the sigil command with args and stdin.
func runRoot(t *testing.T, stdin string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	cmd := NewRootCommand()
	var out, errOut bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	cmd.SetIn(strings.NewReader(stdin))
	cmd.SetArgs(args)
	err = cmd.Execute()
	return out.String(), errOut.String(), err
}

// TestCreateRefusesOptionalAndUnknownScopes: `clients create` refuses a
// scope in its ":optional" form, saying what to register instead, and an
// unknown scope, listing the known ones; nothing is stored. A client with
// the client_credentials grant keeps free-form API scopes.
func TestCreateRefusesOptionalAndUnknownScopes(t *testing.T) {
	api := newTestAPI(t)
	cases := []struct {
		scope string
		want  []string
	}{
		{"openid wallet email:optional profile", []string{"error: invalid_client_metadata: ", "scope 'email:optional'",
			"chosen in each authorization request", "Register scope 'openid wallet email profile'", "may then request 'email:optional'"}},
		{"openid email email:optional", []string{"Register scope 'openid email'"}},
		{"openid bogus", []string{"error: invalid_client_metadata: ", "scope 'bogus' is unknown", "Known scopes: openid wallet email profile social",
			"profile:name", "offline_access", "client_credentials"}},
		{"openid profile:nmae", []string{"scope 'profile:nmae' is unknown"}},
	}
	for _, tc := range cases {
		_, errOut, err := run(t, "create", "--id", "scoped", "--redirect-uri", "https://app.example.com/cb", "--scope", tc.scope,
			"--admin-url", api.url, "--admin-token", cliToken)
		if err == nil {
			t.Fatalf("--scope %q was accepted", tc.scope)
		}
		for _, w := range tc.want {
			if !strings.Contains(errOut, w) {
				t.Errorf("--scope %q: stderr %q lacks %q", tc.scope, errOut, w)
			}
		}
		if api.store.client("scoped") != nil {
			t.Fatalf("--scope %q: a client was stored", tc.scope)
		}
	}
	// Every known scope, sub-scopes included, is accepted.
	api.runOK(t, "create", "--id", "every-scope", "--redirect-uri", "https://app.example.com/cb",
		"--scope", "openid wallet email profile profile:name social:twitter humanity_check badges phone address offline_access")
	// API scopes stay free-form with the client_credentials grant, also
	// beside the authorization code grant.
	api.runOK(t, "create", "--id", "billing", "--grant-type", "client_credentials", "--scope", "invoices:read invoices:write")
	api.runOK(t, "create", "--id", "both", "--grant-type", "authorization_code", "--grant-type", "client_credentials",
		"--redirect-uri", "https://app.example.com/cb", "--scope", "openid wallet invoices:read")
	if c := api.store.client("both"); c == nil || !c.Scope.Has("invoices:read") {
		t.Fatalf("client with both grants: %+v", c)
	}
}

// TestDevSignSignsAsTheDevWallet: `sigil dev sign` signs with the key that
// serve --dev keeps in the data dir, as personal_sign does (EIP-191, v 27
// or 28), given the message as an argument, as text on stdin, or as the
// answer of POST /login/challenge on stdin.
func TestDevSignSignsAsTheDevWallet(t *testing.T) {
	dir := t.TempDir()
	key, err := crypto.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, devWalletFile), []byte(hex.EncodeToString(crypto.FromECDSA(key))+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	message := "127.0.0.1:4444 wants you to sign in with your Ethereum account:\n" + crypto.PubkeyToAddress(key.PublicKey).Hex() + "\n\nRequest ID: f"
	challenge := `{"message":"127.0.0.1:4444 wants you to sign in with your Ethereum account:\n` + crypto.PubkeyToAddress(key.PublicKey).Hex() +
		`\n\nRequest ID: f","address":"0x0","expires_at":"2026-11-27T15:14:05Z"}` + "\n"
	t.Setenv("SIGIL_DATA_DIR", "")
	for name, c := range map[string]struct {
		stdin string
		args  []string
	}{
		"argument":     {"", []string{"dev", "sign", "--data-dir", dir, message}},
		"stdin text":   {message + "\n", []string{"dev", "sign", "--data-dir", dir}},
		"stdin answer": {challenge, []string{"dev", "sign", "--data-dir", dir}},
	} {
		out, errOut, err := runRoot(t, c.stdin, c.args...)
		if err != nil {
			t.Fatalf("%s: %v %s", name, err, errOut)
		}
		sig, err := hex.DecodeString(strings.TrimPrefix(strings.TrimSpace(out), "0x"))
		if err != nil || len(sig) != 65 || (sig[64] != 27 && sig[64] != 28) {
			t.Fatalf("%s: signature %q", name, out)
		}
		sig[64] -= 27
		pub, err := crypto.SigToPub(accounts.TextHash([]byte(message)), sig)
		if err != nil || crypto.PubkeyToAddress(*pub) != crypto.PubkeyToAddress(key.PublicKey) {
			t.Fatalf("%s: the signature does not recover to the dev wallet: %v", name, err)
		}
	}
	// SIGIL_DATA_DIR works as serve's does.
	t.Setenv("SIGIL_DATA_DIR", dir)
	if _, errOut, err := runRoot(t, "", "dev", "sign", message); err != nil {
		t.Fatalf("SIGIL_DATA_DIR: %v %s", err, errOut)
	}
	t.Setenv("SIGIL_DATA_DIR", "")

	for name, c := range map[string]struct {
		stdin string
		args  []string
		want  string
	}{
		"no wallet":            {"", []string{"dev", "sign", "--data-dir", t.TempDir(), "m"}, "start `sigil serve --dev` first"},
		"no message":           {"", []string{"dev", "sign", "--data-dir", dir}, "no message"},
		"an error answer":      {`{"error":"not_found","error_description":"No such flow."}`, []string{"dev", "sign", "--data-dir", dir}, "not_found: No such flow."},
		"JSON without message": {`{"redirect_to":"x"}`, []string{"dev", "sign", "--data-dir", dir}, `without a "message"`},
	} {
		if _, errOut, err := runRoot(t, c.stdin, c.args...); err == nil || !strings.Contains(errOut, c.want) {
			t.Errorf("%s: %v, stderr %q, want %q", name, err, errOut, c.want)
		}
	}
}

// TestDevPKCE: the pair matches (S256, RFC 7636 section 4.2), including for
// the verifier of RFC 7636 appendix B, and is printed as shell
// assignments.
func TestDevPKCE(t *testing.T) {
	out, _, err := runRoot(t, "", "dev", "pkce")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`^code_verifier=([A-Za-z0-9_-]{43})\ncode_challenge=([A-Za-z0-9_-]{43})\n$`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("output %q", out)
	}
	sum := sha256.Sum256([]byte(m[1]))
	if base64.RawURLEncoding.EncodeToString(sum[:]) != m[2] {
		t.Fatalf("challenge %s is not the S256 of verifier %s", m[2], m[1])
	}
	again, _, _ := runRoot(t, "", "dev", "pkce")
	if again == out {
		t.Fatal("two runs printed the same verifier")
	}
	out, _, err = runRoot(t, "", "dev", "pkce", "--verifier", "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")
	if err != nil || !strings.Contains(out, "code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM\n") {
		t.Fatalf("RFC 7636 appendix B: %v %q", err, out)
	}
	for _, bad := range []string{"short", "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk$(reboot)"} {
		if _, errOut, err := runRoot(t, "", "dev", "pkce", "--verifier", bad); err == nil || !strings.Contains(errOut, "RFC 7636") {
			t.Errorf("--verifier %q: %v %q", bad, err, errOut)
		}
	}
}

// TestMigrateHasOnlyItsFlags: migrate shows and reads only the database
// settings, so a serve setting in the environment cannot stop it.
func TestMigrateHasOnlyItsFlags(t *testing.T) {
	cmd := newMigrateCommand()
	for _, f := range []string{"config", "data-dir", "dsn", "db-max-conns"} {
		if cmd.Flags().Lookup(f) == nil {
			t.Errorf("migrate lacks --%s", f)
		}
	}
	for _, f := range []string{"issuer", "admin-token", "dev", "public-addr", "rate-limit-keys", "access-token-lifetime"} {
		if cmd.Flags().Lookup(f) != nil {
			t.Errorf("migrate has serve's --%s", f)
		}
	}
	t.Setenv("SIGIL_ISSUER", "ftp://nowhere")
	t.Setenv("SIGIL_DEV", "maybe")
	dir := t.TempDir()
	out, errOut, err := runRoot(t, "", "migrate", "--data-dir", dir)
	if err != nil || !regexp.MustCompile(`database \S+sigil.db: applied migrations 1, 2[0-9, ]*; now at version \d+\n`).MatchString(out) {
		t.Fatalf("migrate: %v %q %q", err, out, errOut)
	}
}

// TestErrorsNameTheSetting: a database or data dir that cannot be used,
// and a WebFinger record without an issuer, are errors that name the
// setting to fix.
func TestErrorsNameTheSetting(t *testing.T) {
	file := filepath.Join(t.TempDir(), "a-file")
	os.WriteFile(file, nil, 0o600)
	t.Setenv("SIGIL_ISSUER", "")
	t.Setenv("SIGIL_DSN", "")
	t.Setenv("SIGIL_DATA_DIR", "")
	cases := []struct {
		args []string
		want []string
	}{
		{[]string{"migrate", "--dsn", "/nonexistent/x.db"}, []string{`--dsn "/nonexistent/x.db"`, "directory /nonexistent does not exist"}},
		{[]string{"migrate", "--dsn", file + "/x.db"}, []string{"--dsn", "is not a directory"}},
		{[]string{"migrate", "--data-dir", file + "/sub"}, []string{`--data-dir "` + file + `/sub" cannot be used`}},
		{[]string{"webfinger-record", "alice.crypto"}, []string{"--issuer is required", "SIGIL_ISSUER"}},
		{[]string{"webfinger-record", "alice.crypto", "--issuer", "login.example.com"}, []string{`--issuer "login.example.com" must be the absolute http(s) URL`}},
	}
	for _, tc := range cases {
		_, errOut, err := runRoot(t, "", tc.args...)
		for _, w := range tc.want {
			if err == nil || !strings.Contains(errOut, w) {
				t.Errorf("%v: %v, stderr %q lacks %q", tc.args, err, errOut, w)
			}
		}
	}
}

// TestDemoAdviceSaysWhatIsTrue: the banner's demo line names the domains
// the development wallet owns in the registry in use, or says it owns
// none, instead of always naming alice.crypto.
func TestDemoAdviceSaysWhatIsTrue(t *testing.T) {
	dev, other := "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359"
	registry := func(owners map[string]string) *static.Registry {
		ds := map[string]sigil.Domain{}
		for name, owner := range owners {
			ds[name] = sigil.Domain{Owner: owner}
		}
		r, err := static.New(ds)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	cases := []struct {
		domains string
		owners  map[string]string
		want    string
	}{
		{"", map[string]string{"alice.crypto": dev}, "sign in as alice.crypto with the development wallet"},
		{"my.yaml", map[string]string{"alice.crypto": other, "bob.crypto": dev}, "sign in as bob.crypto with the development wallet"},
		{"my.yaml", map[string]string{"alice.crypto": dev, "bob.crypto": dev, "carol.x": dev}, "sign in as alice.crypto, bob.crypto or carol.x with"},
		{"my.yaml", map[string]string{"alice.crypto": other}, "the development wallet owns no domain in my.yaml"},
	}
	for _, tc := range cases {
		got := demoAdvice(t.Context(), &config.Config{Domains: tc.domains}, registry(tc.owners), dev)
		if !strings.Contains(got, tc.want) {
			t.Errorf("%v: %q, want %q", tc.owners, got, tc.want)
		}
	}
}
