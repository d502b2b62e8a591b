// Package e2e runs Sigil as people and relying parties meet it: the real
// `sigil serve` binary on loopback ports, golang.org/x/oauth2 and
// github.com/coreos/go-oidc/v3 as the relying party, and a secp256k1 key
// (go-ethereum) as the wallet.
package e2e

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/accounts"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/sigil-oidc/sigil/internal/pgtest"
)

var sigilBin string

func TestMain(m *testing.M) {
	// No shutdown delay for the processes the tests start, so that stopping
	// one at a test's end takes no seconds; the tests of the delay pass
	// --shutdown-delay, which wins over the environment.
	os.Setenv("SIGIL_SHUTDOWN_DELAY", "0")
	dir, err := os.MkdirTemp("", "sigil-e2e")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	sigilBin = filepath.Join(dir, "sigil")
	build := exec.Command("go", "build", "-o", sigilBin, "../cmd/sigil")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build sigil:", err)
		os.Exit(1)
	}
	code := pgtest.Main(m) // stops the PostgreSQL that pgtest.NewDatabase started
	os.RemoveAll(dir)
	os.Exit(code)
}

// instance is one running `sigil serve`.
type instance struct {
	Issuer     string
	Admin      string
	AdminToken string
	DataDir    string
	// DSN is the --dsn of the instance: empty for SQLite in DataDir, or a
	// pgtest database when SIGIL_TEST_STORE=postgres, kept so that a
	// restart finds the same database.
	DSN string
	// Alice owns alice.crypto, Bob owns bob.crypto.
	Alice, Bob *ecdsa.PrivateKey
	// cmd runs the process; logs holds its output.
	cmd  *exec.Cmd
	logs *syncBuffer
}

// handedOut holds every address freeAddr returned in this process.
var handedOut = struct {
	sync.Mutex
	addrs map[string]bool
}{addrs: map[string]bool{}}

// freeAddr returns a loopback address that nothing listened on when it was
// picked and that no earlier call returned. The kernel may pick a port it
// has just released again at once: two calls in a row once returned the
// same port for a node's public and admin listeners, and the node refused
// to start (CI).
func freeAddr(t *testing.T) string {
	t.Helper()
	for range 100 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		l.Close()
		handedOut.Lock()
		taken := handedOut.addrs[addr]
		handedOut.addrs[addr] = true
		handedOut.Unlock()
		if !taken {
			return addr
		}
	}
	t.Fatal("freeAddr: 100 ports in a row had been handed out before")
	return ""
}

// startSigil starts the binary with a static registry of two domains.
func startSigil(t *testing.T, extraArgs ...string) *instance {
	t.Helper()
	in := &instance{AdminToken: "e2e-admin-token-0123456789", DataDir: t.TempDir()}
	var err error
	if in.Alice, err = crypto.GenerateKey(); err != nil {
		t.Fatal(err)
	}
	if in.Bob, err = crypto.GenerateKey(); err != nil {
		t.Fatal(err)
	}
	return run(t, in, extraArgs...)
}

// restartOn starts another sigil on the data dir (and keys) of in.
func restartOn(t *testing.T, in *instance) *instance {
	t.Helper()
	again := *in
	return run(t, &again)
}

func filepathGlob(dir, pattern string) ([]string, error) {
	return filepath.Glob(filepath.Join(dir, pattern))
}

func run(t *testing.T, in *instance, extraArgs ...string) *instance {
	t.Helper()
	return runWith(t, in, append([]string{"--domains", writeRegistry(t, in)}, extraArgs...))
}

// writeRegistry writes the static registry of alice.crypto and bob.crypto.
func writeRegistry(t *testing.T, in *instance) string {
	t.Helper()
	registry := filepath.Join(in.DataDir, "domains.yaml")
	yaml := fmt.Sprintf("domains:\n  Alice.Crypto:\n    owner: %q\n    records:\n      crypto.ETH.address: %q\n"+
		"      whois.email.value: alice@example.com\n      profile.name: Alice Liddell\n      social.twitter.username: alice\n"+
		"      social.discord.username: alice#1865\n  bob.crypto:\n    owner: %q\n",
		strings.ToLower(addr(in.Alice)), addr(in.Alice), addr(in.Bob))
	if err := os.WriteFile(registry, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	return registry
}

// runWith starts sigil serve on in's data dir with args (which name the
// domain source) and waits until it answers.
func runWith(t *testing.T, in *instance, extraArgs []string) *instance {
	t.Helper()
	launch(t, in, extraArgs)
	in.waitFor(t, "/health/alive")
	return in
}

// launch starts sigil serve like runWith but returns at once, so that
// several nodes can start together (e2e/cluster_test.go).
func launch(t *testing.T, in *instance, extraArgs []string) {
	t.Helper()
	public, admin := freeAddr(t), freeAddr(t)
	in.Issuer, in.Admin = "http://"+public, "http://"+admin
	if in.DSN == "" && os.Getenv("SIGIL_TEST_STORE") == "postgres" {
		in.DSN = pgtest.NewDatabase(t)
	}
	args := []string{"serve", "--issuer", in.Issuer, "--public-addr", public, "--admin-addr", admin,
		"--data-dir", in.DataDir, "--admin-token", in.AdminToken}
	if in.DSN != "" {
		args = append(args, "--dsn", in.DSN)
	}
	args = append(args, extraArgs...)
	cmd := exec.Command(sigilBin, args...)
	logs := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("sigil output:\n%s", logs.String())
		}
	})
	in.cmd, in.logs = cmd, logs
}

// waitFor waits until the process answers path on its public listener with
// 200.
func (in *instance) waitFor(t *testing.T, path string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get(in.Issuer + path)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
			err = fmt.Errorf("status %d", resp.StatusCode)
		}
		if time.Now().After(deadline) {
			t.Fatalf("sigil did not answer %s: %v\n%s", path, err, in.logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// syncBuffer collects a process's output while the test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func addr(k *ecdsa.PrivateKey) string { return crypto.PubkeyToAddress(k.PublicKey).Hex() }

// sign makes an EIP-191 personal_sign signature as a wallet does.
func sign(t *testing.T, k *ecdsa.PrivateKey, message string) string {
	t.Helper()
	sig, err := crypto.Sign(accounts.TextHash([]byte(message)), k)
	if err != nil {
		t.Fatal(err)
	}
	sig[64] += 27
	return fmt.Sprintf("0x%x", sig)
}

// clientMetadata registers a client through the admin API and returns the
// response (client_id, client_secret).
func (in *instance) createClient(t *testing.T, metadata map[string]any) (id, secret string) {
	t.Helper()
	status, body := in.adminDo(t, "POST", "/admin/clients", metadata)
	if status != http.StatusCreated {
		t.Fatalf("create client: %d %s", status, body)
	}
	var out struct {
		ClientID     string `json:"client_id"`
		ClientSecret string `json:"client_secret"`
	}
	if err := json.Unmarshal(body, &out); err != nil {
		t.Fatal(err)
	}
	return out.ClientID, out.ClientSecret
}

func (in *instance) adminDo(t *testing.T, method, path string, body any) (int, []byte) {
	t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, in.Admin+path, r)
	req.Header.Set("Authorization", "Bearer "+in.AdminToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// browser is a person's browser: a cookie jar that does not follow
// redirects, so each hop can be inspected.
type browser struct {
	t      *testing.T
	client *http.Client
	issuer string
}

func newBrowser(t *testing.T, issuer string) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, issuer: issuer, client: &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       10 * time.Second,
	}}
}

// get fetches url and returns the response with its body read.
func (b *browser) get(u string) (*http.Response, string) {
	b.t.Helper()
	resp, err := b.client.Get(u)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

// api posts JSON to the login API like the login page's script does.
func (b *browser) api(path string, body any) (int, map[string]any) {
	b.t.Helper()
	raw, _ := json.Marshal(body)
	req, _ := http.NewRequest("POST", b.issuer+path, bytes.NewReader(raw))
	req.Header.Set("Content-Type", "application/json")
	resp, err := b.client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	out := map[string]any{}
	data, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(data, &out); err != nil {
		b.t.Fatalf("%s answered non-JSON %d: %s", path, resp.StatusCode, data)
	}
	return resp.StatusCode, out
}

// authorize starts an authorization request and returns the flow id of the
// login page it redirects to.
func (b *browser) authorize(authURL string) string {
	b.t.Helper()
	resp, body := b.get(authURL)
	if resp.StatusCode != http.StatusSeeOther {
		b.t.Fatalf("authorize: status %d, want 303: %s", resp.StatusCode, body)
	}
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if loc.Path != "/login" || loc.Query().Get("flow") == "" {
		b.t.Fatalf("authorize redirected to %s, want the login page", loc)
	}
	return loc.Query().Get("flow")
}

// signIn runs the wallet step for flow: challenge, sign, verify. It returns
// the challenge and the verify answer.
func (b *browser) signIn(flow, domain string, key *ecdsa.PrivateKey) (challenge map[string]any, status int, verify map[string]any) {
	b.t.Helper()
	st, ch := b.api("/login/challenge", map[string]any{"flow": flow, "domain": domain})
	if st != 200 {
		b.t.Fatalf("challenge: %d %v", st, ch)
	}
	msg, _ := ch["message"].(string)
	st, v := b.api("/login/verify", map[string]any{"flow": flow, "signature": sign(b.t, key, msg), "wallet_type_hint": "web3"})
	return ch, st, v
}

// redirectParams reads the authorization response parameters from a
// redirect_to URL in the given response mode.
func (b *browser) redirectParams(redirectTo, mode string) url.Values {
	b.t.Helper()
	u, err := url.Parse(redirectTo)
	if err != nil {
		b.t.Fatal(err)
	}
	switch mode {
	case "fragment":
		v, _ := url.ParseQuery(u.EscapedFragment())
		return v
	case "form_post":
		resp, body := b.get(redirectTo)
		if resp.StatusCode != 200 {
			b.t.Fatalf("form_post page: %d %s", resp.StatusCode, body)
		}
		v := url.Values{}
		for _, m := range regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)"`).FindAllStringSubmatch(body, -1) {
			v.Set(m[1], htmlUnescape(m[2]))
		}
		return v
	default:
		return u.Query()
	}
}

func htmlUnescape(s string) string {
	r := strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">", "&#34;", `"`, "&#39;", "'", "&quot;", `"`)
	return r.Replace(s)
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

// TestFreeAddrNeverRepeats: addresses from freeAddr are all different, so
// that a node's two listeners, or two nodes, never get the same port.
func TestFreeAddrNeverRepeats(t *testing.T) {
	seen := map[string]bool{}
	for range 300 {
		addr := freeAddr(t)
		if seen[addr] {
			t.Fatalf("freeAddr returned %s twice", addr)
		}
		seen[addr] = true
	}
}
