package e2e

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/ethereum/go-ethereum/crypto"
	"golang.org/x/oauth2"
)

// TestNodesOnOneSQLiteFileShareOneKeySet is the fleet bug: three `sigil
// serve` processes on one SQLite file, with one --system-secret and their
// own data dirs and ports, started at the same instant. They must all
// publish the one key set, so that an ID token signed on node 1 verifies
// against node 2's and node 3's key sets (go-oidc said "failed to verify id
// token signature" when each node made its own key). On a new file the
// nodes race through the migrations (which take turns) and the first key;
// on a file already migrated they all reach the empty key table together,
// the sharpest race for the first key.
func TestNodesOnOneSQLiteFileShareOneKeySet(t *testing.T) {
	for _, premigrated := range []bool{false, true} {
		name := "NewFile"
		if premigrated {
			name = "MigratedFileWithoutKeys"
		}
		t.Run(name, func(t *testing.T) { testNodesShareKeys(t, premigrated) })
	}
}

func testNodesShareKeys(t *testing.T, premigrated bool) {
	dsn := filepath.Join(t.TempDir(), "fleet.db")
	if premigrated {
		out, err := exec.Command(sigilBin, "migrate", "--dsn", dsn, "--data-dir", t.TempDir()).CombinedOutput()
		if err != nil {
			t.Fatalf("sigil migrate: %v\n%s", err, out)
		}
	}
	const systemSecret = "fleet-system-secret-0123456789abcdef"
	first := newNode(t)
	nodes := []*instance{first}
	for range 2 {
		node := *first
		node.DataDir = t.TempDir()
		nodes = append(nodes, &node)
	}
	args := make([][]string, len(nodes))
	for i, node := range nodes {
		args[i] = []string{"--domains", writeRegistry(t, node), "--dsn", dsn, "--system-secret", systemSecret, "--shutdown-delay", "0"}
	}
	for i, node := range nodes {
		launch(t, node, args[i])
	}
	for _, node := range nodes {
		node.waitFor(t, "/health/ready")
	}

	var jwks [][]byte
	for i, node := range nodes {
		body := fetch(t, node.Issuer+"/.well-known/jwks.json")
		var set struct {
			Keys []struct {
				KID string `json:"kid"`
			} `json:"keys"`
		}
		// One key per algorithm: RS256, ES256, EdDSA (package keys).
		if err := json.Unmarshal(body, &set); err != nil || len(set.Keys) != 3 {
			t.Fatalf("node %d JWKS %s: want exactly one key per algorithm (%v)", i+1, body, err)
		}
		jwks = append(jwks, body)
		if !bytes.Equal(body, jwks[0]) {
			t.Errorf("node %d serves another JWKS than node 1:\n%s\nnode 1:\n%s", i+1, body, jwks[0])
		}
	}

	// A code flow on node 1; the clients table is shared, so the client
	// registered there exists everywhere.
	n1 := nodes[0]
	id, secret := n1.createClient(t, map[string]any{"redirect_uris": []string{testRedirect}})
	code, verifier, _ := codeFor(t, n1, id, []string{"openid"})
	party := newRP(t, n1, id, secret, testRedirect, "openid")
	tok, err := party.conf.Exchange(ctx(t), code, oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("exchange on node 1: %v", err)
	}
	raw, _ := tok.Extra("id_token").(string)
	for i, node := range nodes[1:] {
		// The relying party's verifier, with the key set of another node.
		keySet := oidc.NewRemoteKeySet(ctx(t), node.Issuer+"/.well-known/jwks.json")
		v := oidc.NewVerifier(n1.Issuer, keySet, &oidc.Config{ClientID: id})
		idt, err := v.Verify(ctx(t), raw)
		if err != nil {
			t.Fatalf("node 1's ID token against node %d's key set: %v", i+2, err)
		}
		if idt.Subject != "alice.crypto" {
			t.Errorf("sub %q", idt.Subject)
		}
	}
}

// newNode is an instance with wallets, a data dir and an admin token, not
// yet started.
func newNode(t *testing.T) *instance {
	t.Helper()
	in := &instance{AdminToken: "e2e-admin-token-0123456789", DataDir: t.TempDir()}
	var err error
	if in.Alice, err = crypto.GenerateKey(); err != nil {
		t.Fatal(err)
	}
	if in.Bob, err = crypto.GenerateKey(); err != nil {
		t.Fatal(err)
	}
	return in
}

// fetch GETs url and returns the body of a 200 answer.
func fetch(t *testing.T, url string) []byte {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, body)
	}
	return body
}
