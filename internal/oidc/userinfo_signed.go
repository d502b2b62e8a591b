package oidc

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"

	"github.com/sigil-oidc/sigil"
	"github.com/sigil-oidc/sigil/internal/keys"
)

// writeSignedUserinfo answers userinfo as a signed JWT when client
// registered userinfo_signed_response_alg (OpenID Connect Registration 1.0
// section 2), and reports whether it did. The JWT carries the claims of
// body, the JSON answer, plus iss and aud, which Core 1.0 section 5.3.2
// says a signed response should contain, and goes out as
// application/jwt.
//
// Its typ is JWT, as an ID token's (relying parties may check it), but it
// is not one: it has no exp, iat or sid, and anyone holding an access
// token can have it signed. The id_token_hint of logout and of the
// authorization endpoint must carry every claim of an ID token (OpenID
// Connect Core section 2), which keeps it from standing in for one.
func (e *Endpoints) writeSignedUserinfo(w http.ResponseWriter, client *sigil.Client, body []byte) (bool, error) {
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
