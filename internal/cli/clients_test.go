package cli

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/sigil-oidc/sigil"
	"github.com/sigil-oidc/sigil/internal/admin"
	"github.com/sigil-oidc/sigil/internal/store/sqlite"
)

const cliToken = "cli-test-admin-token"

// failingStore is the real SQLite store whose ListClients can be made to
// fail, to see how the CLI reports a server error.
type failingStore struct {
	sigil.Store
	fail error
}

func (s *failingStore) ListClients(ctx context.Context) ([]*sigil.Client, error) {
	if s.fail != nil {
		return nil, s.fail
	}
	return s.Store.ListClients(ctx)
}

// client reads a stored client, nil when there is none.
func (s *failingStore) client(id string) *sigil.Client {
	c, err := s.Store.GetClient(context.Background(), id)
	if err != nil {
		return nil
	}
	return c
}

type testAPI struct {
	url      string
	store    *failingStore
	requests atomic.Int64
}

// newTestAPI serves the real admin handler on a real SQLite store and clears
// the environment so a developer's SIGIL_ADMIN_* variables cannot leak in.
func newTestAPI(t *testing.T) *testAPI {
	t.Helper()
	t.Setenv(EnvAdminURL, "")
	t.Setenv(EnvAdminToken, "")
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "cli.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	api := &testAPI{store: &failingStore{Store: st}}
	h := admin.NewHandler(api.store, admin.HashToken(cliToken), nil, nil)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		api.requests.Add(1)
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	api.url = srv.URL
	return api
}

// run executes the clients command with args and returns stdout and stderr.
func run(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	cmd := NewClientsCommand()
	var out, errOut bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	cmd.SetArgs(args)
	err = cmd.Execute()
	return out.String(), errOut.String(), err
}

// runOK is run with the test server's URL and token, failing on error.
func (a *testAPI) runOK(t *testing.T, args ...string) string {
	t.Helper()
	out, errOut, err := run(t, append(args, "--admin-url", a.url, "--admin-token", cliToken)...)
	if err != nil {
		t.Fatalf("%v: %v\nstderr: %s", args, err, errOut)
	}
	return out
}

var secretLine = regexp.MustCompile(`(?m)^client_secret:\s+(\S+)$`)

func sha(s string) []byte {
	sum := sha256.Sum256([]byte(s))
	return sum[:]
}

func TestCreatePrintsSecretOnce(t *testing.T) {
	api := newTestAPI(t)
	out := api.runOK(t, "create", "--id", "my-app", "--name", "My App", "--redirect-uri", "https://app.example.com/cb")
	m := secretLine.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no client_secret line in:\n%s", out)
	}
	secret := m[1]
	if !strings.Contains(out, "my-app") || !strings.Contains(out, "shown only once") {
		t.Fatalf("summary lacks the client_id or the warning:\n%s", out)
	}
	stored := api.store.client("my-app")
	if stored == nil || !bytes.Equal(stored.SecretHash, sha(secret)) {
		t.Fatalf("printed secret does not match the stored hash")
	}
	// get never shows it.
	out = api.runOK(t, "get", "my-app")
	if strings.Contains(out, secret) || strings.Contains(out, "client_secret:") || !strings.Contains(out, "https://app.example.com/cb") {
		t.Fatalf("get output:\n%s", out)
	}
	out = api.runOK(t, "get", "my-app", "--json")
	if strings.Contains(out, secret) {
		t.Fatalf("get --json shows the secret: %s", out)
	}
}

func TestCreateJSONWithEveryFlag(t *testing.T) {
	api := newTestAPI(t)
	out := api.runOK(t, "create", "--json",
		"--id", "spa-1",
		"--name", "My SPA",
		"--redirect-uri", "https://spa.example.com/cb",
		"--redirect-uri", "http://127.0.0.1:5173/cb",
		"--post-logout-redirect-uri", "https://spa.example.com/bye",
		"--grant-type", "authorization_code",
		"--response-type", "code",
		"--scope", "openid wallet email",
		"--auth-method", "none",
		"--logo-uri", "https://spa.example.com/logo.png",
		"--client-uri", "https://spa.example.com",
		"--policy-uri", "https://spa.example.com/privacy",
		"--tos-uri", "https://spa.example.com/tos",
		"--cors-origin", "https://spa.example.com",
		"--cors-origin", "http://localhost:5173",
		"--allow-plain-pkce",
		"--subject-type", "pairwise",
	)
	var m admin.Metadata
	dec := json.NewDecoder(strings.NewReader(out))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("--json output does not parse: %v\n%s", err, out)
	}
	want := admin.Metadata{
		ClientID:                "spa-1",
		ClientIDIssuedAt:        m.ClientIDIssuedAt,
		ClientName:              "My SPA",
		RedirectURIs:            []string{"https://spa.example.com/cb", "http://127.0.0.1:5173/cb"},
		PostLogoutRedirectURIs:  []string{"https://spa.example.com/bye"},
		GrantTypes:              []string{"authorization_code"},
		ResponseTypes:           []string{"code"},
		Scope:                   "openid wallet email",
		TokenEndpointAuthMethod: "none",
		LogoURI:                 "https://spa.example.com/logo.png",
		ClientURI:               "https://spa.example.com",
		PolicyURI:               "https://spa.example.com/privacy",
		TosURI:                  "https://spa.example.com/tos",
		AllowedCORSOrigins:      []string{"https://spa.example.com", "http://localhost:5173"},
		AllowPlainPKCE:          true,
		RequirePKCE:             ptr(true),
		AccessTokenStrategy:     "opaque",
		SubjectType:             "pairwise",
	}
	got, _ := json.Marshal(m)
	exp, _ := json.Marshal(want)
	if string(got) != string(exp) || m.ClientIDIssuedAt == 0 {
		t.Fatalf("created\n got %s\nwant %s", got, exp)
	}

	// A confidential client's --json answer carries the secret.
	out = api.runOK(t, "create", "--json", "--redirect-uri", "https://conf.example.com/cb")
	var conf admin.Metadata
	if err := json.Unmarshal([]byte(out), &conf); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if conf.ClientSecret == "" || conf.ClientSecretExpiresAt == nil || *conf.ClientSecretExpiresAt != 0 {
		t.Fatalf("confidential --json: %s", out)
	}
	if !bytes.Equal(api.store.client(conf.ClientID).SecretHash, sha(conf.ClientSecret)) {
		t.Fatal("stored hash does not match the printed secret")
	}
}

func TestListGetDeleteRotate(t *testing.T) {
	api := newTestAPI(t)
	if out := api.runOK(t, "list"); !strings.Contains(out, "No clients") {
		t.Fatalf("empty list: %q", out)
	}
	first := secretLine.FindStringSubmatch(api.runOK(t, "create", "--id", "app-a", "--name", "App A", "--redirect-uri", "https://a.example/cb"))
	api.runOK(t, "create", "--id", "app-b", "--auth-method", "none", "--redirect-uri", "https://b.example/cb")

	out := api.runOK(t, "list")
	for _, want := range []string{"CLIENT_ID", "app-a", "App A", "client_secret_basic", "app-b", "none", "https://b.example/cb"} {
		if !strings.Contains(out, want) {
			t.Fatalf("list lacks %q:\n%s", want, out)
		}
	}
	var list struct {
		Clients []admin.Metadata `json:"clients"`
	}
	if err := json.Unmarshal([]byte(api.runOK(t, "list", "--json")), &list); err != nil || len(list.Clients) != 2 {
		t.Fatalf("list --json: %v %+v", err, list)
	}

	// rotate-secret: a new secret, printed once; the stored hash changes.
	oldHash := api.store.client("app-a").SecretHash
	out = api.runOK(t, "rotate-secret", "app-a")
	m := secretLine.FindStringSubmatch(out)
	if m == nil || m[1] == first[1] || !strings.Contains(out, "shown only once") || !strings.Contains(out, "app-a") {
		t.Fatalf("rotate output:\n%s", out)
	}
	newHash := api.store.client("app-a").SecretHash
	if bytes.Equal(newHash, oldHash) || !bytes.Equal(newHash, sha(m[1])) {
		t.Fatal("rotation did not store sha256(new secret)")
	}
	var rotated admin.Metadata
	if err := json.Unmarshal([]byte(api.runOK(t, "rotate-secret", "app-a", "--json")), &rotated); err != nil || rotated.ClientSecret == "" {
		t.Fatalf("rotate --json: %v %+v", err, rotated)
	}

	out = api.runOK(t, "delete", "app-b")
	if !strings.Contains(out, "Deleted client app-b") || api.store.client("app-b") != nil {
		t.Fatalf("delete: %q", out)
	}
	if out := api.runOK(t, "delete", "app-a", "--json"); out != "" {
		t.Fatalf("delete --json printed %q for a 204", out)
	}
}

func TestAPIErrorsExitNonZero(t *testing.T) {
	api := newTestAPI(t)
	cases := []struct {
		name  string
		setup func()
		args  []string
		want  string
	}{
		{"invalid redirect", nil, []string{"create", "--redirect-uri", "http://app.example.com/cb"}, "error: invalid_redirect_uri: "},
		{"fragment", nil, []string{"create", "--redirect-uri", "https://app.example.com/cb#x"}, "error: invalid_redirect_uri: "},
		{"bad auth method", nil, []string{"create", "--redirect-uri", "https://a.example/cb", "--auth-method", "private_key_jwt"}, "error: invalid_client_metadata: "},
		{"unknown client", nil, []string{"get", "nope"}, "error: not_found: "},
		{"delete unknown", nil, []string{"delete", "nope"}, "error: not_found: "},
		{"rotate public", func() {
			api.runOK(t, "create", "--id", "public-1", "--auth-method", "none", "--redirect-uri", "https://a.example/cb")
		}, []string{"rotate-secret", "public-1"}, "error: invalid_request: "},
		{"server error", func() { api.store.fail = errors.New("database is on fire") }, []string{"list"}, "error: server_error: "},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.setup != nil {
				c.setup()
			}
			out, errOut, err := run(t, append(c.args, "--admin-url", api.url, "--admin-token", cliToken)...)
			if err == nil {
				t.Fatalf("no error; stdout %q", out)
			}
			if !strings.HasPrefix(errOut, c.want) {
				t.Fatalf("stderr %q, want prefix %q", errOut, c.want)
			}
			if strings.Contains(errOut, "Usage:") {
				t.Fatalf("usage printed for an API error:\n%s", errOut)
			}
			if strings.Contains(errOut, "fire") {
				t.Fatal("server error leaked")
			}
		})
	}
	// The error_description follows the code.
	_, errOut, _ := run(t, "create", "--redirect-uri", "http://app.example.com/cb", "--admin-url", api.url, "--admin-token", cliToken)
	if !strings.Contains(errOut, `redirect_uris: 'http://app.example.com/cb'`) {
		t.Fatalf("description missing: %q", errOut)
	}
}

func TestTokenAndURL(t *testing.T) {
	api := newTestAPI(t)

	// Missing token: a clear error, and no request is sent.
	_, errOut, err := run(t, "list", "--admin-url", api.url)
	if err == nil || !strings.Contains(err.Error(), EnvAdminToken) || !strings.Contains(err.Error(), "--admin-token") {
		t.Fatalf("missing token: err %v", err)
	}
	if !strings.HasPrefix(errOut, "error: no admin token") || strings.Contains(errOut, "Usage:") {
		t.Fatalf("missing token stderr %q", errOut)
	}
	if n := api.requests.Load(); n != 0 {
		t.Fatalf("%d requests sent without a token", n)
	}

	// Wrong token: the API's 401 is reported.
	_, errOut, err = run(t, "list", "--admin-url", api.url, "--admin-token", "wrong")
	if err == nil || !strings.HasPrefix(errOut, "error: request_unauthorized: ") {
		t.Fatalf("wrong token: %v %q", err, errOut)
	}
	// ... with what to do: the likeliest cause is a token kept from an
	// earlier sigil serve --dev.
	if !strings.Contains(errOut, EnvAdminToken) || !strings.Contains(errOut, "new one at every start") {
		t.Errorf("wrong token: %q does not say how to get the right one", errOut)
	}

	// Both from the environment.
	t.Setenv(EnvAdminURL, api.url)
	t.Setenv(EnvAdminToken, cliToken)
	if _, errOut, err := run(t, "list"); err != nil {
		t.Fatalf("env: %v %s", err, errOut)
	}

	// A flag given on the command line wins over the environment.
	t.Setenv(EnvAdminToken, "wrong-env-token")
	if _, errOut, err := run(t, "list", "--admin-token", cliToken); err != nil {
		t.Fatalf("flag over env token: %v %s", err, errOut)
	}
	t.Setenv(EnvAdminURL, "http://127.0.0.1:1")
	if _, errOut, err := run(t, "list", "--admin-token", cliToken, "--admin-url", api.url); err != nil {
		t.Fatalf("flag over env url: %v %s", err, errOut)
	}

	// Unreachable server and malformed URL are reported with the URL.
	_, errOut, err = run(t, "list", "--admin-token", cliToken)
	if err == nil || !strings.Contains(errOut, "cannot reach the admin API at http://127.0.0.1:1") ||
		!strings.Contains(errOut, "is sigil serve running") || !strings.Contains(errOut, EnvAdminURL) {
		t.Fatalf("unreachable: %v %q", err, errOut)
	}
	// An endpoint's URL instead of the base URL (the /admin/... paths
	// would be doubled): refused before any request, saying what to give.
	for _, u := range []string{api.url + "/admin/clients", api.url + "/admin/", api.url + "/prefix/admin/clients/"} {
		before := api.requests.Load()
		_, errOut, err = run(t, "list", "--admin-token", cliToken, "--admin-url", u)
		if err == nil || !strings.Contains(errOut, "base URL") || api.requests.Load() != before {
			t.Errorf("endpoint URL %s: %v %q", u, err, errOut)
		}
	}
	if _, errOut, err := run(t, "list", "--admin-token", cliToken, "--admin-url", api.url+"/"); err != nil {
		t.Errorf("base URL with a trailing slash: %v %s", err, errOut)
	}
	_, _, err = run(t, "list", "--admin-token", cliToken, "--admin-url", "127.0.0.1:4445")
	if err == nil || !strings.Contains(err.Error(), "not an http(s) URL") {
		t.Fatalf("bad url: %v", err)
	}

	// A server that is not the admin API.
	other := httptest.NewServer(http.NotFoundHandler())
	defer other.Close()
	_, _, err = run(t, "list", "--admin-token", cliToken, "--admin-url", other.URL)
	if err == nil || !strings.Contains(err.Error(), "404") {
		t.Fatalf("non-API server: %v", err)
	}
}

func TestArgumentErrors(t *testing.T) {
	newTestAPI(t)
	if _, _, err := run(t, "get"); err == nil {
		t.Fatal("get without CLIENT_ID accepted")
	}
	if _, _, err := run(t, "create", "extra"); err == nil {
		t.Fatal("create with an argument accepted")
	}
	if _, _, err := run(t, "create", "--no-such-flag"); err == nil {
		t.Fatal("unknown flag accepted")
	}
	// An empty, "." or ".." id would not stay one path segment: the
	// server's path cleaning would turn "get .." into a list of every
	// client and "delete ." into DELETE /admin/clients.
	for _, args := range [][]string{{"get", ""}, {"get", ".."}, {"delete", "."}, {"rotate-secret", ".."}} {
		_, _, err := run(t, args...)
		if err == nil || !strings.Contains(err.Error(), "is not a client_id") {
			t.Errorf("%q: err = %v, want one saying the id is not a client_id", args, err)
		}
	}
}

func ptr[T any](v T) *T { return &v }
