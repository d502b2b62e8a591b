package e2e

import (
	"bytes"
	"crypto/ecdsa"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/accounts"
	"github.com/ethereum/go-ethereum/crypto"
	"golang.org/x/oauth2"

	"github.com/sigil-oidc/sigil/internal/pgtest"
)

// The crash tests kill a node with SIGKILL in the middle of load, start it
// again on the same database, and check what must survive any crash:
//
//   - codes: every code the node answered before the kill is redeemable
//     exactly once in all (a code redeemed before the kill is refused
//     after it; one never redeemed is redeemed once after the restart, and
//     a second time is refused); a code whose redemption was in flight at
//     the kill is redeemed at most once after it;
//   - refresh families: one worker per family rotates its refresh token
//     over and over. A family whose last request was answered must
//     continue from the last token answered (it is live, so nothing was
//     lost) and the token before it must be refused (so there is no fork).
//     A family whose last request was in flight at the kill holds a token
//     T whose rotation may or may not have been committed: T is then
//     either live (not committed: it rotates once, and a second use is
//     refused) or refused as reused (committed: the successor was never
//     delivered, and RFC 9700 section 4.14.2 revokes the family); never
//     both, so never a fork;
//   - clients: every client created through the admin API before the kill
//     is present with all its metadata; one whose creation was in flight
//     is either absent or present with all of it, never half written.

// TestCrashSQLite runs the crash test on SQLite.
func TestCrashSQLite(t *testing.T) { testCrash(t, "") }

// TestCrashPostgres runs the crash test on PostgreSQL.
func TestCrashPostgres(t *testing.T) { testCrash(t, pgtest.NewDatabase(t)) }

// issuedCode is a code the killed node answered, and what happened to it.
type issuedCode struct {
	code, verifier string
	// redeemed is whether its redemption was answered 200 before the
	// kill; inFlight whether a redemption was sent and never answered.
	redeemed, inFlight bool
}

// family is one refresh token chain, rotated by one worker.
type family struct {
	// last is the newest token answered; previous the one before it.
	last, previous string
	// inDoubt is set when a rotation of last was sent and never answered.
	inDoubt   bool
	rotations int
}

// crashClient is what a client creation sent, and whether it was answered.
type crashClient struct {
	meta     map[string]any
	id       string
	answered bool
}

func testCrash(t *testing.T, dsn string) {
	in := &instance{AdminToken: "e2e-admin-token-0123456789", DataDir: t.TempDir(), DSN: dsn}
	var err error
	if in.Alice, err = crypto.GenerateKey(); err != nil {
		t.Fatal(err)
	}
	in.Bob, _ = crypto.GenerateKey()
	args := append([]string{"--system-secret", "crash-system-secret-0123456789abcdef"}, loadTestLimits...)
	run(t, in, args...)
	in.waitFor(t, "/health/ready")

	rpID, rpSecret := in.createClient(t, map[string]any{
		"redirect_uris": []string{testRedirect}, "grant_types": []string{"authorization_code", "refresh_token"},
		"scope": "openid wallet offline_access", "token_endpoint_auth_method": "client_secret_basic",
	})
	rp := crashRP{issuer: in.Issuer, id: rpID, secret: rpSecret, key: in.Alice}

	// The refresh families, started before the load.
	families := make([]*family, 4)
	for i := range families {
		c, err := rp.code([]string{"openid", "offline_access"})
		if err != nil {
			t.Fatal(err)
		}
		status, tok, err := rp.redeem(c)
		if err != nil || status != 200 || tok.RefreshToken == "" {
			t.Fatalf("starting a refresh family: %d %v %v", status, tok, err)
		}
		families[i] = &family{last: tok.RefreshToken}
	}

	var (
		killed  atomic.Bool
		mu      sync.Mutex
		codes   []*issuedCode
		clients []*crashClient
		wg      sync.WaitGroup
	)
	// Code workers: sign in to a code, and redeem every other one at once.
	for w := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; !killed.Load(); i++ {
				c, err := rp.code([]string{"openid", "wallet"})
				if err != nil {
					continue // the kill, or a step in flight at it
				}
				ic := &issuedCode{code: c.code, verifier: c.verifier}
				mu.Lock()
				codes = append(codes, ic)
				mu.Unlock()
				if (w+i)%2 == 0 {
					continue
				}
				status, _, err := rp.redeem(c)
				mu.Lock()
				ic.redeemed = err == nil && status == 200
				ic.inFlight = err != nil && !neverSent(err)
				mu.Unlock()
			}
		}()
	}
	// Refresh workers: each rotates its own family.
	for _, f := range families {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !killed.Load() {
				status, tok, err := rp.refresh(f.last)
				mu.Lock()
				switch {
				case err != nil && neverSent(err):
					// Refused at connect: the node was already dead and
					// nothing was sent, so last is still the family's token.
					mu.Unlock()
					return
				case err != nil:
					f.inDoubt = true
				case status == 200 && tok.RefreshToken != "":
					f.previous, f.last = f.last, tok.RefreshToken
					f.rotations++
				default:
					t.Errorf("a rotation before the kill answered %d %v", status, tok)
				}
				stop := f.inDoubt
				mu.Unlock()
				if stop {
					return
				}
			}
		}()
	}
	// Client workers: create clients with every kind of metadata.
	for w := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; !killed.Load(); i++ {
				cc := &crashClient{meta: crashClientMetadata(fmt.Sprintf("crash-%d-%d", w, i))}
				mu.Lock()
				clients = append(clients, cc)
				mu.Unlock()
				id, err := adminCreate(in, cc.meta)
				mu.Lock()
				cc.id, cc.answered = id, err == nil
				mu.Unlock()
				if err != nil && !killed.Load() && !isConnectionError(err) {
					t.Errorf("creating a client before the kill: %v", err)
				}
			}
		}()
	}

	time.Sleep(1500 * time.Millisecond)
	if err := in.cmd.Process.Kill(); err != nil { // SIGKILL: no shutdown of any kind
		t.Fatal(err)
	}
	killed.Store(true)
	_ = in.cmd.Wait()
	wg.Wait()

	again := *in
	restarted := run(t, &again, args...)
	restarted.waitFor(t, "/health/ready")
	rp.issuer = restarted.Issuer
	mu.Lock()
	defer mu.Unlock()

	// Codes.
	var fresh, redeemedBefore, inFlight int
	for _, ic := range codes {
		g := crashCode{code: ic.code, verifier: ic.verifier}
		first, _, err1 := rp.redeem(g)
		second, _, err2 := rp.redeem(g)
		if err := errors.Join(err1, err2); err != nil {
			t.Fatalf("redeeming after the restart: %v", err)
		}
		switch {
		case ic.redeemed:
			redeemedBefore++
			if first == 200 || second == 200 {
				t.Errorf("a code redeemed before the kill was redeemed again after it (%d, %d)", first, second)
			}
		case ic.inFlight:
			inFlight++
			if second == 200 {
				t.Errorf("a code whose redemption was in flight at the kill was redeemed twice after it (%d, %d)", first, second)
			}
		default:
			fresh++
			if first != 200 || second == 200 {
				t.Errorf("a code answered before the kill and never redeemed = %d then %d after the restart, want 200 then a refusal", first, second)
			}
		}
	}

	// Refresh families.
	var sure, doubted, doubtLive int
	for i, f := range families {
		if !f.inDoubt {
			sure++
			status, tok, err := rp.refresh(f.last)
			if err != nil || status != 200 {
				t.Errorf("family %d: the last token answered before the kill = %d %v, want it live (the family was lost)", i, status, err)
				continue
			}
			if f.previous != "" {
				if status, _, _ := rp.refresh(f.previous); status == 200 {
					t.Errorf("family %d: the token before the last answered is live too: the family forked", i)
				}
			}
			_ = tok
			continue
		}
		doubted++
		status, tok, err := rp.refresh(f.last)
		if err != nil {
			t.Fatal(err)
		}
		switch status {
		case 200:
			// The rotation in flight was not committed: the family goes on
			// from the token it held, once.
			doubtLive++
			if again, _, _ := rp.refresh(f.last); again == 200 {
				t.Errorf("family %d: the token in doubt was rotated twice after the restart", i)
			}
			_ = tok
		case 400:
			// Committed before the kill, its answer lost: the token was
			// rotated out; presenting it revokes the family.
		default:
			t.Errorf("family %d: the token in doubt answered %d %v", i, status, tok)
		}
	}

	// Clients.
	listed := map[string]map[string]any{}
	status, body := restarted.adminDo(t, "GET", "/admin/clients", nil)
	var list struct {
		Clients []map[string]any `json:"clients"`
	}
	if status != 200 || json.Unmarshal(body, &list) != nil {
		t.Fatalf("listing clients after the restart: %d %s", status, body)
	}
	for _, c := range list.Clients {
		if name, _ := c["client_name"].(string); strings.HasPrefix(name, "crash-") {
			listed[name] = c
		}
	}
	byName := map[string]*crashClient{}
	var answered int
	for _, cc := range clients {
		name := cc.meta["client_name"].(string)
		byName[name] = cc
		got, present := listed[name]
		if cc.answered {
			answered++
			if !present {
				t.Errorf("client %s was created (201) before the kill and is gone after it", name)
				continue
			}
		}
		if present {
			if diff := metadataDiff(cc.meta, got); diff != "" {
				t.Errorf("client %s is half written after the restart: %s", name, diff)
			}
		}
	}
	for name := range listed {
		if byName[name] == nil {
			t.Errorf("a client %s nobody created is present", name)
		}
	}
	t.Logf("codes: %d never redeemed, %d redeemed before the kill, %d in flight; families: %d answered (%d rotations in all), %d in doubt (%d of them live); clients: %d answered of %d sent, %d present",
		fresh, redeemedBefore, inFlight, sure, rotations(families), doubted, doubtLive, answered, len(clients), len(listed))
	if fresh == 0 || redeemedBefore == 0 || answered == 0 || rotations(families) < len(families) {
		t.Errorf("too little load before the kill to show anything")
	}
}

func rotations(fs []*family) int {
	n := 0
	for _, f := range fs {
		n += f.rotations
	}
	return n
}

// crashClientMetadata is a client with every kind of metadata a half
// write could lose: lists, optional strings and booleans.
func crashClientMetadata(name string) map[string]any {
	return map[string]any{
		"client_name":                  name,
		"redirect_uris":                []any{"https://" + name + ".example/cb", "https://" + name + ".example/cb2"},
		"post_logout_redirect_uris":    []any{"https://" + name + ".example/bye"},
		"grant_types":                  []any{"authorization_code", "refresh_token"},
		"response_types":               []any{"code"},
		"scope":                        "openid wallet offline_access",
		"token_endpoint_auth_method":   "client_secret_basic",
		"client_uri":                   "https://" + name + ".example",
		"logo_uri":                     "https://" + name + ".example/logo.png",
		"require_pkce":                 true,
		"id_token_signed_response_alg": "ES256",
	}
}

// metadataDiff says how got (an admin API answer) differs from sent, key
// by key of sent; "" when it holds all of it.
func metadataDiff(sent, got map[string]any) string {
	var diffs []string
	for k, v := range sent {
		if !reflect.DeepEqual(v, got[k]) {
			diffs = append(diffs, fmt.Sprintf("%s = %v, sent %v", k, got[k], v))
		}
	}
	return strings.Join(diffs, "; ")
}

// adminCreate posts a client to the admin API and returns its id; a
// network error (the kill) is returned as is.
func adminCreate(in *instance, meta map[string]any) (string, error) {
	raw, _ := json.Marshal(meta)
	req, _ := http.NewRequest("POST", in.Admin+"/admin/clients", bytes.NewReader(raw))
	req.Header.Set("Authorization", "Bearer "+in.AdminToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := (&http.Client{Timeout: 20 * time.Second}).Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	var out struct {
		ClientID string `json:"client_id"`
	}
	if resp.StatusCode != 201 || json.Unmarshal(body, &out) != nil {
		return "", fmt.Errorf("create client: %d %s", resp.StatusCode, body)
	}
	return out.ClientID, nil
}

// neverSent reports whether err is a failure to connect, so the request
// never reached the node.
func neverSent(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// isConnectionError reports whether err is the transport's (a refused or
// reset connection, an answer cut short), not an HTTP answer.
func isConnectionError(err error) bool {
	var op *net.OpError
	var ue *url.Error
	return errors.As(err, &op) || errors.As(err, &ue) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF)
}

// crashRP is a confidential relying party that never ends the test on a
// failure: under a kill, failures are data.
type crashRP struct {
	issuer, id, secret string
	key                *ecdsa.PrivateKey
}

// crashCode is an issued code and its PKCE verifier.
type crashCode struct{ code, verifier string }

// crashTokens is a token response.
type crashTokens struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	Error        string `json:"error"`
}

// code signs in as alice.crypto and consents, up to the code.
func (rp crashRP) code(scope []string) (crashCode, error) {
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar, Timeout: 20 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	verifier := oauth2.GenerateVerifier()
	conf := &oauth2.Config{ClientID: rp.id, RedirectURL: testRedirect, Scopes: scope,
		Endpoint: oauth2.Endpoint{AuthURL: rp.issuer + "/oauth2/auth"}}
	resp, err := hc.Get(conf.AuthCodeURL("state-crash-0123456789", oauth2.S256ChallengeOption(verifier)))
	if err != nil {
		return crashCode{}, err
	}
	resp.Body.Close()
	u, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || u.Query().Get("flow") == "" {
		return crashCode{}, fmt.Errorf("authorize: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	flow := u.Query().Get("flow")
	post := func(path string, in, out any) error {
		raw, _ := json.Marshal(in)
		resp, err := hc.Post(rp.issuer+path, "application/json", bytes.NewReader(raw))
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			return err
		}
		if resp.StatusCode != 200 {
			return fmt.Errorf("%s: %d %s", path, resp.StatusCode, body)
		}
		return json.Unmarshal(body, out)
	}
	var ch struct{ Message string }
	if err := post("/login/challenge", map[string]any{"flow": flow, "domain": "alice.crypto"}, &ch); err != nil {
		return crashCode{}, err
	}
	sig, err := crypto.Sign(accounts.TextHash([]byte(ch.Message)), rp.key)
	if err != nil {
		return crashCode{}, err
	}
	sig[64] += 27
	var v struct {
		RedirectTo string `json:"redirect_to"`
	}
	if err := post("/login/verify", map[string]any{"flow": flow, "signature": fmt.Sprintf("0x%x", sig)}, &v); err != nil {
		return crashCode{}, err
	}
	if ru, err := url.Parse(v.RedirectTo); err == nil && ru.Query().Get("code") != "" { // consent remembered
		return crashCode{code: ru.Query().Get("code"), verifier: verifier}, nil
	}
	if err := post("/consent/accept", map[string]any{"flow": flow, "grant_scope": scope}, &v); err != nil {
		return crashCode{}, err
	}
	ru, err := url.Parse(v.RedirectTo)
	if err != nil || ru.Query().Get("code") == "" {
		return crashCode{}, fmt.Errorf("consent redirect_to %q has no code", v.RedirectTo)
	}
	return crashCode{code: ru.Query().Get("code"), verifier: verifier}, nil
}

// token posts a token request with client_secret_basic and returns the
// status and the answer; err is only a transport failure.
func (rp crashRP) token(form url.Values) (int, crashTokens, error) {
	req, _ := http.NewRequest("POST", rp.issuer+"/oauth2/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(rp.id), url.QueryEscape(rp.secret))
	resp, err := (&http.Client{Timeout: 20 * time.Second}).Do(req)
	if err != nil {
		return 0, crashTokens{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, crashTokens{}, err
	}
	var tok crashTokens
	if err := json.Unmarshal(body, &tok); err != nil {
		return resp.StatusCode, tok, fmt.Errorf("token endpoint answered %d non-JSON: %s", resp.StatusCode, body)
	}
	return resp.StatusCode, tok, nil
}

func (rp crashRP) redeem(c crashCode) (int, crashTokens, error) {
	return rp.token(url.Values{"grant_type": {"authorization_code"}, "code": {c.code}, "redirect_uri": {testRedirect}, "code_verifier": {c.verifier}})
}

func (rp crashRP) refresh(token string) (int, crashTokens, error) {
	return rp.token(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {token}})
}

// TestListenerFailureStopsTheNode: when the admin address is taken, sigil
// serve exits with an error naming that address, and its public listener
// is not left running.
func TestListenerFailureStopsTheNode(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	public := freeAddr(t)
	dir := t.TempDir()
	cmd := exec.Command(sigilBin, "serve", "--issuer", "http://"+public, "--public-addr", public, "--admin-addr", taken.Addr().String(),
		"--data-dir", dir, "--admin-token", "e2e-admin-token-0123456789", "--domains", writeRegistry(t, &instance{DataDir: dir, Alice: mustKey(t), Bob: mustKey(t)}))
	done := make(chan struct{})
	var out []byte
	go func() { out, err = cmd.CombinedOutput(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("sigil kept running with its admin address taken")
	}
	if err == nil {
		t.Fatalf("sigil exited 0 with its admin address taken:\n%s", out)
	}
	if !strings.Contains(string(out), "--admin-addr "+taken.Addr().String()) {
		t.Errorf("the error does not name --admin-addr %s:\n%s", taken.Addr(), out)
	}
	if c, err := net.DialTimeout("tcp", public, time.Second); err == nil {
		c.Close()
		t.Errorf("the public listener %s still accepts connections", public)
	}
}

// TestCorruptSQLiteRefusesToStart: a SQLite file whose pages are damaged
// stops sigil serve at start with an error naming the file and
// --sqlite-skip-integrity-check; with that flag it starts.
func TestCorruptSQLiteRefusesToStart(t *testing.T) {
	in := startOnSQLite(t)
	in.waitFor(t, "/health/ready")
	_ = in.cmd.Process.Signal(os.Interrupt)
	_ = in.cmd.Wait()
	path := filepath.Join(in.DataDir, "sigil.db")
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt(bytes.Repeat([]byte{0xab}, 3*4096), 2*4096); err != nil { // pages 3 to 5
		t.Fatal(err)
	}
	f.Close()
	cmd := exec.Command(sigilBin, "serve", "--public-addr", freeAddr(t), "--admin-addr", freeAddr(t),
		"--data-dir", in.DataDir, "--admin-token", in.AdminToken, "--domains", filepath.Join(in.DataDir, "domains.yaml"))
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("sigil served a corrupt database:\n%s", out)
	}
	for _, want := range []string{path, "corrupt", "--sqlite-skip-integrity-check"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("the error does not name %q:\n%s", want, out)
		}
	}
}

// TestReadyFailsWhileSQLiteIsLocked: another process (this test) holding
// SQLite's write lock makes /health/ready answer 503 naming the database
// within a few seconds, though reads would still pass, and ready again
// once it lets go.
func TestReadyFailsWhileSQLiteIsLocked(t *testing.T) {
	in := startOnSQLite(t)
	in.waitFor(t, "/health/ready")
	db, err := sql.Open("sqlite", filepath.Join(in.DataDir, "sigil.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	holder, err := db.Conn(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	if _, err := holder.ExecContext(ctx(t), "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	if _, err := holder.ExecContext(ctx(t), "UPDATE health SET checked_at = 0"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		code, body := health(t, in.Issuer+"/health/ready")
		if code == 503 {
			if nr, _ := body["not_ready"].(map[string]any); nr["database"] == nil {
				t.Fatalf("ready = 503 %v, want it to name the database", body)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("ready stayed 200 while another process held the write lock")
		}
		time.Sleep(200 * time.Millisecond)
	}
	// The node is unready, not down.
	if code, _ := health(t, in.Issuer+"/health/alive"); code != 200 {
		t.Errorf("alive = %d while locked, want 200", code)
	}
	if _, err := holder.ExecContext(ctx(t), "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	in.waitFor(t, "/health/ready")
}

func mustKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	k, err := crypto.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// startOnSQLite starts sigil serve on a SQLite file in its data dir (the
// default) even in the suite's PostgreSQL pass, for the tests of what only
// SQLite has.
func startOnSQLite(t *testing.T) *instance {
	t.Helper()
	in := newNode(t)
	in.DSN = filepath.Join(in.DataDir, "sigil.db")
	return run(t, in)
}
