package oidc

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"

	"github.com/sigil-oidc/sigil"
	"github.com/sigil-oidc/sigil/internal/keys"
)

// writeSignedUserinfo answers userinfo as a signed JWT when a's client
// registered userinfo_signed_response_alg (OpenID Connect Registration 1.0
// section 2), and reports whether it did. The JWT carries the claims of
// body, the JSON answer, plus iss and aud, which Core 1.0 section 5.3.2
// says a signed response should contain, and goes out as
// application/jwt. A client lookup error is returned; the caller answers
// server_error. The client comes from the client cache in front of the
// store, so the plain JSON answer costs no extra statement.
func (e *Endpoints) writeSignedUserinfo(ctx context.Context, w http.ResponseWriter, a *sigil.Authorization, body []byte) (bool, error) {
	client, err := e.Store.GetClient(ctx, a.ClientID)
	if err != nil {
		return false, fmt.Errorf("userinfo: reading client %q: %w", a.ClientID, err)
	}
	alg := client.UserinfoSignedResponseAlg
	if alg == "" {
		return false, nil
	}
	var claims map[string]any
	if err := json.Unmarshal(body, &claims); err != nil {
		return false, fmt.Errorf("userinfo: claims: %w", err)
	}
	claims["iss"] = e.Issuer
	claims["aud"] = client.ID
	jwt, err := e.Signer.Sign(alg, claims, keys.TypeJWT)
	if err != nil {
		return false, fmt.Errorf("userinfo: signing with %s: %w", alg, err)
	}
	h := w.Header()
	h.Set("Content-Type", "application/jwt")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Length", strconv.Itoa(len(jwt)))
	_, _ = w.Write([]byte(jwt))
	return true, nil
}
