package oauth

import (
	"github.com/sigil-oidc/sigil/internal/oautherr"
	"github.com/sigil-oidc/sigil/internal/oidc"
	"github.com/sigil-oidc/sigil/internal/scope"
)

// applyClaimsRequest validates the claims parameter (OpenID Connect Core
// section 5.5) of req and applies it:
//
//   - Sigil's consent is per scope, so each requested claim is asked for
//     as the scope that releases it (oidc.ClaimScopes), when the client is
//     registered for that scope and the request does not already name it:
//     an essential claim as a required scope, a voluntary one as an
//     optional scope the person may decline (section 5.5.1). The person
//     sees it on the consent page like any scope; what is granted and
//     present in the domain's records is then in the ID token and
//     userinfo. A claim whose record is missing is left out, essential or
//     not, without error (section 5.5.1).
//   - A sub value names the only person the answer may be for (section
//     5.5.1): a session of anyone else is not used, and the token
//     endpoint refuses a sign-in by anyone else.
//   - acr requested as essential with values Sigil cannot meet (its one
//     ACR is "sig") fails the request as a failed authentication would
//     (section 5.5.1.1): access_denied.
//
// The normalised parameter is kept with the authorization.
func applyClaimsRequest(req *AuthorizationRequest, raw string) error {
	if raw == "" {
		return nil
	}
	cr, normal, err := oidc.ParseClaimsRequest(raw)
	if err != nil {
		return oautherr.ErrInvalidRequest.WithHint("The claims parameter is not valid: %s.", err.Error())
	}
	sub, err := cr.Subject()
	if err != nil {
		return oautherr.ErrInvalidRequest.WithHint("The claims parameter is not valid: %s.", err.Error())
	}
	var failure error
	cr.Each(func(name string, c *oidc.ClaimRequest) {
		if name == "acr" && c != nil && c.Essential && !c.Wants(oidc.ACR) && failure == nil {
			failure = oautherr.ErrAccessDenied.WithHint("The claims parameter asks for an essential acr that Sigil cannot meet; the only authentication context is '%s' (a wallet signature).", oidc.ACR)
		}
		addClaimScope(req, c != nil && c.Essential, oidc.ClaimScopes(name))
	})
	if failure != nil {
		return failure
	}
	req.ClaimsRequest, req.ClaimsSubject = normal, sub
	return nil
}

// addClaimScope adds to req's scope the first of candidates the client is
// registered for, unless the request already names it (or its parent) in
// any form; see applyClaimsRequest.
func addClaimScope(req *AuthorizationRequest, essential bool, candidates []string) {
	for _, s := range candidates {
		parent := scope.Parent(s)
		if !req.Client.Scope.Has(s) && (parent == "" || !req.Client.Scope.Has(parent)) {
			continue
		}
		for _, named := range []string{s, parent} {
			if named != "" && (req.Scope.Has(named) || req.Scope.Has(named+scope.OptionalSuffix)) {
				return
			}
		}
		switch {
		case essential:
			req.Scope = append(req.Scope, s)
		case s != scope.Wallet: // wallet cannot be optional
			req.Scope = append(req.Scope, s+scope.OptionalSuffix)
		}
		return
	}
}
