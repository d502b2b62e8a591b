package oidc

import (
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/sigil-oidc/sigil"
	"github.com/sigil-oidc/sigil/internal/domains"
	"github.com/sigil-oidc/sigil/internal/oautherr"
	"github.com/sigil-oidc/sigil/internal/urlform"
)

// IssuerRel is the WebFinger link relation of an OpenID Connect issuer
// (OpenID Connect Discovery 1.0 section 2).
const IssuerRel = "http://openid.net/specs/connect/1.0/issuer"

// JRD is a JSON Resource Descriptor (RFC 7033 section 4.4).
type JRD struct {
	Subject string `json:"subject"`
	Links   []Link `json:"links"`
}

// Link is one link of a JRD.
type Link struct {
	Rel  string `json:"rel"`
	Href string `json:"href"`
}

// ServeWebFinger serves GET /.well-known/webfinger (RFC 7033): for a
// domain Sigil can resolve, it names Sigil as the issuer, so that
// @uauth/js, following the domain's webfinger record, finds this server.
// The resource is the domain itself or acct:user@domain, as @uauth/common
// sends it.
func (e *Endpoints) ServeWebFinger(w http.ResponseWriter, r *http.Request) {
	q, err := urlform.Query(r, "The WebFinger request")
	if err != nil {
		oautherr.WriteJSON(w, err)
		return
	}
	resource := q.Get("resource")
	if resource == "" {
		oautherr.WriteJSON(w, oautherr.ErrInvalidRequest.WithHint("The resource parameter is missing (RFC 7033 section 4.2); send resource=<domain>."))
		return
	}
	name := resource
	if acct, ok := strings.CutPrefix(resource, "acct:"); ok {
		_, host, found := strings.Cut(acct, "@")
		if !found {
			oautherr.WriteJSON(w, oautherr.ErrInvalidRequest.WithHint("The acct: resource '%s' has no @domain part.", resource))
			return
		}
		name = host
	}
	name, err = domains.NormalizeName(name)
	if err != nil {
		oautherr.WriteJSON(w, oautherr.ErrInvalidRequest.WithHint("The resource '%s' is not a domain: %v.", resource, err))
		return
	}
	if _, err := e.Domains.Resolve(r.Context(), name); err != nil {
		switch {
		case errors.Is(err, sigil.ErrDomainNotFound):
			oautherr.WriteJSON(w, oautherr.ErrNotFound.WithHint("Sigil does not serve the domain %s.", name))
		case errors.Is(err, sigil.ErrResolverUnavailable):
			oautherr.WriteJSON(w, oautherr.ErrTemporarilyUnavailable.WithHint("The domain %s could not be looked up right now; try again in a moment.", name))
		default:
			e.Log.Error("webfinger resolve", "err", err)
			oautherr.WriteJSON(w, oautherr.ErrServerError)
		}
		return
	}
	jrd := JRD{Subject: resource, Links: []Link{}}
	// RFC 7033 section 4.3: rel filters the links; without rel, all.
	if rels := q["rel"]; len(rels) == 0 || slices.Contains(rels, IssuerRel) {
		jrd.Links = append(jrd.Links, Link{Rel: IssuerRel, Href: e.Issuer})
	}
	w.Header().Set("Content-Type", "application/jrd+json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_ = json.NewEncoder(w).Encode(jrd)
}

// WebFingerRecordKey is the domain record @uauth/common reads to find a
// domain's issuer: webfinger.<user>.<rel>, with an empty user for the
// domain itself.
const WebFingerRecordKey = "webfinger.." + IssuerRel
