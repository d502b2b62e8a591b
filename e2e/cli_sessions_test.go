package e2e

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/sigil-oidc/sigil/internal/admin"
)

// cliResult is what one run of the sigil binary printed and how it exited.
type cliResult struct {
	stdout, stderr string
	code           int
}

// adminCLI runs `sigil args...` as an operator would against in: the admin
// URL and token come from the environment (SIGIL_ADMIN_URL,
// SIGIL_ADMIN_TOKEN), and any the developer has set are replaced.
func adminCLI(t *testing.T, in *instance, args ...string) cliResult {
	t.Helper()
	cmd := exec.Command(sigilBin, args...)
	env := []string{}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "SIGIL_ADMIN_") {
			env = append(env, kv)
		}
	}
	cmd.Env = append(env, "SIGIL_ADMIN_URL="+in.Admin, "SIGIL_ADMIN_TOKEN="+in.AdminToken)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("sigil %v: %v", args, err)
	}
	r := cliResult{stdout: out.String(), stderr: errOut.String(), code: cmd.ProcessState.ExitCode()}
	if strings.Contains(r.stdout+r.stderr, "panic") || strings.Contains(r.stdout+r.stderr, "goroutine ") {
		t.Fatalf("sigil %v panicked:\n%s%s", args, r.stdout, r.stderr)
	}
	return r
}

// adminCLIOK is adminCLI for a run that must succeed, returning stdout.
func adminCLIOK(t *testing.T, in *instance, args ...string) string {
	t.Helper()
	r := adminCLI(t, in, args...)
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("sigil %v: exit %d\nstdout: %s\nstderr: %s", args, r.code, r.stdout, r.stderr)
	}
	return r.stdout
}

// adminCLIFails is adminCLI for a run that must exit non-zero with an
// error on stderr naming each of want, and print nothing on stdout.
func adminCLIFails(t *testing.T, in *instance, want []string, args ...string) {
	t.Helper()
	r := adminCLI(t, in, args...)
	if r.code == 0 || r.stdout != "" || !strings.HasPrefix(r.stderr, "error: ") {
		t.Errorf("sigil %v: exit %d, want non-zero with an error\nstdout: %s\nstderr: %s", args, r.code, r.stdout, r.stderr)
		return
	}
	for _, w := range want {
		if !strings.Contains(r.stderr, w) {
			t.Errorf("sigil %v: stderr lacks %q:\n%s", args, w, r.stderr)
		}
	}
	if strings.Contains(r.stderr, "Usage:") {
		t.Errorf("sigil %v: an error after a request prints the usage:\n%s", args, r.stderr)
	}
}

// cliSessions is `sigil sessions list SUBJECT --json`, decoded.
func cliSessions(t *testing.T, in *instance, subject string) []admin.SessionJSON {
	t.Helper()
	out := adminCLIOK(t, in, "sessions", "list", subject, "--json")
	var list admin.SessionsJSON
	dec := json.NewDecoder(strings.NewReader(out))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&list); err != nil || list.Sessions == nil {
		t.Fatalf("sessions list --json does not decode (%v):\n%s", err, out)
	}
	return list.Sessions
}

// tableRow finds the line of a `list` table whose first column is key and
// returns its whitespace-separated fields, or nil.
func tableRow(table, key string) []string {
	for _, line := range strings.Split(table, "\n") {
		if f := strings.Fields(line); len(f) > 0 && f[0] == key {
			return f
		}
	}
	return nil
}

// cliTime is how the table prints Unix seconds: RFC 3339 in UTC, as every
// listing of the CLI prints its dates.
func cliTime(sec int64) []string {
	return strings.Fields(time.Unix(sec, 0).UTC().Format(time.RFC3339))
}

// TestCLISessions: `sigil sessions list` shows the session a wallet
// sign-in made (its sid is the ID token's), `sigil sessions revoke SID`
// ends that one session only (its cookie no longer signs in with
// prompt=none, another browser's still does), `sigil sessions revoke
// --subject` ends every session of the person and no one else's, and
// ending what is not live exits non-zero naming not_found.
func TestCLISessions(t *testing.T) {
	in := startSigil(t)
	p := signInPerson(t, in)
	other := newBrowser(t, in.Issuer)
	p.signIn(t, other, "alice.crypto")
	bob := newBrowser(t, in.Issuer)
	p.signIn(t, bob, "bob.crypto")

	var claims struct {
		SID string `json:"sid"`
	}
	idt, err := p.party.verifier.Verify(ctx(t), p.idToken)
	if err != nil || idt.Claims(&claims) != nil || claims.SID == "" {
		t.Fatalf("the sign-in's ID token has no sid: %v", err)
	}
	sid := claims.SID

	// --json is the admin API's answer: both of alice's sessions, the
	// first sign-in's among them, signed in to the client.
	list := cliSessions(t, in, "Alice.Crypto") // normalised like a sign-in
	if len(list) != 2 {
		t.Fatalf("sessions list --json: %d sessions of alice, want 2: %+v", len(list), list)
	}
	var first, second admin.SessionJSON
	for _, s := range list {
		if s.SID == sid {
			first = s
		} else {
			second = s
		}
	}
	if first.SID != sid || first.Subject != "alice.crypto" || !strings.EqualFold(first.Address, addr(in.Alice)) ||
		len(first.Clients) != 1 || first.Clients[0] != p.id || first.ExpiresAt <= first.AuthTime {
		t.Fatalf("the sign-in's session %s is not listed as alice's at %s: %+v", sid, p.id, list)
	}

	// The table: a header and one row per session, times in UTC.
	table := adminCLIOK(t, in, "sessions", "list", "alice.crypto")
	if h := tableRow(table, "SID"); strings.Join(h, " ") != "SID SIGNED IN EXPIRES CLIENTS" {
		t.Fatalf("sessions list header %q:\n%s", h, table)
	}
	for _, s := range list {
		want := append(append(append([]string{s.SID}, cliTime(s.AuthTime)...), cliTime(s.ExpiresAt)...), p.id)
		if got := tableRow(table, s.SID); strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("sessions list row of %s:\n got %q\nwant %q\n%s", s.SID, got, want, table)
		}
	}
	if n := strings.Count(strings.TrimSpace(table), "\n"); n != 2 {
		t.Errorf("sessions list: %d rows, want 2:\n%s", n, table)
	}

	// End the sign-in's session by sid: its cookie stops signing in, the
	// other browser's does not.
	p.wantSignedIn(t, p.b, "before sessions revoke SID")
	if out := adminCLIOK(t, in, "sessions", "revoke", sid); out != "Ended session "+sid+".\n" {
		t.Errorf("sessions revoke SID printed %q", out)
	}
	p.wantSignedOut(t, p.b, "the browser whose session sessions revoke SID ended")
	p.wantSignedIn(t, other, "alice's other browser after sessions revoke SID")
	if list := cliSessions(t, in, "alice.crypto"); len(list) != 1 || list[0].SID != second.SID {
		t.Errorf("after sessions revoke %s: %+v, want only %s", sid, list, second.SID)
	}
	if table := adminCLIOK(t, in, "sessions", "list", "alice.crypto"); strings.Contains(table, sid) || tableRow(table, second.SID) == nil {
		t.Errorf("sessions list after revoking %s:\n%s", sid, table)
	}
	adminCLIFails(t, in, []string{"not_found", "There is no live session with sid '" + sid + "'"}, "sessions", "revoke", sid)

	// Sign out everywhere: alice's other session ends, bob's stays.
	bobSessions := cliSessions(t, in, "bob.crypto")
	if len(bobSessions) != 1 {
		t.Fatalf("bob's sessions: %+v", bobSessions)
	}
	if out := adminCLIOK(t, in, "sessions", "revoke", "--subject", "Alice.Crypto"); out != "Ended every session of Alice.Crypto.\n" {
		t.Errorf("sessions revoke --subject printed %q", out)
	}
	p.wantSignedOut(t, other, "alice's other browser after sessions revoke --subject")
	p.wantSignedIn(t, bob, "bob after alice's sessions revoke --subject")
	if out := adminCLIOK(t, in, "sessions", "list", "alice.crypto"); out != "alice.crypto has no live session.\n" {
		t.Errorf("sessions list with none live printed %q", out)
	}
	if list := cliSessions(t, in, "alice.crypto"); len(list) != 0 {
		t.Errorf("sessions list --json with none live: %+v", list)
	}
	if list := cliSessions(t, in, "bob.crypto"); len(list) != 1 || list[0].SID != bobSessions[0].SID {
		t.Errorf("bob's sessions after alice's were ended: %+v, want %+v", list, bobSessions)
	}
	adminCLIFails(t, in, []string{"not_found", "alice.crypto has no live session"}, "sessions", "revoke", "--subject", "alice.crypto")
	// --json prints nothing for a 204.
	if out := adminCLIOK(t, in, "sessions", "revoke", bobSessions[0].SID, "--json"); out != "" {
		t.Errorf("sessions revoke --json printed %q", out)
	}
	p.wantSignedOut(t, bob, "bob after sessions revoke --json")
}

// TestCLIConsents: `sigil consents list` shows the consent a sign-in asked
// to remember, and `sigil consents revoke` removes it and revokes the
// tokens issued under it (introspection says inactive, userinfo refuses the
// access token, the refresh token no longer refreshes); revoking it again
// exits non-zero naming not_found.
func TestCLIConsents(t *testing.T) {
	in := startSigil(t)
	p := signInPerson(t, in)
	if p.tok.RefreshToken == "" {
		t.Fatal("the sign-in gave no refresh token")
	}
	for _, tok := range []string{p.tok.AccessToken, p.tok.RefreshToken} {
		if st, body, _ := postIntrospect(t, in, p.id, p.secret, tok); st != 200 || body["active"] != true {
			t.Fatalf("introspection before revocation: %d %v", st, body)
		}
	}
	if st := userinfoStatus(t, in, "Bearer "+p.tok.AccessToken); st != 200 {
		t.Fatalf("userinfo before revocation: %d", st)
	}

	out := adminCLIOK(t, in, "consents", "list", "alice.crypto", "--json")
	var list admin.ConsentsJSON
	dec := json.NewDecoder(strings.NewReader(out))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&list); err != nil || len(list.Consents) != 1 {
		t.Fatalf("consents list --json (%v):\n%s", err, out)
	}
	c := list.Consents[0]
	if c.ClientID != p.id || len(strings.Fields(c.Scope)) != 3 || !strings.Contains(" "+c.Scope+" ", " offline_access ") ||
		time.Since(time.Unix(c.GrantedAt, 0)).Abs() > 5*time.Minute {
		t.Fatalf("consents list --json: %+v, want %s with openid wallet offline_access granted now", c, p.id)
	}
	table := adminCLIOK(t, in, "consents", "list", "Alice.Crypto")
	if h := tableRow(table, "CLIENT"); strings.Join(h, " ") != "CLIENT GRANTED SCOPE" {
		t.Fatalf("consents list header %q:\n%s", h, table)
	}
	want := append(append([]string{p.id}, cliTime(c.GrantedAt)...), strings.Fields(c.Scope)...)
	if got := tableRow(table, p.id); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("consents list row:\n got %q\nwant %q\n%s", got, want, table)
	}

	if out := adminCLIOK(t, in, "consents", "revoke", "alice.crypto", p.id); out != "Revoked the consent of alice.crypto to client "+p.id+" and its tokens.\n" {
		t.Errorf("consents revoke printed %q", out)
	}
	if out := adminCLIOK(t, in, "consents", "list", "alice.crypto"); out != "alice.crypto has no remembered consent.\n" {
		t.Errorf("consents list after revocation printed %q", out)
	}
	for name, tok := range map[string]string{"access": p.tok.AccessToken, "refresh": p.tok.RefreshToken} {
		if st, body, _ := postIntrospect(t, in, p.id, p.secret, tok); st != 200 || body["active"] != false {
			t.Errorf("introspection of the %s token after consents revoke: %d %v, want active false", name, st, body)
		}
	}
	if st := userinfoStatus(t, in, "Bearer "+p.tok.AccessToken); st != 401 {
		t.Errorf("userinfo after consents revoke: %d, want 401", st)
	}
	st, body, _ := postToken(t, in, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {p.tok.RefreshToken}}, p.id, p.secret)
	if st != 400 || body["error"] != "invalid_grant" {
		t.Errorf("refresh after consents revoke: %d %v, want invalid_grant", st, body)
	}
	// The next authorization must ask again.
	if q := p.promptNone(t, p.b); q.Get("error") != "consent_required" {
		t.Errorf("prompt=none after consents revoke: %v, want consent_required", q)
	}

	adminCLIFails(t, in, []string{"not_found", "alice.crypto has no consent and no tokens at client '" + p.id + "'"}, "consents", "revoke", "alice.crypto", p.id)
	adminCLIFails(t, in, []string{"not_found", "no-such-client"}, "consents", "revoke", "alice.crypto", "no-such-client")
}

// TestCLISessionsBadInput: a missing argument, an extra one, an unknown
// flag, a subject that is not a domain, a missing admin token or a wrong
// one exit non-zero with a message saying what is wrong, never a panic,
// and never end a session.
func TestCLISessionsBadInput(t *testing.T) {
	in := startSigil(t)
	p := signInPerson(t, in)
	cases := []struct {
		args []string
		want []string
	}{
		{[]string{"sessions", "list"}, []string{"sigil sessions list takes 1 argument, but was given 0", "usage: sigil sessions list SUBJECT"}},
		{[]string{"sessions", "list", "alice.crypto", "bob.crypto"}, []string{"takes 1 argument, but was given 2"}},
		{[]string{"sessions", "list", "alice.crypto", "--bogus"}, []string{"unknown flag: --bogus"}},
		{[]string{"sessions", "revoke"}, []string{"name either one SID or --subject SUBJECT"}},
		{[]string{"sessions", "revoke", "some-sid", "--subject", "alice.crypto"}, []string{"name either one SID or --subject SUBJECT"}},
		{[]string{"sessions", "revoke", "a", "b"}, []string{"takes at most 1 argument, but was given 2"}},
		{[]string{"sessions", "revoke", "--subject"}, []string{"flag needs an argument", "--subject"}},
		{[]string{"sessions", "revoke", "--sid", "x"}, []string{"unknown flag: --sid"}},
		{[]string{"sessions", "list", "not a domain"}, []string{"invalid_request", "not a domain name"}},
		{[]string{"sessions", "revoke", "--subject", "not a domain"}, []string{"invalid_request", "not a domain name"}},
		{[]string{"consents", "list"}, []string{"takes 1 argument, but was given 0", "usage: sigil consents list SUBJECT"}},
		{[]string{"consents", "revoke", "alice.crypto"}, []string{"takes 2 arguments, but was given 1", "usage: sigil consents revoke SUBJECT CLIENT_ID"}},
		{[]string{"consents", "list", "alice.crypto", "--bogus"}, []string{"unknown flag: --bogus"}},
		{[]string{"consents", "revoke", "not a domain", p.id}, []string{"invalid_request", "not a domain name"}},
		// Values that are not one path segment are refused before any
		// request (they used to reach another endpoint: DELETE /admin/).
		{[]string{"sessions", "list", ""}, []string{`"" is not a subject`}},
		{[]string{"sessions", "revoke", ""}, []string{`"" is not a SID`}},
		{[]string{"sessions", "revoke", ".."}, []string{`".." is not a SID`}},
		{[]string{"sessions", "revoke", "--subject", "."}, []string{`"." is not a subject`}},
		{[]string{"consents", "list", ".."}, []string{`".." is not a subject`}},
		{[]string{"consents", "revoke", "alice.crypto", ".."}, []string{`".." is not a client_id`}},
		{[]string{"consents", "revoke", "", p.id}, []string{`"" is not a subject`}},
		// Slashes stay inside their segment.
		{[]string{"sessions", "revoke", "../subjects/alice.crypto/sessions"}, []string{"not_found", "no live session with sid '../subjects/alice.crypto/sessions'"}},
		{[]string{"consents", "revoke", "alice.crypto", "../sessions"}, []string{"not_found", "client '../sessions'"}},
		{[]string{"sessions", "list", "alice.crypto", "--admin-token", "wrong-token-0123456789"}, []string{"request_unauthorized"}},
		{[]string{"sessions", "list", "alice.crypto", "--admin-url", "ftp://x"}, []string{"is not an http(s) URL"}},
	}
	for _, tc := range cases {
		adminCLIFails(t, in, tc.want, tc.args...)
	}
	// No token at all.
	cmd := exec.Command(sigilBin, "sessions", "list", "alice.crypto", "--admin-url", in.Admin)
	cmd.Env = append(os.Environ(), "SIGIL_ADMIN_TOKEN=")
	if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "no admin token") {
		t.Errorf("sessions list without a token: %v\n%s", err, out)
	}

	// None of that touched alice's session or consent.
	if list := cliSessions(t, in, "alice.crypto"); len(list) != 1 {
		t.Errorf("alice's sessions after the bad commands: %+v", list)
	}
	p.wantSignedIn(t, p.b, "after the bad commands")
	if out := adminCLIOK(t, in, "consents", "list", "alice.crypto"); tableRow(out, p.id) == nil {
		t.Errorf("alice's consent after the bad commands:\n%s", out)
	}
}
