package e2e

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
)

// walkthroughBlock matches a shell block of a document that is marked to be
// run: the line "<!-- walkthrough -->", then a ```sh fence.
var walkthroughBlock = regexp.MustCompile("(?m)^<!-- walkthrough -->\\n```sh\\n((?s:.*?))^```$")

// docIssuer is the issuer the documents' commands name: that of a plain
// `sigil serve --dev`.
const docIssuer = "http://127.0.0.1:4444"

// TestLoginAPIWalkthrough runs the curl walk-through of docs/login-api.md
// as a reader does: `sigil serve --dev` with its defaults in a fresh
// directory (only the ports differ: free loopback ports, with the issuer
// derived from --public-addr), then the document's marked blocks in order,
// in one bash in that directory, with the built sigil first on PATH. The
// only change to the commands is the issuer's address. The walk-through
// must end with a token response whose ID token verifies.
func TestLoginAPIWalkthrough(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("bash is not installed")
	}
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl is not installed")
	}
	doc, err := os.ReadFile("../docs/login-api.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := walkthroughBlock.FindAllSubmatch(doc, -1)
	if len(blocks) < 5 {
		t.Fatalf("docs/login-api.md has %d walk-through blocks; the sign-in needs at least 5", len(blocks))
	}
	var script strings.Builder
	for _, b := range blocks {
		script.Write(b[1])
	}
	if !strings.Contains(script.String(), docIssuer) {
		t.Fatalf("the walk-through does not name the issuer %s that the test replaces", docIssuer)
	}

	dir := t.TempDir()
	public, admin := freeAddr(t), freeAddr(t)
	issuer := "http://" + public
	server := exec.Command(sigilBin, "serve", "--dev", "--public-addr", public, "--admin-addr", admin)
	server.Dir = dir
	logs := &syncBuffer{}
	server.Stdout, server.Stderr = logs, logs
	if err := server.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { server.Process.Kill(); server.Wait() })
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(logs.String(), "sigil started") {
		if time.Now().After(deadline) {
			t.Fatalf("sigil serve --dev did not start:\n%s", logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !strings.Contains(logs.String(), "issuer:      "+issuer+"\n") {
		t.Fatalf("the issuer is not derived from --public-addr %s:\n%s", public, logs.String())
	}

	bash := exec.Command("bash", "-euo", "pipefail", "-c", strings.ReplaceAll(script.String(), docIssuer, issuer))
	bash.Dir = dir
	bash.Env = append(os.Environ(), "PATH="+filepath.Dir(sigilBin)+string(os.PathListSeparator)+os.Getenv("PATH"))
	var stdout, stderr bytes.Buffer
	bash.Stdout, bash.Stderr = &stdout, &stderr
	if err := bash.Run(); err != nil {
		t.Fatalf("the walk-through failed: %v\nstdout:\n%s\nstderr:\n%s\nserver:\n%s", err, stdout.String(), stderr.String(), logs.String())
	}

	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	var tokens struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
		ExpiresIn   int    `json:"expires_in"`
		Scope       string `json:"scope"`
		IDToken     string `json:"id_token"`
	}
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &tokens); err != nil {
		t.Fatalf("the walk-through does not end with a JSON token response: %v\n%s", err, stdout.String())
	}
	if !strings.HasPrefix(tokens.AccessToken, "sigil_at_") || tokens.TokenType != "Bearer" || tokens.ExpiresIn <= 0 || tokens.Scope != "openid wallet" {
		t.Fatalf("token response %+v", tokens)
	}
	provider, err := oidc.NewProvider(ctx(t), issuer)
	if err != nil {
		t.Fatal(err)
	}
	idToken, err := provider.Verifier(&oidc.Config{ClientID: "sigil-demo"}).Verify(ctx(t), tokens.IDToken)
	if err != nil {
		t.Fatalf("the walk-through's ID token: %v", err)
	}
	if idToken.Subject != "alice.crypto" {
		t.Fatalf("ID token for %q, want alice.crypto", idToken.Subject)
	}
}
