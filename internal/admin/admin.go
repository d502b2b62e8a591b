// Package admin is Sigil's administration API: registering, reading,
// replacing, deleting relying parties and rotating their secrets.
//
// The request and response bodies are the client metadata of OAuth 2.0
// Dynamic Client Registration (RFC 7591 sections 2 and 3.2.1), and the
// read/replace/delete operations follow the shape of RFC 7592, so tools that
// speak those formats need no translation. Unlike RFC 7591 open registration
// and unlike the Hydra admin API behind the hosted Login with Unstoppable
// service, which has no authentication of its own, every request must carry
// the operator's admin token as a Bearer token (RFC 6750 section 2.1). The
// server holds only the token's SHA-256 hash.
//
// Routes:
//
//	POST   /admin/clients              register a client (201)
//	GET    /admin/clients              list clients (200)
//	GET    /admin/clients/{id}         read a client (200)
//	PUT    /admin/clients/{id}         replace a client's metadata (200)
//	DELETE /admin/clients/{id}         delete a client (204)
//	POST   /admin/clients/{id}/secret  rotate a client's secret (200)
//	POST   /admin/oauth2/introspect    introspect a token (RFC 7662; 200)
//	GET    /admin/keys                 list the signing keys (200; WithKeys)
//	POST   /admin/keys/rotate          rotate the signing keys (200; WithKeys)
//	GET    /admin/subjects/{subject}/sessions   a person's live sessions (200; WithSessions)
//	DELETE /admin/subjects/{subject}/sessions   end them all (204; WithSessions)
//	DELETE /admin/sessions/{sid}                end one session (204; WithSessions)
//	GET    /admin/subjects/{subject}/consents   a person's remembered consents (200; WithSessions)
//	DELETE /admin/subjects/{subject}/consents/{client_id}
//	                                            revoke a consent and its tokens (204; WithSessions)
//
// The introspection route is Hydra's admin path, which resource servers
// written for the hosted service already call: a form with token (and
// optionally token_type_hint and scope), answered as at the public
// /oauth2/introspect but authenticated with the admin token instead of
// client credentials.
//
// Client secrets are shown once, in the response that issued them, and
// stored as SHA-256 hashes. Every error is a catalogue error written by
// oautherr.WriteJSON.
package admin

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"net/http/pprof"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/sigil-oidc/sigil"
	"github.com/sigil-oidc/sigil/internal/audit"
	"github.com/sigil-oidc/sigil/internal/oautherr"
)

// maxBodyBytes bounds a request body: metadata is a few kilobytes at most,
// and an unbounded body would let a caller exhaust memory.
const maxBodyBytes = 1 << 20

// secretBytes is the entropy of a client secret: 256 bits.
const secretBytes = 32

// realm is the protection space named in WWW-Authenticate (RFC 6750 section 3).
const realm = "sigil-admin"

// HashToken returns SHA-256 of the admin token. The server is configured with
// this hash only, so neither its memory nor its configuration holds the
// token; a fast hash suffices because an admin token is a long random value
// that cannot be guessed, unlike a password.
func HashToken(token string) [32]byte {
	return sha256.Sum256([]byte(token))
}

// NewHandler returns the admin API on store. Every request must carry
// "Authorization: Bearer <token>" with SHA-256(token) == adminTokenHash; the
// comparison is constant-time so response timing reveals nothing about the
// hash. log receives server errors and an audit line for every change (never
// a secret); nil discards.
//
// introspect, when not nil, serves POST /admin/oauth2/introspect behind the
// same admin token check (oauth.Provider.AdminIntrospect); the admin
// package only routes to it, so token logic stays in one place.
//
// The handler should be served on a listener that only operators can reach
// (Sigil's default is 127.0.0.1:4445), separate from the public endpoints.
//
// opts add optional routes, such as WithKeys.
func NewHandler(store sigil.Store, adminTokenHash [32]byte, log *slog.Logger, introspect http.Handler, opts ...Option) http.Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	h := &handler{store: store, tokenHash: adminTokenHash, log: log, now: time.Now}
	mux := &routes{ServeMux: http.NewServeMux()}
	mux.HandleFunc("POST /admin/clients", h.create)
	mux.HandleFunc("GET /admin/clients", h.list)
	mux.HandleFunc("GET /admin/clients/{id}", h.get)
	mux.HandleFunc("PUT /admin/clients/{id}", h.replace)
	mux.HandleFunc("DELETE /admin/clients/{id}", h.delete)
	mux.HandleFunc("POST /admin/clients/{id}/secret", h.rotate)
	if introspect != nil {
		mux.Handle("POST /admin/oauth2/introspect", introspect)
	}
	for _, o := range opts {
		o(mux, h)
	}
	// Go's profiler, for operators and for the profiles in
	// docs/benchmarks.md, behind the admin token like everything here. A
	// profile costs only while one is being taken.
	mux.Handle("GET /admin/debug/pprof/", http.StripPrefix("/admin", http.HandlerFunc(pprof.Index)))
	mux.HandleFunc("GET /admin/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("GET /admin/debug/pprof/trace", pprof.Trace)
	// Anything else gets a catalogue error rather than the mux's plain-text
	// 404 or 405, so every answer of this API is JSON: another method on a
	// path that exists is invalid_request with Allow, as on the public
	// listener; an unknown path is not_found, listing the endpoints.
	endpoints := strings.Join(mux.patterns, ", ")
	mux.ServeMux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if allow := mux.allowed(r); len(allow) > 0 {
			w.Header().Set("Allow", strings.Join(allow, ", "))
			oautherr.WriteJSON(w, oautherr.ErrInvalidRequest.WithHint("Method %s is not allowed on %s; use %s.",
				oautherr.Shown(r.Method), oautherr.Shown(r.URL.Path), strings.Join(allow, " or ")))
			return
		}
		oautherr.WriteJSON(w, oautherr.ErrNotFound.WithHint("There is no admin endpoint %s %s; the admin API serves %s.",
			oautherr.Shown(r.Method), oautherr.Shown(r.URL.Path), endpoints))
	})
	return h.authenticate(mux)
}

// routes is the admin API's mux, which also keeps the patterns it serves,
// for the answer to an unknown path or method.
type routes struct {
	*http.ServeMux
	patterns []string
}

// Handle registers h for pattern ("METHOD /path").
func (m *routes) Handle(pattern string, h http.Handler) {
	m.ServeMux.Handle(pattern, h)
	m.patterns = append(m.patterns, pattern)
}

// HandleFunc registers f for pattern ("METHOD /path").
func (m *routes) HandleFunc(pattern string, f func(http.ResponseWriter, *http.Request)) {
	m.Handle(pattern, http.HandlerFunc(f))
}

// allowed lists the methods that the mux serves at r's path, by asking it
// which pattern would take r with each method; the catch-all "/" is none.
func (m *routes) allowed(r *http.Request) []string {
	var out []string
	for _, method := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete} {
		probe := &http.Request{Method: method, URL: r.URL, Host: r.Host, Header: http.Header{}}
		if _, pattern := m.ServeMux.Handler(probe); pattern != "/" && pattern != "" {
			out = append(out, method)
		}
	}
	return out
}

type handler struct {
	store     sigil.Store
	tokenHash [32]byte
	log       *slog.Logger
	now       func() time.Time
	// authFailures throttles the admin_auth_failed lines, one per client
	// address per minute, so guessing at the token cannot flood the log.
	authFailures audit.Throttle
	// reserved maps the ids of Sigil's own clients (WithReservedClients)
	// to what they are for.
	reserved map[string]string
}

// WithReservedClients names the clients Sigil manages itself (id -> what
// it is for: the account page's client, the --dev demo's): the admin API
// neither registers another client under such an id nor changes, rotates
// or deletes one. Sigil creates, updates and removes them at start, so an
// operator's client of that id would be deleted at the next start, and an
// edit of the account page's client (a first-party client, which asks no
// consent) could send its codes elsewhere.
func WithReservedClients(reserved map[string]string) Option {
	return func(_ *routes, h *handler) { h.reserved = reserved }
}

// refuseReserved answers 403 for a reserved client id and reports whether
// it did.
func (h *handler) refuseReserved(w http.ResponseWriter, id string) bool {
	what, ok := h.reserved[id]
	if !ok {
		return false
	}
	oautherr.WriteJSON(w, oautherr.ErrRequestForbidden.WithHint("Client '%s' is Sigil's own (%s): Sigil manages it at start, and the admin API cannot change, rotate or delete it.", id, what))
	return true
}

// authenticate runs before routing, so a caller without the token learns
// nothing, not even which routes exist.
func (h *handler) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Two headers are refused rather than one of them chosen, so that
		// Sigil and a proxy in front of it cannot disagree on who asks.
		if n := len(r.Header.Values("Authorization")); n > 1 {
			h.authFailed(r, "missing")
			oautherr.WriteJSON(w, oautherr.ErrInvalidRequest.WithHint("The request has %d Authorization headers; send one (RFC 9110 section 5.3).", n))
			return
		}
		token, ok := bearerToken(r)
		if !ok {
			h.authFailed(r, "missing")
			h.unauthorized(w, "Send the admin token as 'Authorization: Bearer <token>'.")
			return
		}
		sum := HashToken(token)
		if subtle.ConstantTimeCompare(sum[:], h.tokenHash[:]) != 1 {
			h.authFailed(r, "wrong")
			h.unauthorized(w, "The admin token is not valid.")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// authFailed records a request without the right admin token; reason is
// missing or wrong.
func (h *handler) authFailed(r *http.Request, reason string) {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	audit.Limited(r.Context(), h.log, &h.authFailures, audit.AdminAuthFailed, host,
		slog.String("reason", reason), slog.String("method", r.Method), slog.String("path", r.URL.Path))
}

func (h *handler) unauthorized(w http.ResponseWriter, hint string) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="`+realm+`"`)
	oautherr.WriteJSON(w, oautherr.ErrRequestUnauthorized.WithHint("%s", hint))
}

// bearerToken extracts the token of RFC 6750 section 2.1; the scheme name is
// case-insensitive (RFC 9110 section 11.1).
func bearerToken(r *http.Request) (string, bool) {
	auth := r.Header.Get("Authorization")
	scheme, token, ok := strings.Cut(auth, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

// create registers a client (RFC 7591 section 3.1) and answers 201 with the
// client information response of section 3.2.1.
func (h *handler) create(w http.ResponseWriter, r *http.Request) {
	var m Metadata
	if !h.decode(w, r, &m) {
		return
	}
	c, err := ValidateMetadata(&m)
	if err != nil {
		oautherr.WriteJSON(w, err)
		return
	}
	if c.ID == "" {
		// A random (version 4) UUID, the form of the hosted service's ids.
		c.ID = uuid.NewString()
	}
	if what, ok := h.reserved[c.ID]; ok {
		oautherr.WriteJSON(w, metadataErr("client_id '%s' is reserved for Sigil's own client (%s); choose another or omit client_id.", c.ID, what))
		return
	}
	now := h.now().UTC()
	c.CreatedAt, c.UpdatedAt = now, now
	var secret string
	if !c.Public() {
		if secret, c.SecretHash, err = newSecret(); err != nil {
			h.serverError(w, r, "generate client secret", err)
			return
		}
	}
	if err := h.store.CreateClient(r.Context(), c); err != nil {
		if errors.Is(err, sigil.ErrConflict) {
			oautherr.WriteJSON(w, metadataErr("client_id '%s' already exists; choose another or omit client_id.", c.ID))
			return
		}
		h.serverError(w, r, "create client", err)
		return
	}
	audit.Admin(r.Context(), h.log, audit.ClientCreated, slog.String("client_id", c.ID), slog.String("auth_method", c.TokenEndpointAuthMethod))
	w.Header().Set("Location", "/admin/clients/"+c.ID)
	writeJSON(w, http.StatusCreated, withSecret(metadataFromClient(c), secret))
}

// list answers every client, without secrets.
func (h *handler) list(w http.ResponseWriter, r *http.Request) {
	clients, err := h.store.ListClients(r.Context())
	if err != nil {
		h.serverError(w, r, "list clients", err)
		return
	}
	out := struct {
		Clients []*Metadata `json:"clients"`
	}{Clients: make([]*Metadata, 0, len(clients))}
	for _, c := range clients {
		out.Clients = append(out.Clients, metadataFromClient(c))
	}
	writeJSON(w, http.StatusOK, out)
}

// get answers one client (RFC 7592 section 2.1), without its secret: the
// secret was shown once at registration and only its hash exists now.
func (h *handler) get(w http.ResponseWriter, r *http.Request) {
	c, ok := h.load(w, r)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, metadataFromClient(c))
}

// replace overwrites a client's metadata (RFC 7592 section 2.2): omitted
// fields take their defaults, not their old values. The secret hash is kept
// while the client stays confidential; a public client that becomes
// confidential gets a new secret, shown in this response only; a client that
// becomes public loses its hash, so its old secret stops working.
//
// The read-modify-write is not atomic with a concurrent rotation of the same
// client; the last writer wins.
func (h *handler) replace(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if h.refuseReserved(w, id) {
		return
	}
	var m Metadata
	if !h.decode(w, r, &m) {
		return
	}
	if m.ClientID != "" && m.ClientID != id {
		oautherr.WriteJSON(w, metadataErr("client_id '%s' in the body does not match '%s' in the URL; omit it or make them equal.", m.ClientID, id))
		return
	}
	c, err := ValidateMetadata(&m)
	if err != nil {
		oautherr.WriteJSON(w, err)
		return
	}
	old, ok := h.load(w, r)
	if !ok {
		return
	}
	c.ID = old.ID
	c.CreatedAt = old.CreatedAt
	c.UpdatedAt = h.now().UTC()
	var secret string
	switch {
	case c.Public():
		c.SecretHash = nil
	case len(old.SecretHash) == 0:
		if secret, c.SecretHash, err = newSecret(); err != nil {
			h.serverError(w, r, "generate client secret", err)
			return
		}
	default:
		c.SecretHash = old.SecretHash
	}
	if err := h.store.UpdateClient(r.Context(), c); err != nil {
		h.storeError(w, r, "update client", c.ID, err)
		return
	}
	audit.Admin(r.Context(), h.log, audit.ClientUpdated, slog.String("client_id", c.ID), slog.String("auth_method", c.TokenEndpointAuthMethod),
		slog.Bool("secret_issued", secret != ""))
	writeJSON(w, http.StatusOK, withSecret(metadataFromClient(c), secret))
}

// delete removes a client (RFC 7592 section 2.3) and answers 204. The store
// cascades to its authorizations, so its codes and tokens stop working.
func (h *handler) delete(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if h.refuseReserved(w, id) {
		return
	}
	// Every backend answers sigil.ErrNotFound for an absent id (checked by
	// the storetest conformance suite), which storeError turns into 404.
	if err := h.store.DeleteClient(r.Context(), id); err != nil {
		h.storeError(w, r, "delete client", id, err)
		return
	}
	audit.Admin(r.Context(), h.log, audit.ClientDeleted, slog.String("client_id", id))
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusNoContent)
}

// rotate issues a new secret for a confidential client and answers it once.
// The old hash is overwritten, so the old secret stops working at once; there
// is no grace period, which suits an operator responding to a leak.
func (h *handler) rotate(w http.ResponseWriter, r *http.Request) {
	if h.refuseReserved(w, r.PathValue("id")) {
		return
	}
	c, ok := h.load(w, r)
	if !ok {
		return
	}
	if c.Public() {
		oautherr.WriteJSON(w, oautherr.ErrInvalidRequest.WithHint(
			"Client '%s' is public (token_endpoint_auth_method none): public clients have no secret; set token_endpoint_auth_method first (PUT /admin/clients/%s).", c.ID, c.ID))
		return
	}
	secret, hash, err := newSecret()
	if err != nil {
		h.serverError(w, r, "generate client secret", err)
		return
	}
	c.SecretHash = hash
	c.UpdatedAt = h.now().UTC()
	if err := h.store.UpdateClient(r.Context(), c); err != nil {
		h.storeError(w, r, "rotate client secret", c.ID, err)
		return
	}
	audit.Admin(r.Context(), h.log, audit.ClientSecretRotated, slog.String("client_id", c.ID))
	writeJSON(w, http.StatusOK, withSecret(metadataFromClient(c), secret))
}

// load reads the client named in the path, answering 404 or 500 itself.
func (h *handler) load(w http.ResponseWriter, r *http.Request) (*sigil.Client, bool) {
	id := r.PathValue("id")
	c, err := h.store.GetClient(r.Context(), id)
	if err != nil {
		h.storeError(w, r, "get client", id, err)
		return nil, false
	}
	return c, true
}

// storeError maps sigil.ErrNotFound to 404 not_found; anything else is
// logged and answered as server_error, never showing the Go error.
func (h *handler) storeError(w http.ResponseWriter, r *http.Request, op, id string, err error) {
	if errors.Is(err, sigil.ErrNotFound) {
		oautherr.WriteJSON(w, oautherr.ErrNotFound.WithHint("There is no client with client_id '%s'.", oautherr.Shown(id)))
		return
	}
	h.serverError(w, r, op, err)
}

func (h *handler) serverError(w http.ResponseWriter, r *http.Request, op string, err error) {
	if errors.Is(err, context.Canceled) {
		h.log.Info("admin API: request canceled", "op", op, "method", r.Method, "path", r.URL.Path)
	} else {
		h.log.Error("admin API: "+op, "err", err, "method", r.Method, "path", r.URL.Path)
	}
	oautherr.WriteJSON(w, oautherr.ErrServerError.WithHint("The failure was logged; try again or ask the operator to check the logs."))
}

// decode reads a JSON object of client metadata into m: Content-Type must be
// application/json, the body at most maxBodyBytes, and it must hold exactly
// one object with no unknown fields, so a misspelled field name is an error
// instead of a silently ignored setting.
func (h *handler) decode(w http.ResponseWriter, r *http.Request, m *Metadata) bool {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		oautherr.WriteJSON(w, oautherr.ErrInvalidRequest.WithHint(
			"Content-Type must be application/json, not '%s'.", r.Header.Get("Content-Type")))
		return false
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	dec.DisallowUnknownFields()
	err = dec.Decode(m)
	if err == nil {
		// Exactly one JSON value: trailing data means a malformed body.
		if dec.Decode(new(json.RawMessage)) != io.EOF {
			err = errors.New("unexpected data after the JSON object")
		}
	}
	if err != nil {
		var tooLarge *http.MaxBytesError
		switch {
		case errors.As(err, &tooLarge):
			oautherr.WriteJSON(w, oautherr.ErrInvalidRequest.WithHint("The request body is larger than %d bytes.", maxBodyBytes))
		case errors.Is(err, io.EOF):
			oautherr.WriteJSON(w, oautherr.ErrInvalidRequest.WithHint("The request body is empty; send a JSON object of client metadata."))
		default:
			oautherr.WriteJSON(w, oautherr.ErrInvalidRequest.WithHint("The request body is not valid client metadata JSON: %s.", oautherr.JSONProblem(err)))
		}
		return false
	}
	return true
}

// newSecret returns a client secret of 256 random bits, base64url without
// padding, and its SHA-256 hash. A fast hash is safe here because the secret
// cannot be guessed (2^256 candidates, unlike a password, so a slow KDF would
// add nothing), and it keeps client authentication at the token endpoint
// cheap.
func newSecret() (secret string, hash []byte, err error) {
	b := make([]byte, secretBytes)
	if _, err := rand.Read(b); err != nil {
		return "", nil, err
	}
	secret = base64.RawURLEncoding.EncodeToString(b)
	sum := sha256.Sum256([]byte(secret))
	return secret, sum[:], nil
}

// withSecret adds a just-issued secret to a response (RFC 7591 section
// 3.2.1): client_secret_expires_at is 0 because Sigil's secrets do not expire.
func withSecret(m *Metadata, secret string) *Metadata {
	if secret != "" {
		var never int64
		m.ClientSecret = secret
		m.ClientSecretExpiresAt = &never
	}
	return m
}

// writeJSON answers v as JSON. Responses are never cached: they may hold a
// secret (RFC 7591 section 3.2.1) and always describe mutable state.
func writeJSON(w http.ResponseWriter, status int, v any) {
	h := w.Header()
	h.Set("Content-Type", "application/json;charset=UTF-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
