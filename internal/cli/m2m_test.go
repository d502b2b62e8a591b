package cli

import (
	"bytes"
	"slices"
	"strings"
	"testing"
)

// TestCreateClientCredentialsClient registers a machine-to-machine client
// from the command line: --grant-type client_credentials and no
// --redirect-uri, with the secret printed once like any confidential
// client's.
func TestCreateClientCredentialsClient(t *testing.T) {
	api := newTestAPI(t)
	out := api.runOK(t, "create", "--id", "billing-job", "--name", "Billing job",
		"--grant-type", "client_credentials", "--scope", "invoices:read invoices:write")
	m := secretLine.FindStringSubmatch(out)
	if m == nil || !strings.Contains(out, "grant_types:                client_credentials") || strings.Contains(out, "redirect_uris:") {
		t.Fatalf("create output:\n%s", out)
	}
	stored := api.store.client("billing-job")
	if stored == nil || !slices.Equal(stored.GrantTypes, []string{"client_credentials"}) || len(stored.RedirectURIs) != 0 ||
		len(stored.ResponseTypes) != 0 || stored.Scope.String() != "invoices:read invoices:write" || !bytes.Equal(stored.SecretHash, sha(m[1])) {
		t.Fatalf("stored client %+v", stored)
	}
	// A service without redirect URIs shows a dash in the list.
	list := api.runOK(t, "list")
	if !hasLine(list, "billing-job", "Billing job", "client_secret_basic", "-") {
		t.Fatalf("list:\n%s", list)
	}
}

// TestCreateClientCredentialsErrors checks the registration rules through
// the CLI: a public client cannot have the grant, a client with only it
// has no redirect URI and no openid.
func TestCreateClientCredentialsErrors(t *testing.T) {
	api := newTestAPI(t)
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"public", []string{"--auth-method", "none"}, "error: invalid_client_metadata: "},
		{"redirect URI", []string{"--redirect-uri", "https://a.example/cb"}, "error: invalid_redirect_uri: "},
		{"openid", []string{"--scope", "openid invoices:read"}, "error: invalid_client_metadata: "},
		{"response type", []string{"--response-type", "code"}, "error: invalid_client_metadata: "},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			args := append([]string{"create", "--id", "svc-" + strings.ReplaceAll(c.name, " ", "-"), "--grant-type", "client_credentials"}, c.args...)
			out, errOut, err := run(t, append(args, "--admin-url", api.url, "--admin-token", cliToken)...)
			if err == nil || !strings.HasPrefix(errOut, c.want) {
				t.Fatalf("err %v, stderr %q, stdout %q; want %q", err, errOut, out, c.want)
			}
		})
	}
	if n := len(mustList(t, api)); n != 0 {
		t.Fatalf("%d clients stored by refused registrations", n)
	}
}

// hasLine reports whether some line of out holds every field, separated
// by whitespace, in order.
func hasLine(out string, fields ...string) bool {
	for _, line := range strings.Split(out, "\n") {
		if strings.Join(strings.Fields(line), " ") == strings.Join(fields, " ") {
			return true
		}
	}
	return false
}

func mustList(t *testing.T, api *testAPI) []string {
	t.Helper()
	var ids []string
	for _, line := range strings.Split(api.runOK(t, "list"), "\n")[1:] {
		if f := strings.Fields(line); len(f) > 0 && f[0] != "No" {
			ids = append(ids, f[0])
		}
	}
	return ids
}
