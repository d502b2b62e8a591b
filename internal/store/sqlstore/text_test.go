package sqlstore_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/sigil-oidc/sigil"
	"github.com/sigil-oidc/sigil/internal/pgtest"
	"github.com/sigil-oidc/sigil/internal/store/postgres"
	"github.com/sigil-oidc/sigil/internal/store/sqlite"
)

// textStore is a migrated store of one database, with the statement count
// of sqlstore.Store.
type textStore interface {
	sigil.Store
	Statements() uint64
}

// textStores opens a migrated SQLite store, and a PostgreSQL one when
// SIGIL_TEST_POSTGRES names a server.
func textStores(t *testing.T) map[string]func(t *testing.T) textStore {
	stores := map[string]func(t *testing.T) textStore{
		"sqlite": func(t *testing.T) textStore {
			st, err := sqlite.Open(filepath.Join(t.TempDir(), "text.db"))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			if _, err := st.Migrate(context.Background()); err != nil {
				t.Fatal(err)
			}
			return st
		},
	}
	if os.Getenv(pgtest.EnvServer) != "" {
		stores["postgres"] = func(t *testing.T) textStore {
			st, err := postgres.Open(context.Background(), pgtest.NewDatabase(t), postgres.Options{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			if _, err := st.Migrate(context.Background()); err != nil {
				t.Fatal(err)
			}
			return st
		}
	} else {
		t.Logf("%s is not set: SQLite only", pgtest.EnvServer)
	}
	return stores
}

// unstorable are text values no TEXT column can hold on PostgreSQL: a NUL
// byte, alone or inside, and bytes that are not UTF-8.
var unstorable = map[string]string{
	"NUL":               "\x00",
	"NUL inside":        "rp\x00",
	"0xFF":              "\xff",
	"truncated UTF-8":   "rp\xc3",
	"UTF-16 surrogate":  "\xed\xa0\x80",
	"overlong encoding": "\xc0\xaf",
}

// TestUnstorableTextMatchesNothing: a look-up or conditional write by a
// value that holds a NUL byte or is not UTF-8 (which PostgreSQL refuses
// with SQLSTATE 22021, failing the statement) answers what a value that
// matches nothing answers, sigil.ErrNotFound, no rows or no error, on
// every store, without sending the statement; the rows that exist are
// left alone. Storing such a value is an error (not ErrNotFound or
// ErrConflict), and nothing is stored.
func TestUnstorableTextMatchesNothing(t *testing.T) {
	for name, open := range textStores(t) {
		t.Run(name, func(t *testing.T) {
			st := open(t)
			ctx := context.Background()
			now := time.Now().UTC().Truncate(time.Millisecond)
			if err := st.CreateClient(ctx, &sigil.Client{ID: "rp", RedirectURIs: []string{"https://rp.example/cb"},
				GrantTypes: []string{"authorization_code", "refresh_token"}, ResponseTypes: []string{"code"},
				Scope: sigil.Scopes{"openid"}, CreatedAt: now, UpdatedAt: now}); err != nil {
				t.Fatal(err)
			}
			browser := []byte("browser-hash")
			flow := &sigil.Authorization{ID: "flow-1", BrowserHash: browser, ClientID: "rp", RedirectURI: "https://rp.example/cb",
				ResponseMode: "query", Scope: sigil.Scopes{"openid"}, MaxAge: -1, RequestedAt: now, ExpiresAt: now.Add(time.Hour)}
			if err := st.CreateAuthorization(ctx, flow); err != nil {
				t.Fatal(err)
			}
			sess := sigil.Session{ID: "sid-1", Subject: "alice.crypto", Address: "0xA11CE", AuthTime: now, ExpiresAt: now.Add(time.Hour)}
			if err := st.CreateSession(ctx, sess); err != nil {
				t.Fatal(err)
			}
			if err := st.SaveConsent(ctx, sigil.Consent{ClientID: "rp", Subject: "alice.crypto", Address: "0xA11CE",
				Scope: sigil.Scopes{"openid"}, GrantedAt: now}); err != nil {
				t.Fatal(err)
			}
			code := sha256.Sum256([]byte("code"))

			for what, bad := range unstorable {
				notFound := map[string]func() error{
					"GetClient": func() error { _, err := st.GetClient(ctx, bad); return err },
					"UpdateClient": func() error {
						return st.UpdateClient(ctx, &sigil.Client{ID: bad, RedirectURIs: []string{"https://rp.example/cb"}, Scope: sigil.Scopes{"openid"}})
					},
					"DeleteClient":     func() error { return st.DeleteClient(ctx, bad) },
					"GetAuthorization": func() error { _, err := st.GetAuthorization(ctx, bad); return err },
					"ChallengeAuthorization": func() error {
						_, err := st.ChallengeAuthorization(ctx, bad, browser, sigil.Challenge{Subject: "alice.crypto", Address: "0xA11CE",
							Nonce: "nonce-1", IssuedAt: now, ExpiresAt: now.Add(time.Minute)}, now)
						return err
					},
					"RejectAuthorization": func() error { _, err := st.RejectAuthorization(ctx, bad, browser, now); return err },
					"ExchangeCode (redirect_uri)": func() error {
						_, err := st.ExchangeCode(ctx, sigil.CodeExchange{CodeHash: code[:], ClientID: "rp", RedirectURI: bad,
							AccessTokenHash: []byte("at"), AccessTokenExpiresAt: now.Add(time.Hour)}, now)
						return err
					},
					"ExchangeCode (client_id)": func() error {
						_, err := st.ExchangeCode(ctx, sigil.CodeExchange{CodeHash: code[:], ClientID: bad, RedirectURI: "https://rp.example/cb",
							AccessTokenHash: []byte("at"), AccessTokenExpiresAt: now.Add(time.Hour)}, now)
						return err
					},
					"RefreshAuthorization": func() error {
						_, err := st.RefreshAuthorization(ctx, sigil.RefreshExchange{Family: "family", TokenHash: []byte("rt"), ClientID: bad,
							NewRefreshTokenHash: []byte("rt2"), NewRefreshTokenExpiresAt: now.Add(time.Hour),
							AccessTokenHash: []byte("at2"), AccessTokenExpiresAt: now.Add(time.Hour)}, now)
						return err
					},
					"GetSession":    func() error { _, err := st.GetSession(ctx, bad); return err },
					"EndSession":    func() error { _, err := st.EndSession(ctx, bad, now); return err },
					"ResumeSession": func() error { _, _, err := st.ResumeSession(ctx, bad, "rp", now); return err },
					"GetConsent":    func() error { _, err := st.GetConsent(ctx, "alice.crypto", bad); return err },
					"RevokeConsent": func() error { return st.RevokeConsent(ctx, "alice.crypto", bad) },
				}
				for call, f := range notFound {
					before := st.Statements()
					if err := f(); !errors.Is(err, sigil.ErrNotFound) {
						t.Errorf("%s(%s): %v, want sigil.ErrNotFound", call, what, err)
					}
					// The exchange by a good client_id goes on to the
					// replay check (revokeReplayed), which is sendable.
					if n := st.Statements() - before; n != 0 && call != "ExchangeCode (redirect_uri)" {
						t.Errorf("%s(%s) sent %d statements, want none", call, what, n)
					}
				}
				empty := map[string]func() (int, error){
					"ListSessions": func() (int, error) { l, err := st.ListSessions(ctx, bad, now); return len(l), err },
					"EndSessions":  func() (int, error) { l, err := st.EndSessions(ctx, bad, now); return len(l), err },
					"ListConsents": func() (int, error) { l, err := st.ListConsents(ctx, bad); return len(l), err },
				}
				for call, f := range empty {
					if n, err := f(); n != 0 || err != nil {
						t.Errorf("%s(%s): %d rows, %v; want none and no error", call, what, n, err)
					}
				}
				if err := st.RevokeToken(ctx, []byte("token-hash"), bad); err != nil {
					t.Errorf("RevokeToken(%s): %v, want no error (RFC 7009 section 2.2)", what, err)
				}

				// Storing such text fails, as an error of its own.
				err := st.CreateClient(ctx, &sigil.Client{ID: "new-" + bad, RedirectURIs: []string{"https://rp.example/cb"}, Scope: sigil.Scopes{"openid"}})
				if err == nil || errors.Is(err, sigil.ErrNotFound) || errors.Is(err, sigil.ErrConflict) {
					t.Errorf("CreateClient(%s): %v, want an error other than not found or conflict", what, err)
				}
				if _, err := st.GetClient(ctx, "new-"+bad); !errors.Is(err, sigil.ErrNotFound) {
					t.Errorf("CreateClient(%s) stored the client: %v", what, err)
				}
				flow := *flow
				flow.ID, flow.Nonce = "flow-"+what, "nonce-"+bad
				if err := st.CreateAuthorization(ctx, &flow); err == nil || errors.Is(err, sigil.ErrNotFound) || errors.Is(err, sigil.ErrConflict) {
					t.Errorf("CreateAuthorization with nonce %s: %v, want an error other than not found or conflict", what, err)
				}
			}

			// What exists is untouched and still found.
			if _, err := st.GetClient(ctx, "rp"); err != nil {
				t.Errorf("GetClient(rp): %v", err)
			}
			if a, err := st.GetAuthorization(ctx, flow.ID); err != nil || a.State != sigil.StateRequested {
				t.Errorf("GetAuthorization(%s): %v, %v", flow.ID, a, err)
			}
			if l, err := st.ListSessions(ctx, "alice.crypto", now); err != nil || len(l) != 1 {
				t.Errorf("ListSessions(alice.crypto): %v, %v; want the one live session", l, err)
			}
			if _, err := st.GetConsent(ctx, "alice.crypto", "rp"); err != nil {
				t.Errorf("GetConsent(rp): %v", err)
			}
			// Printable non-ASCII text is stored and matched as any other.
			if err := st.CreateClient(ctx, &sigil.Client{ID: "r\u00e9p\u00f6", RedirectURIs: []string{"https://rp.example/cb"}, Scope: sigil.Scopes{"openid"}}); err != nil {
				t.Fatalf("CreateClient(non-ASCII): %v", err)
			}
			if c, err := st.GetClient(ctx, "r\u00e9p\u00f6"); err != nil || c.ID != "r\u00e9p\u00f6" {
				t.Errorf("GetClient(non-ASCII): %v, %v", c, err)
			}
		})
	}
}
