package server

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
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
//
// The origins allowed are read from the store and kept in memory; see
// ClientsFor for how they are refreshed without making requests wait.
type CORS struct {
	Store sigil.Store
	// TTL bounds how long a change to a client's origins takes to reach
	// this node; an unknown origin triggers a reload at most once a second,
	// so a newly registered client works within about a second.
	TTL time.Duration

	first     sync.Mutex                // held only by the very first load
	set       atomic.Pointer[originSet] // the origins, swapped whole
	reloading atomic.Bool               // a reload is running
	nextTry   atomic.Int64              // no reload before (unix nanoseconds)
}

// originSet is one read of every client's allowed origins, never changed
// once published.
type originSet struct {
	origins map[string]map[string]bool // origin -> client ids
	loaded  time.Time
}

// reloadTimeout bounds one background reload of the origins.
const reloadTimeout = 10 * time.Second

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
//
// Requests never wait on the database but for the very first load: a
// stale set (older than TTL, or older than a second and without origin)
// is still answered, while one goroutine reloads it in the background
// (one at a time, at most once a second) and swaps in the new set. A busy
// or locked database therefore delays when a change is seen, never a
// cross-origin request. A failed reload keeps the previous set.
func (c *CORS) ClientsFor(ctx context.Context, origin string) map[string]bool {
	s := c.set.Load()
	if s == nil {
		if s = c.loadFirst(ctx); s == nil {
			return nil
		}
	}
	now := time.Now()
	age := now.Sub(s.loaded)
	if (age > c.TTL || (s.origins[origin] == nil && age > time.Second)) && now.UnixNano() >= c.nextTry.Load() &&
		c.reloading.CompareAndSwap(false, true) {
		c.nextTry.Store(now.Add(time.Second).UnixNano())
		go func() {
			defer c.reloading.Store(false)
			ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), reloadTimeout)
			defer cancel()
			if fresh, err := c.load(ctx); err == nil {
				c.set.Store(fresh)
			}
		}()
	}
	return s.origins[origin]
}

// loadFirst loads the first set, once: concurrent first callers wait for
// it. It returns nil when the store fails, and the next call tries again.
func (c *CORS) loadFirst(ctx context.Context) *originSet {
	c.first.Lock()
	defer c.first.Unlock()
	if s := c.set.Load(); s != nil {
		return s
	}
	s, err := c.load(ctx)
	if err != nil {
		return nil
	}
	c.set.Store(s)
	return s
}

// load reads every client's allowed origins.
func (c *CORS) load(ctx context.Context) (*originSet, error) {
	loaded := time.Now()
	clients, err := c.Store.ListClients(ctx)
	if err != nil {
		return nil, err
	}
	m := map[string]map[string]bool{}
	for _, cl := range clients {
		for _, o := range cl.AllowedCORSOrigins {
			if m[o] == nil {
				m[o] = map[string]bool{}
			}
			m[o][cl.ID] = true
		}
	}
	return &originSet{origins: m, loaded: loaded}, nil
}
