package e2e

import (
	"bytes"
	"database/sql"
	"fmt"
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

// serveUntilStarted runs `sigil serve` with args and extra environment in
// dir until it logs that it started, and returns its output so far; it
// fails the test if the process exits first. The process stops at the
// test's end.
func serveUntilStarted(t *testing.T, dir string, env []string, args ...string) string {
	t.Helper()
	cmd := exec.Command(sigilBin, append([]string{"serve"}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() { cmd.Process.Kill(); <-done })
	deadline := time.After(20 * time.Second)
	for !strings.Contains(out.String(), "sigil started") {
		select {
		case err := <-done:
			done <- err
			t.Fatalf("sigil serve %v exited: %v\n%s", args, err, out.String())
		case <-deadline:
			t.Fatalf("sigil serve %v did not start:\n%s", args, out.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
	return out.String()
}

// sigilFails runs the binary with args and extra environment, expects a
// non-zero exit without a panic, and returns its output.
func sigilFails(t *testing.T, env []string, args ...string) string {
	t.Helper()
	cmd := exec.Command(sigilBin, args...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err == nil || cmd.ProcessState.ExitCode() == 0 || strings.Contains(string(out), "panic") {
		t.Fatalf("%v %v: exit %v\n%s", env, args, err, out)
	}
	return string(out)
}

// TestDevIssuerFollowsPublicAddr: `serve --dev --public-addr` without
// --issuer serves its issuer, demo and demo client on that address, and the
// banner's try: line works as printed; an explicit loopback issuer on
// another port starts with a warning naming both settings.
func TestDevIssuerFollowsPublicAddr(t *testing.T) {
	public, admin := freeAddr(t), freeAddr(t)
	issuer := "http://" + public
	banner := serveUntilStarted(t, t.TempDir(), nil, "--dev", "--data-dir", "data", "--public-addr", public, "--admin-addr", admin)
	for _, want := range []string{"issuer:      " + issuer + "\n", "demo:        " + issuer + "/demo  (sign in as alice.crypto"} {
		if !strings.Contains(banner, want) {
			t.Fatalf("banner lacks %q:\n%s", want, banner)
		}
	}
	b := newBrowser(t, issuer)
	if resp, page := b.get(issuer + "/.well-known/openid-configuration"); resp.StatusCode != 200 || !strings.Contains(page, `"issuer":"`+issuer+`"`) {
		t.Fatalf("discovery on --public-addr: %d %s", resp.StatusCode, page)
	}
	try := regexp.MustCompile(`(?m)^  try:\s+(.+)$`).FindStringSubmatch(banner)
	if try == nil || !strings.Contains(try[1], "SIGIL_ADMIN_URL=http://"+admin) {
		t.Fatalf("try: line without the admin URL:\n%s", banner)
	}
	out, err := exec.Command("bash", "-c", try[1]).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "sigil-demo") || !strings.Contains(string(out), issuer+"/demo/callback") {
		t.Fatalf("the try: line %q does not work as printed: %v\n%s", try[1], err, out)
	}

	other := freeAddr(t)
	logs := serveUntilStarted(t, t.TempDir(), nil, "--dev", "--data-dir", "data", "--public-addr", freeAddr(t), "--admin-addr", freeAddr(t), "--issuer", "http://"+other)
	if !strings.Contains(logs, "level=WARN") || !strings.Contains(logs, "--issuer http://"+other) || !strings.Contains(logs, "--public-addr listens on") {
		t.Fatalf("no warning for an issuer on another loopback port:\n%s", logs)
	}
}

// TestBooleanSettings: SIGIL_DEV=y is refused naming SIGIL_DEV (it used to
// mean off, and the error then blamed --admin-token); SIGIL_DEV=yes with
// the file named by SIGIL_CONFIG starts the development server.
func TestBooleanSettings(t *testing.T) {
	out := sigilFails(t, []string{"SIGIL_DEV=y"}, "serve", "--data-dir", t.TempDir())
	if !strings.Contains(out, "SIGIL_DEV") || !strings.Contains(out, "yes/no") || strings.Contains(out, "--admin-token") {
		t.Fatalf("SIGIL_DEV=y: %s", out)
	}
	dir := t.TempDir()
	public := freeAddr(t)
	file := filepath.Join(dir, "sigil.yaml")
	os.WriteFile(file, []byte("public_addr: "+public+"\nadmin_addr: "+freeAddr(t)+"\ndata_dir: "+filepath.Join(dir, "data")+"\n"), 0o600)
	banner := serveUntilStarted(t, dir, []string{"SIGIL_DEV=yes", "SIGIL_CONFIG=" + file})
	if !strings.Contains(banner, "Development mode") || !strings.Contains(banner, "issuer:      http://"+public) {
		t.Fatalf("SIGIL_DEV=yes with SIGIL_CONFIG:\n%s", banner)
	}
}

// TestErrorsNameTheirSetting: each of these used to be an error that did
// not say which setting to fix, or where in the file.
func TestErrorsNameTheirSetting(t *testing.T) {
	dir := t.TempDir()
	aFile := filepath.Join(dir, "a-file")
	os.WriteFile(aFile, nil, 0o600)
	registry := filepath.Join(dir, "domains.yaml")
	os.WriteFile(registry, []byte("domains:\n  alice.crypto:\n    owner: \"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed\"\n   records:\n      profile.name: \"Alice\"\n"), 0o600)
	typo := filepath.Join(dir, "sigil.yaml")
	os.WriteFile(typo, []byte("dev: true\nadmin_tokn: 0123456789abcdef\n"), 0o600)
	listen := []string{"--public-addr", freeAddr(t), "--admin-addr", freeAddr(t)}
	cases := []struct {
		args []string
		want []string
	}{
		{append([]string{"serve", "--dev", "--data-dir", t.TempDir(), "--dsn", "/nonexistent/x.db"}, listen...),
			[]string{`--dsn "/nonexistent/x.db"`, "/nonexistent does not exist"}},
		{append([]string{"serve", "--dev", "--data-dir", aFile + "/data"}, listen...), []string{`--data-dir "` + aFile + `/data" cannot be used`}},
		{append([]string{"serve", "--dev", "--data-dir", t.TempDir(), "--domains", registry}, listen...), []string{registry, "line 4: did not find expected key"}},
		{append([]string{"serve", "--config", typo}, listen...), []string{"line 2", `unknown key "admin_tokn"`, `did you mean "admin_token"?`, "valid keys are"}},
		{[]string{"webfinger-record", "alice.crypto"}, []string{"--issuer is required", "SIGIL_ISSUER"}},
	}
	for _, tc := range cases {
		out := sigilFails(t, []string{"SIGIL_ISSUER="}, tc.args...)
		for _, w := range tc.want {
			if !strings.Contains(out, w) {
				t.Errorf("%v: output lacks %q:\n%s", tc.args, w, out)
			}
		}
		if strings.Contains(out, "config.Config") || strings.Contains(out, "Usage:") {
			t.Errorf("%v: output shows Go types or the usage:\n%s", tc.args, out)
		}
	}
}

// TestMigrateShowsItsOwnFlags: `sigil migrate --help` lists the database
// settings only, and migrate works whatever serve's settings say.
func TestMigrateShowsItsOwnFlags(t *testing.T) {
	help, err := exec.Command(sigilBin, "migrate", "--help").CombinedOutput()
	if err != nil || !strings.Contains(string(help), "--dsn") || !strings.Contains(string(help), "--data-dir") {
		t.Fatalf("migrate --help: %v\n%s", err, help)
	}
	if m := regexp.MustCompile(`(?m)^\s+(--(issuer|admin-token|public-addr|dev|rate-limit-\S+|access-token-lifetime))\s`).FindStringSubmatch(string(help)); m != nil {
		t.Errorf("migrate --help shows serve's %s:\n%s", m[1], help)
	}
	cmd := exec.Command(sigilBin, "migrate", "--data-dir", t.TempDir())
	cmd.Env = append(os.Environ(), "SIGIL_ISSUER=ftp://nowhere", "SIGIL_ADMIN_TOKEN=short")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "applied migrations 1, 2") {
		t.Fatalf("migrate with serve settings in the environment: %v\n%s", err, out)
	}
}

// TestDevBannerFollowsTheRegistry: with --domains, the banner names the
// domains the development wallet owns in that file, or says it owns none,
// rather than sending the person to sign in as alice.crypto.
func TestDevBannerFollowsTheRegistry(t *testing.T) {
	key, err := crypto.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	other, err := crypto.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		registry string
		want     string
	}{
		{"domains:\n  alice.crypto:\n    owner: \"" + addr(other) + "\"\n  bob.crypto:\n    owner: \"" + addr(key) + "\"\n",
			"(sign in as bob.crypto with the development wallet)"},
		{"domains:\n  alice.crypto:\n    owner: \"" + addr(other) + "\"\n", "(the development wallet owns no domain in my.yaml"},
	} {
		dir := t.TempDir()
		os.MkdirAll(filepath.Join(dir, "data"), 0o700)
		os.WriteFile(filepath.Join(dir, "data", "dev-wallet.key"), []byte(fmt.Sprintf("%x\n", crypto.FromECDSA(key))), 0o600)
		os.WriteFile(filepath.Join(dir, "my.yaml"), []byte(tc.registry), 0o600)
		banner := serveUntilStarted(t, dir, nil, "--dev", "--data-dir", "data", "--domains", "my.yaml", "--public-addr", freeAddr(t), "--admin-addr", freeAddr(t))
		if !strings.Contains(banner, tc.want) || strings.Contains(banner, "sign in as alice.crypto") || !strings.Contains(banner, addr(key)) {
			t.Errorf("banner for\n%s\nlacks %q:\n%s", tc.registry, tc.want, banner)
		}
	}
}
