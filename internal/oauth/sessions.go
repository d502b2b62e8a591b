package oauth

import (
	"context"
	"time"

	"github.com/sigil-oidc/sigil"
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

// NewSession is the session row a completed sign-in opens, for
// AuthenticateAuthorization to store with the sign-in's own write (so the
// verify step is one statement on PostgreSQL, one transaction on SQLite);
// the row takes the authorization's subject, address and client. The
// browser's sealed cookie naming it is written once the write succeeded
// (Cookies.Write).
func (p *Provider) NewSession(id string, authTime time.Time, now time.Time) *sigil.Session {
	return &sigil.Session{ID: id, AuthTime: authTime, ExpiresAt: now.Add(p.Lifetimes.Session)}
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
