package oauth

import (
	"context"
	"errors"
	"log/slog"

	"github.com/sigil-oidc/sigil"
	"github.com/sigil-oidc/sigil/internal/audit"
	"github.com/sigil-oidc/sigil/internal/oautherr"
	"github.com/sigil-oidc/sigil/internal/oidc"
)

// subject is the sub client sees for the person of a (oidc.Subject): the
// domain, or a pairwise identifier of client, domain and owner.
func (p *Provider) subject(client *sigil.Client, a *sigil.Authorization) string {
	return oidc.Subject(p.Secrets, client, a.Subject, a.Address)
}

// ownerChanged checks that the wallet that signed in for a still holds its
// domain (oidc.CheckOwner, through the resolver's cache, so within its
// bound: docs/operations.md, "Ownership") and reports whether it does not.
// Then the grant is revoked, through the token whose keyed hash is
// tokenHash (Store.RevokeToken, the one conditional write of revocation),
// so that it stays refused whatever the chain says later: a domain sold
// and bought back is a new sign-in. where names the endpoint in the audit
// event.
//
// A resolver that cannot be read (an RPC outage) is not a change: nothing
// is revoked and the grant is served, logged. Revoking on an outage would
// sign everybody out at once; the check runs again on the next use, and
// sign-ins, which read the chain past the cache, fail while it lasts.
func (p *Provider) ownerChanged(ctx context.Context, a *sigil.Authorization, tokenHash []byte, where string) bool {
	newOwner, err := oidc.CheckOwner(ctx, p.Domains, a)
	switch {
	case err == nil:
		return false
	case !errors.Is(err, oidc.ErrOwnerChanged):
		p.Log.Warn("the domain's owner could not be checked; the grant is served", "where", where,
			"domain", a.Subject, "client_id", a.ClientID, "err", err)
		return false
	}
	audit.Event(ctx, p.Log, audit.OwnerChanged, slog.String("where", where), slog.String("domain", a.Subject),
		slog.String("client_id", a.ClientID), slog.String("old_owner", a.Address), slog.String("new_owner", newOwner))
	if err := p.Store.RevokeToken(ctx, tokenHash, a.ClientID); err != nil {
		// Refused all the same; the next use checks and revokes again.
		p.Log.Error("revoke the grant of a changed owner", "where", where, "client_id", a.ClientID, "err", err)
	}
	return true
}

// errOwnerChanged is the token endpoint's answer for a grant whose domain
// changed hands (RFC 6749 section 5.2: the grant is revoked).
func errOwnerChanged(a *sigil.Authorization) error {
	return oautherr.ErrInvalidGrant.WithHint("The domain %s is no longer held by the wallet that signed in, so this grant is revoked; sign in again.", a.Subject)
}
