package server

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/sigil-oidc/sigil"
)

// CORS answers cross-origin requests from browser apps (@uauth/js calls the
// token and userinfo endpoints from the app's origin).
//
//   - Metadata (discovery, JWKS, WebFinger) is public: any origin, because
//     it is fetched before any client is known.
//   - The token, userinfo and revocation endpoints answer only origins that
//     some client lists in allowed_cors_origins; the token endpoint then
//     also checks that the authenticated client lists it (oauth.Provider).
//   - Never on the authorization endpoint or the login API: those are
//     navigations and same-origin calls, and CORS there would only help an
//     attacker (RFC 9700 section 4.16).
type CORS struct {
	Store sigil.Store
	// TTL bounds how long a change to a client's origins takes to reach
	// this node; an unknown origin triggers a reload at most once a second,
	// so a newly registered client works at once.
	TTL time.Duration

	mu      sync.Mutex
	origins map[string]map[string]bool // origin -> client ids
	loaded  time.Time
}

// Public wraps a metadata handler: any origin may read it.
func (c *CORS) Public(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Access-Control-Allow-Origin", "*")
		if r.Method == http.MethodOptions {
			w.Header().Set("Access-Control-Allow-Methods", "GET, OPTIONS")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		h(w, r)
	}
}

// Clients wraps an endpoint that registered clients' browser apps call.
func (c *CORS) Clients(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		if origin != "" && len(c.ClientsFor(r.Context(), origin)) > 0 {
			h := w.Header()
			h.Set("Access-Control-Allow-Origin", origin)
			h.Add("Vary", "Origin")
			h.Set("Access-Control-Expose-Headers", "WWW-Authenticate")
			if r.Method == http.MethodOptions {
				h.Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
				h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, Accept")
				h.Set("Access-Control-Max-Age", "600")
			}
		}
		if r.Method == http.MethodOptions {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		h(w, r)
	}
}

// ClientsFor returns the ids of the clients that allow origin.
func (c *CORS) ClientsFor(ctx context.Context, origin string) map[string]bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := time.Now()
	stale := now.Sub(c.loaded) > c.TTL
	if c.origins[origin] == nil && now.Sub(c.loaded) > time.Second {
		stale = true
	}
	if stale {
		if clients, err := c.Store.ListClients(ctx); err == nil {
			m := map[string]map[string]bool{}
			for _, cl := range clients {
				for _, o := range cl.AllowedCORSOrigins {
					if m[o] == nil {
						m[o] = map[string]bool{}
					}
					m[o][cl.ID] = true
				}
			}
			c.origins, c.loaded = m, now
		}
	}
	return c.origins[origin]
}
