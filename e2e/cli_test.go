package e2e

import (
	"bytes"
	"database/sql"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/crypto"
	"golang.org/x/oauth2"

	"github.com/sigil-oidc/sigil/internal/pgtest"
)

// TestMisconfigurationExitsWithAMessage: a bad setting is a message naming
// the flag and a non-zero exit, never a panic.
func TestMisconfigurationExitsWithAMessage(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"serve", "--data-dir", t.TempDir()}, "--admin-token"},
		{[]string{"serve", "--dev", "--issuer", "http://example.com", "--data-dir", t.TempDir()}, "https"},
		{[]string{"serve", "--dev", "--public-addr", "nonsense", "--data-dir", t.TempDir()}, "--public-addr"},
		{[]string{"serve", "--admin-token", "0123456789abcdef0", "--domains", "/does/not/exist.yaml", "--data-dir", t.TempDir(),
			"--public-addr", freeAddr(t), "--admin-addr", freeAddr(t)}, "exist.yaml"},
		{[]string{"serve", "--dev", "--config", "/does/not/exist.yaml"}, "config file"},
	}
	for _, tc := range cases {
		cmd := exec.Command(sigilBin, tc.args...)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		if err == nil || cmd.ProcessState.ExitCode() == 0 {
			t.Errorf("%v: exit 0", tc.args)
		}
		if !strings.Contains(out.String(), tc.want) || strings.Contains(out.String(), "panic") {
			t.Errorf("%v: output %q does not name %q", tc.args, out.String(), tc.want)
		}
	}
}

// TestMigrate applies the schema explicitly and says which versions it
// applied; run again, it finds nothing to do and says so.
func TestMigrate(t *testing.T) {
	dir := t.TempDir()
	out, err := exec.Command(sigilBin, "migrate", "--data-dir", dir).CombinedOutput()
	m := regexp.MustCompile(`applied migrations 1, 2[0-9, ]*; now at version (\d+)`).FindSubmatch(out)
	if err != nil || m == nil {
		t.Fatalf("first migrate: %v %s", err, out)
	}
	out, err = exec.Command(sigilBin, "migrate", "--data-dir", dir).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "already at version "+string(m[1])+", nothing to apply") {
		t.Fatalf("second migrate: %v %s", err, out)
	}
	if _, err := os.Stat(filepath.Join(dir, "sigil.db")); err != nil {
		t.Fatal(err)
	}
}

// TestMigrateAndServePostgres: `sigil migrate --dsn postgres://...` applies
// the schema without printing the password, then `sigil serve` on the same
// DSN stores what the admin API creates in PostgreSQL, and a restart on it
// finds it again.
func TestMigrateAndServePostgres(t *testing.T) {
	u, err := url.Parse(pgtest.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	// The throwaway server trusts loopback connections, so any password
	// works; it is here to show that output hides it.
	u.User = url.UserPassword(u.User.Username(), "pg-secret-word")
	dsn := u.String()
	for i, want := range []string{"applied migrations 1, 2", "already at version"} {
		out, err := exec.Command(sigilBin, "migrate", "--dsn", dsn, "--db-max-conns", "2", "--data-dir", t.TempDir()).CombinedOutput()
		if err != nil || !strings.Contains(string(out), want) || strings.Contains(string(out), "pg-secret-word") {
			t.Fatalf("migrate #%d: %v %s", i+1, err, out)
		}
	}
	in := &instance{AdminToken: "e2e-admin-token-0123456789", DataDir: t.TempDir(), DSN: dsn}
	if in.Alice, err = crypto.GenerateKey(); err != nil {
		t.Fatal(err)
	}
	in.Bob = in.Alice
	run(t, in, "--db-statement-timeout", "2s")
	id, _ := in.createClient(t, map[string]any{"redirect_uris": []string{testRedirect}})
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow("SELECT count(*) FROM clients WHERE id = $1", id).Scan(&n); err != nil || n != 1 {
		t.Fatalf("client %s in PostgreSQL: %d, %v", id, n, err)
	}
	again := restartOn(t, in)
	if st, _ := again.adminDo(t, "GET", "/admin/clients/"+id, nil); st != 200 {
		t.Fatalf("client after restart: %d", st)
	}
}

// TestDevMode is the newcomer's first run: `sigil serve --dev` prints the
// URLs and an admin token, and the demo client and domain work with the
// development wallet's key.
func TestDevMode(t *testing.T) {
	dir := t.TempDir()
	public, admin := freeAddr(t), freeAddr(t)
	issuer := "http://" + public
	cmd := exec.Command(sigilBin, "serve", "--dev", "--data-dir", dir, "--issuer", issuer, "--public-addr", public, "--admin-addr", admin)
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(out.String(), "admin token:") {
		if time.Now().After(deadline) {
			t.Fatalf("no banner:\n%s", out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	banner := out.String()
	for _, want := range []string{issuer + "/demo", "alice.crypto", "dev wallet:"} {
		if !strings.Contains(banner, want) {
			t.Fatalf("banner lacks %q:\n%s", want, banner)
		}
	}
	token := regexp.MustCompile(`admin token: (\S+)`).FindStringSubmatch(banner)[1]
	in := &instance{Issuer: issuer, Admin: "http://" + admin, AdminToken: token}
	if st, body := in.adminDo(t, "GET", "/admin/clients/sigil-demo", nil); st != 200 || !strings.Contains(string(body), issuer+"/demo/callback") {
		t.Fatalf("demo client: %d %s", st, body)
	}
	keyHex, err := os.ReadFile(filepath.Join(dir, "dev-wallet.key"))
	if err != nil {
		t.Fatal(err)
	}
	key, err := crypto.HexToECDSA(strings.TrimSpace(string(keyHex)))
	if err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, issuer)
	resp, page := b.get(issuer + "/demo")
	if resp.StatusCode != 200 || !strings.Contains(page, "sigil-demo") {
		t.Fatalf("demo page: %d", resp.StatusCode)
	}
	verifier := oauth2.GenerateVerifier()
	conf := &oauth2.Config{ClientID: "sigil-demo", RedirectURL: issuer + "/demo/callback", Scopes: []string{"openid", "wallet"},
		Endpoint: oauth2.Endpoint{AuthURL: issuer + "/oauth2/auth", TokenURL: issuer + "/oauth2/token"}}
	flow := b.authorize(conf.AuthCodeURL("state-0123456789", oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("login_hint", "alice.crypto")))
	if resp, page := b.get(issuer + "/login?flow=" + flow); resp.StatusCode != 200 || !strings.Contains(page, "Development wallet") {
		t.Fatalf("login page under --dev does not offer the development wallet: %d", resp.StatusCode)
	}
	if _, st, v := b.signIn(flow, "alice.crypto", key); st != 200 {
		t.Fatalf("dev wallet sign-in: %d %v", st, v)
	}
	_, acc := b.api("/consent/accept", map[string]any{"flow": flow, "grant_scope": []string{"openid", "wallet"}})
	u, _ := url.Parse(acc["redirect_to"].(string))
	if _, err := conf.Exchange(ctx(t), u.Query().Get("code"), oauth2.VerifierOption(verifier)); err != nil {
		t.Fatalf("demo exchange: %v", err)
	}
}

// TestNoDevWalletOutsideDev: the development wallet exists only under --dev.
func TestNoDevWalletOutsideDev(t *testing.T) {
	in := startSigil(t)
	id, _ := in.createClient(t, map[string]any{"redirect_uris": []string{testRedirect}})
	b := newBrowser(t, in.Issuer)
	flow := b.authorize(in.Issuer + "/oauth2/auth?" + authParams(id).Encode())
	if _, page := b.get(in.Issuer + "/login?flow=" + flow); strings.Contains(page, "Development wallet") || strings.Contains(page, "data-dev-wallet-key") {
		t.Fatal("development wallet offered outside --dev")
	}
	if resp, _ := b.get(in.Issuer + "/demo"); resp.StatusCode != 404 {
		t.Fatalf("/demo outside --dev: %d", resp.StatusCode)
	}
}

// TestRefreshNeedsTheGrantType: a client not registered for refresh_token
// gets unauthorized_client.
func TestRefreshNeedsTheGrantType(t *testing.T) {
	in := startSigil(t)
	id, secret := in.createClient(t, map[string]any{"redirect_uris": []string{testRedirect}})
	st, body, _ := postToken(t, in, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"sigil_rt_x.y"}}, id, secret)
	if st != 400 || body["error"] != "unauthorized_client" {
		t.Fatalf("%d %v", st, body)
	}
}
