package admin

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"github.com/sigil-oidc/sigil"
	"github.com/sigil-oidc/sigil/internal/audit"
	"github.com/sigil-oidc/sigil/internal/domains"
	"github.com/sigil-oidc/sigil/internal/oautherr"
)

// LogoutNotifier learns of the sessions the admin API ends, to tell the
// clients they signed in to (Back-Channel Logout 1.0); package backchannel
// implements it. It only enqueues, so the operator's request never waits
// for a client.
type LogoutNotifier interface {
	SessionsEnded(ctx context.Context, ended []sigil.Session) error
}

// WithSessions serves a person's sessions and consents:
//
//	GET    /admin/subjects/{subject}/sessions              the live sessions (200)
//	DELETE /admin/subjects/{subject}/sessions              end them all (204)
//	DELETE /admin/sessions/{sid}                           end one (204)
//	GET    /admin/subjects/{subject}/consents              the remembered consents (200)
//	DELETE /admin/subjects/{subject}/consents/{client_id}  revoke one, and the
//	                                                       codes and tokens issued under it (204)
//
// A DELETE that finds nothing to end or revoke answers 404 not_found. Ended
// sessions go to notifier (nil: nobody is notified). {subject} is a domain
// name, path-escaped, normalised as at sign-in ("Alice.Crypto" is
// alice.crypto).
func WithSessions(notifier LogoutNotifier) Option {
	return func(mux *routes, h *handler) {
		s := &sessionsHandler{handler: h, notifier: notifier}
		mux.HandleFunc("GET /admin/subjects/{subject}/sessions", s.listSessions)
		mux.HandleFunc("DELETE /admin/subjects/{subject}/sessions", s.endSessions)
		mux.HandleFunc("DELETE /admin/sessions/{sid}", s.endSession)
		mux.HandleFunc("GET /admin/subjects/{subject}/consents", s.listConsents)
		mux.HandleFunc("DELETE /admin/subjects/{subject}/consents/{client_id}", s.revokeConsent)
	}
}

type sessionsHandler struct {
	*handler
	notifier LogoutNotifier
}

// SessionJSON is a session as the admin API shows it. Times are Unix
// seconds, as auth_time is in an ID token.
type SessionJSON struct {
	SID       string `json:"sid"`
	Subject   string `json:"subject"`
	Address   string `json:"address"`
	AuthTime  int64  `json:"auth_time"`
	ExpiresAt int64  `json:"expires_at"`
	// Clients are the clients the session signed in to, first sign-in
	// first.
	Clients []string `json:"clients"`
}

// SessionsJSON is the answer of GET /admin/subjects/{subject}/sessions,
// newest sign-in first.
type SessionsJSON struct {
	Sessions []SessionJSON `json:"sessions"`
}

// ConsentJSON is a remembered consent; granted_at is Unix seconds.
type ConsentJSON struct {
	ClientID  string `json:"client_id"`
	Scope     string `json:"scope"`
	GrantedAt int64  `json:"granted_at"`
}

// ConsentsJSON is the answer of GET /admin/subjects/{subject}/consents,
// ordered by client_id.
type ConsentsJSON struct {
	Consents []ConsentJSON `json:"consents"`
}

// subject reads and normalises the {subject} path value, answering 400
// itself when it is not a domain name.
func (s *sessionsHandler) subject(w http.ResponseWriter, r *http.Request) (string, bool) {
	name, err := domains.NormalizeName(r.PathValue("subject"))
	if err != nil {
		oautherr.WriteJSON(w, oautherr.ErrInvalidRequest.WithHint("The subject is not a domain name: %s.", err))
		return "", false
	}
	return name, true
}

func (s *sessionsHandler) listSessions(w http.ResponseWriter, r *http.Request) {
	subject, ok := s.subject(w, r)
	if !ok {
		return
	}
	list, err := s.store.ListSessions(r.Context(), subject, s.now())
	if err != nil {
		s.serverError(w, r, "list sessions", err)
		return
	}
	out := SessionsJSON{Sessions: make([]SessionJSON, 0, len(list))}
	for _, sess := range list {
		out.Sessions = append(out.Sessions, sessionJSON(sess))
	}
	writeJSON(w, http.StatusOK, out)
}

func sessionJSON(s sigil.Session) SessionJSON {
	clients := s.Clients
	if clients == nil {
		clients = []string{}
	}
	return SessionJSON{SID: s.ID, Subject: s.Subject, Address: s.Address, AuthTime: s.AuthTime.Unix(),
		ExpiresAt: s.ExpiresAt.Unix(), Clients: clients}
}

func (s *sessionsHandler) endSessions(w http.ResponseWriter, r *http.Request) {
	subject, ok := s.subject(w, r)
	if !ok {
		return
	}
	ended, err := s.store.EndSessions(r.Context(), subject, s.now())
	if err != nil {
		s.serverError(w, r, "end sessions", err)
		return
	}
	if len(ended) == 0 {
		oautherr.WriteJSON(w, oautherr.ErrNotFound.WithHint("%s has no live session.", subject))
		return
	}
	s.ended(r, ended)
	audit.Admin(r.Context(), s.log, audit.SessionsEnded, slog.String("subject", subject), slog.Int("count", len(ended)))
	noContent(w)
}

func (s *sessionsHandler) endSession(w http.ResponseWriter, r *http.Request) {
	sid := r.PathValue("sid")
	ended, err := s.store.EndSession(r.Context(), sid, s.now())
	if errors.Is(err, sigil.ErrNotFound) {
		oautherr.WriteJSON(w, oautherr.ErrNotFound.WithHint("There is no live session with sid '%s'.", oautherr.Shown(sid)))
		return
	}
	if err != nil {
		s.serverError(w, r, "end session", err)
		return
	}
	s.ended(r, []sigil.Session{*ended})
	audit.Admin(r.Context(), s.log, audit.SessionEnded, slog.String("sid", sid), slog.String("subject", ended.Subject))
	noContent(w)
}

// ended tells the notifier; the sessions are over whatever it answers, so
// a failure is logged, not returned.
func (s *sessionsHandler) ended(r *http.Request, ended []sigil.Session) {
	if s.notifier == nil {
		return
	}
	if err := s.notifier.SessionsEnded(context.WithoutCancel(r.Context()), ended); err != nil {
		s.log.Error("admin API: back-channel logout enqueue failed", "err", err)
	}
}

func (s *sessionsHandler) listConsents(w http.ResponseWriter, r *http.Request) {
	subject, ok := s.subject(w, r)
	if !ok {
		return
	}
	list, err := s.store.ListConsents(r.Context(), subject)
	if err != nil {
		s.serverError(w, r, "list consents", err)
		return
	}
	out := ConsentsJSON{Consents: make([]ConsentJSON, 0, len(list))}
	for _, c := range list {
		out.Consents = append(out.Consents, ConsentJSON{ClientID: c.ClientID, Scope: c.Scope.String(), GrantedAt: c.GrantedAt.Unix()})
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *sessionsHandler) revokeConsent(w http.ResponseWriter, r *http.Request) {
	subject, ok := s.subject(w, r)
	if !ok {
		return
	}
	clientID := r.PathValue("client_id")
	err := s.store.RevokeConsent(r.Context(), subject, clientID)
	if errors.Is(err, sigil.ErrNotFound) {
		oautherr.WriteJSON(w, oautherr.ErrNotFound.WithHint("%s has no consent and no tokens at client '%s'.", subject, oautherr.Shown(clientID)))
		return
	}
	if err != nil {
		s.serverError(w, r, "revoke consent", err)
		return
	}
	audit.Admin(r.Context(), s.log, audit.ConsentRevoked, slog.String("subject", subject), slog.String("client_id", clientID))
	noContent(w)
}

func noContent(w http.ResponseWriter) {
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusNoContent)
}
