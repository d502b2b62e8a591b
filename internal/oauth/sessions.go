package oauth

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/sigil-oidc/sigil"
	"github.com/sigil-oidc/sigil/internal/session"
)

// LogoutNotifier is told of every session that ended, however it ended
// (RP-initiated logout, the person's account page, an operator), so that
// the clients the session signed in to learn of it (OpenID Connect
// Back-Channel Logout 1.0). It must only enqueue, durably, and never wait
// for delivery: it runs inside the person's request. Package backchannel
// implements it.
type LogoutNotifier interface {
	SessionsEnded(ctx context.Context, ended []sigil.Session) error
}

// StartSession records a completed sign-in: the session row (one INSERT,
// which with the sign-in's own write makes the verify step two statements)
// and the browser's sealed cookie naming it. clientID is the client the
// person signed in to.
func (p *Provider) StartSession(ctx context.Context, w http.ResponseWriter, s session.Session, clientID string, now time.Time) error {
	rec := sigil.Session{
		ID: s.ID, Subject: s.Subject, Address: s.Address, AuthTime: s.AuthTime,
		ExpiresAt: now.Add(p.Lifetimes.Session), Clients: []string{clientID},
	}
	if err := p.Store.CreateSession(ctx, rec); err != nil {
		return fmt.Errorf("create session: %w", err)
	}
	return p.Cookies.Write(w, s, now)
}

// SessionsEnded hands ended sessions to the LogoutNotifier, if any. The
// sessions have ended already whatever happens here, so a failure is
// logged, not returned; the context is detached from the request so that a
// browser closing its connection cannot cut the enqueue short.
func (p *Provider) SessionsEnded(ctx context.Context, ended []sigil.Session) {
	if p.Notifier == nil || len(ended) == 0 {
		return
	}
	if err := p.Notifier.SessionsEnded(context.WithoutCancel(ctx), ended); err != nil {
		ids := make([]string, len(ended))
		for i, s := range ended {
			ids[i] = s.ID
		}
		p.Log.Error("back-channel logout: enqueue failed", "sessions", ids, "err", err)
	}
}

// AccountClientID is the client through which Sigil's own account page
// (/account) signs people in, with the same wallet login as every client.
// It is first-party: signing in to it asks for no consent, and the account
// page does not list it among the person's apps.
const AccountClientID = "sigil-account"
