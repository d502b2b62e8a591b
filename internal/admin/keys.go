package admin

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"time"

	"github.com/sigil-oidc/sigil"
	"github.com/sigil-oidc/sigil/internal/audit"
	"github.com/sigil-oidc/sigil/internal/keys"
	"github.com/sigil-oidc/sigil/internal/oautherr"
)

// Option adds optional routes to the admin API (see NewHandler).
type Option func(mux *routes, h *handler)

// WithKeys serves the signing keys of set:
//
//	GET  /admin/keys         every stored key with its state and dates
//	POST /admin/keys/rotate  a new key for every algorithm or for the one
//	                         named by ?alg= or {"alg": ...}: published at
//	                         once, signing keys.ActivationDelay later (every
//	                         node publishes it by then), or at once with
//	                         ?immediate=true or {"immediate": true}
//
// Rotation answers {"kid": ..., "keys": [...]}: kid is the new key of the
// default algorithm (RS256) when it was rotated, else of the one named.
func WithKeys(set *keys.Set) Option {
	return func(mux *routes, h *handler) {
		k := &keysHandler{handler: h, set: set}
		mux.HandleFunc("GET /admin/keys", k.list)
		mux.HandleFunc("POST /admin/keys/rotate", k.rotate)
	}
}

type keysHandler struct {
	*handler
	set *keys.Set
}

// KeyJSON is one signing key as the admin API shows it: never its private
// half, sealed or not.
type KeyJSON struct {
	KID        string `json:"kid"`
	Alg        string `json:"alg"`
	State      string `json:"state"`
	Generation int64  `json:"generation"`
	// Times are RFC 3339 in UTC; RetiresAt and ExpiresAt are absent until
	// a successor is stored.
	CreatedAt   time.Time  `json:"created_at"`
	ActivatesAt time.Time  `json:"activates_at"`
	RetiresAt   *time.Time `json:"retires_at,omitempty"`
	ExpiresAt   *time.Time `json:"expires_at,omitempty"`
}

// KeysJSON is the answer of GET /admin/keys: the keys, oldest first, and
// the rotation policy that produced them (Go durations; rotation_interval
// "0s" when rotation is by hand only). Retention is this node's; a key's
// expires_at follows the longest retention of the nodes that signed with
// it, which may be longer.
type KeysJSON struct {
	Keys             []KeyJSON `json:"keys"`
	RotationInterval string    `json:"rotation_interval"`
	PublishAhead     string    `json:"publish_ahead"`
	Retention        string    `json:"retention"`
}

// RotateJSON is the answer of POST /admin/keys/rotate.
type RotateJSON struct {
	KID  string    `json:"kid"`
	Keys []KeyJSON `json:"keys"`
}

func keyJSON(ki keys.KeyInfo) KeyJSON {
	k := KeyJSON{KID: ki.ID, Alg: ki.Algorithm, State: ki.State, Generation: ki.Generation,
		CreatedAt: ki.CreatedAt.UTC(), ActivatesAt: ki.ActivatesAt.UTC()}
	if !ki.RetiresAt.IsZero() {
		r, e := ki.RetiresAt.UTC(), ki.ExpiresAt.UTC()
		k.RetiresAt, k.ExpiresAt = &r, &e
	}
	return k
}

func (k *keysHandler) list(w http.ResponseWriter, r *http.Request) {
	p := k.set.Policy()
	out := KeysJSON{Keys: []KeyJSON{}, RotationInterval: p.RotationInterval.String(),
		PublishAhead: p.PublishAhead.String(), Retention: p.Retention.String()}
	for _, ki := range k.set.Keys() {
		out.Keys = append(out.Keys, keyJSON(ki))
	}
	writeJSON(w, http.StatusOK, out)
}

// rotate adds new keys (keys.Set.Rotate): published at once, signing
// keys.ActivationDelay later, once every node publishes them; with
// immediate (?immediate=true or {"immediate": true}), signing at once on
// this node, for a key that must stop signing now.
func (k *keysHandler) rotate(w http.ResponseWriter, r *http.Request) {
	for _, name := range []string{"alg", "immediate"} {
		if len(r.URL.Query()[name]) > 1 {
			oautherr.WriteJSON(w, oautherr.ErrInvalidRequest.WithHint("Parameter '%s' is included more than once.", name))
			return
		}
	}
	alg := r.URL.Query().Get("alg")
	immediate := false
	switch v := r.URL.Query().Get("immediate"); v {
	case "", "false":
	case "true":
		immediate = true
	default:
		oautherr.WriteJSON(w, oautherr.ErrInvalidRequest.WithHint("immediate '%s' must be true or false.", printable(v)))
		return
	}
	if r.ContentLength != 0 {
		var body struct {
			Alg       string `json:"alg"`
			Immediate bool   `json:"immediate"`
		}
		mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBodyBytes))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&body); (err != nil && !errors.Is(err, io.EOF)) || (err == nil && mt != "application/json") {
			oautherr.WriteJSON(w, oautherr.ErrInvalidRequest.WithHint("Send no body, or a JSON object such as {'alg': 'ES256', 'immediate': false} with Content-Type application/json."))
			return
		}
		if body.Immediate && r.URL.Query().Get("immediate") == "false" {
			oautherr.WriteJSON(w, oautherr.ErrInvalidRequest.WithHint("The immediate query parameter and the immediate in the body differ; send one."))
			return
		}
		immediate = immediate || body.Immediate
		if body.Alg != "" {
			if alg != "" && alg != body.Alg {
				oautherr.WriteJSON(w, oautherr.ErrInvalidRequest.WithHint("The alg query parameter and the alg in the body differ; send one."))
				return
			}
			alg = body.Alg
		}
	}
	var algs []string
	if alg != "" {
		if !isAlgorithm(alg) {
			oautherr.WriteJSON(w, oautherr.ErrInvalidRequest.WithHint("alg '%s' is not a signing algorithm of Sigil; use RS256, ES256 or EdDSA, or leave alg out (sigil keys rotate without --alg) to rotate every algorithm.", printable(alg)))
			return
		}
		algs = []string{alg}
	}
	when := keys.AfterPublishing
	if immediate {
		when = keys.Immediately
	}
	rotated, err := k.set.Rotate(r.Context(), when, algs...)
	if err != nil {
		if errors.Is(err, sigil.ErrConflict) {
			// Other rotations stored keys of the same generations each
			// time this one tried (many at once, on several nodes).
			oautherr.WriteJSON(w, oautherr.ErrTemporarilyUnavailable.WithHint("Other key rotations were storing keys at the same moment; try again."))
			return
		}
		k.serverError(w, r, "rotate signing keys", err)
		return
	}
	out := RotateJSON{Keys: []KeyJSON{}}
	for _, ki := range rotated {
		out.Keys = append(out.Keys, keyJSON(ki))
		audit.Admin(r.Context(), k.log, audit.KeyRotated, slog.String("kid", ki.ID), slog.String("alg", ki.Algorithm), slog.Int64("generation", ki.Generation))
	}
	if len(out.Keys) > 0 {
		out.KID = out.Keys[0].KID
	}
	writeJSON(w, http.StatusOK, out)
}

func isAlgorithm(alg string) bool {
	for _, a := range keys.Algorithms() {
		if a == alg {
			return true
		}
	}
	return false
}
