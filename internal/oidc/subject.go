package oidc

import (
	"context"
	"errors"
	"fmt"

	"github.com/sigil-oidc/sigil"
	"github.com/sigil-oidc/sigil/internal/domains"
	"github.com/sigil-oidc/sigil/internal/secret"
)

// Subject is the sub that client sees for the person who signed in with
// domain, held by the wallet owner (OpenID Connect Core section 8): the
// domain itself for a public client (the default, as Login with
// Unstoppable and @uauth/js expect), and for a pairwise client an opaque
// identifier of client, domain and owner (section 8.1, secret.Keys
// PairwiseSubject). The client_id is the sector: Sigil reads no
// sector_identifier_uri, so two clients of one operator see different
// subjects. A pairwise sub never passes to the domain's next owner, whose
// address differs.
//
// Every place that writes or compares a sub for a client goes through
// this: ID tokens, userinfo, introspection, JWT access tokens, logout
// tokens, and the id_token_hint and claims request checks.
func Subject(keys *secret.Keys, client *sigil.Client, domain, owner string) string {
	if client == nil || !client.Pairwise() {
		return domain
	}
	return keys.PairwiseSubject(client.ID, domain, owner)
}

// ErrOwnerChanged reports that the domain of a grant is no longer held by
// the wallet that signed in: it was transferred, or burnt or expired (no
// owner at all). The grant must end.
var ErrOwnerChanged = errors.New("the domain is no longer held by the wallet that signed in")

// CheckOwner reports whether a's domain is still held by the wallet that
// signed in (a.Address), as r knows it now: through r's cache, so a
// transfer is seen within r's cache TTL (30 seconds by default for UNS;
// docs/operations.md), at the cost of a map look-up while the answer is
// cached. It returns nil for a client credentials grant (no domain) and
// when r is nil; an error wrapping ErrOwnerChanged, with the new owner (""
// when none), when the owner differs or the domain no longer resolves; and
// an error wrapping sigil.ErrResolverUnavailable when the chain could not
// be read, which callers must not take for a change (see
// docs/operations.md: an outage revokes nothing).
func CheckOwner(ctx context.Context, r sigil.DomainResolver, a *sigil.Authorization) (newOwner string, err error) {
	if a.ForClient() || r == nil {
		return "", nil
	}
	owner, err := domains.Owner(ctx, r, a.Subject)
	switch {
	case errors.Is(err, sigil.ErrDomainNotFound):
		return "", fmt.Errorf("%w: %s no longer resolves", ErrOwnerChanged, a.Subject)
	case err != nil:
		return "", err
	case owner != a.Address:
		return owner, fmt.Errorf("%w: %s is now held by %s, not %s", ErrOwnerChanged, a.Subject, owner, a.Address)
	}
	return "", nil
}
