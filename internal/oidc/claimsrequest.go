package oidc

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/sigil-oidc/sigil/internal/scope"
)

// ClaimsRequest is the claims request parameter of OpenID Connect Core
// section 5.5: the claims a relying party asks for, by where it wants them.
// Other top-level members are ignored, as section 5.5 requires of members
// that are not understood.
type ClaimsRequest struct {
	Userinfo map[string]*ClaimRequest `json:"userinfo,omitempty"`
	IDToken  map[string]*ClaimRequest `json:"id_token,omitempty"`
}

// ClaimRequest is what a relying party says about one requested claim
// (section 5.5.1); nil (JSON null) asks for the claim in the default
// manner, as a voluntary claim.
type ClaimRequest struct {
	Essential bool  `json:"essential,omitempty"`
	Value     any   `json:"value,omitempty"`
	Values    []any `json:"values,omitempty"`
}

// claimRequestWire is ClaimRequest as it is parsed: a pointer tells an
// essential member that is not a boolean from an absent one.
type claimRequestWire struct {
	Essential *bool           `json:"essential"`
	Value     json.RawMessage `json:"value"`
	Values    json.RawMessage `json:"values"`
}

// ParseClaimsRequest parses and validates the claims parameter and
// returns it with its normalised JSON (only the members Sigil understands,
// which is what the authorization keeps). The error says, for a hint, what
// is wrong: the parameter must be a JSON object; userinfo and id_token,
// when present, objects whose members are each null or an object; essential
// a boolean; values an array (section 5.5.1).
func ParseClaimsRequest(s string) (*ClaimsRequest, string, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal([]byte(s), &top); err != nil || top == nil {
		return nil, "", fmt.Errorf("the claims parameter must be a JSON object (OpenID Connect Core section 5.5)")
	}
	out := &ClaimsRequest{}
	for _, target := range []struct {
		name string
		dst  *map[string]*ClaimRequest
	}{{"userinfo", &out.Userinfo}, {"id_token", &out.IDToken}} {
		raw, ok := top[target.name]
		if !ok || isNull(raw) {
			continue
		}
		var members map[string]json.RawMessage
		if err := json.Unmarshal(raw, &members); err != nil {
			return nil, "", fmt.Errorf("the member '%s' of the claims parameter must be a JSON object of claim names", target.name)
		}
		m := make(map[string]*ClaimRequest, len(members))
		for name, raw := range members {
			if name == "" {
				return nil, "", fmt.Errorf("the member '%s' of the claims parameter names a claim with an empty name", target.name)
			}
			if isNull(raw) {
				m[name] = nil
				continue
			}
			var w claimRequestWire
			if err := json.Unmarshal(raw, &w); err != nil {
				return nil, "", fmt.Errorf("the request for claim '%s' in '%s' must be null or an object whose essential is a boolean and whose values is an array (OpenID Connect Core section 5.5.1)", shownName(name), target.name)
			}
			cr := &ClaimRequest{}
			if w.Essential != nil {
				cr.Essential = *w.Essential
			}
			if len(w.Value) > 0 && !isNull(w.Value) {
				_ = json.Unmarshal(w.Value, &cr.Value) // valid JSON: it parsed above
			}
			if len(w.Values) > 0 && !isNull(w.Values) {
				if err := json.Unmarshal(w.Values, &cr.Values); err != nil {
					return nil, "", fmt.Errorf("the values of claim '%s' in '%s' must be an array (OpenID Connect Core section 5.5.1)", shownName(name), target.name)
				}
			}
			m[name] = cr
		}
		*target.dst = m
	}
	if len(out.Userinfo) == 0 && len(out.IDToken) == 0 {
		return out, "", nil
	}
	normal, err := json.Marshal(out)
	if err != nil {
		return nil, "", fmt.Errorf("the claims parameter could not be encoded again: %w", err)
	}
	return out, string(normal), nil
}

func isNull(raw json.RawMessage) bool { return bytes.Equal(bytes.TrimSpace(raw), []byte("null")) }

// shownName is a claim name as a hint may show it: error descriptions
// carry only printable ASCII without quote and backslash (RFC 6749
// section 5.2).
func shownName(s string) string {
	for i := 0; i < len(s); i++ {
		if b := s[i]; b < 0x20 || b > 0x7e || b == '"' || b == '\\' || b == '\'' {
			return "(a name with characters that cannot be shown)"
		}
	}
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}

// Each calls f for every requested claim, id_token's first.
func (r *ClaimsRequest) Each(f func(name string, cr *ClaimRequest)) {
	if r == nil {
		return
	}
	for name, cr := range r.IDToken {
		f(name, cr)
	}
	for name, cr := range r.Userinfo {
		f(name, cr)
	}
}

// Wants reports whether cr's value or values allow v (section 5.5.1):
// true when it names neither.
func (cr *ClaimRequest) Wants(v string) bool {
	if cr == nil || (cr.Value == nil && len(cr.Values) == 0) {
		return true
	}
	if s, ok := cr.Value.(string); ok && s == v {
		return true
	}
	for _, x := range cr.Values {
		if s, ok := x.(string); ok && s == v {
			return true
		}
	}
	return false
}

// Subject returns the sub value the request demands (section 5.5.1: the
// response must then be for that person), "" when none. A sub value that
// is not a string, or two different ones, is an error.
func (r *ClaimsRequest) Subject() (string, error) {
	var sub string
	var err error
	r.Each(func(name string, cr *ClaimRequest) {
		if name != "sub" || cr == nil || cr.Value == nil {
			return
		}
		s, ok := cr.Value.(string)
		switch {
		case !ok || s == "":
			err = fmt.Errorf("the value of the sub claim in the claims parameter must be a non-empty string")
		case sub != "" && s != sub:
			err = fmt.Errorf("the claims parameter asks for two different sub values")
		default:
			sub = s
		}
	})
	return sub, err
}

// RequestedSubject is the sub value a stored claims request demands (the
// normalised JSON ParseClaimsRequest returned), "" when it demands none.
// The sign-in's challenge and the token endpoint both hold the flow to it.
func RequestedSubject(claims string) string {
	if claims == "" {
		return ""
	}
	cr, _, err := ParseClaimsRequest(claims)
	if err != nil {
		return ""
	}
	sub, _ := cr.Subject()
	return sub
}

// RequireSubject returns the normalised claims request claims (as
// ParseClaimsRequest returns it; "" for none) that also demands sub: the
// id_token member's sub value, added unless the request names a sub value
// already. The authorization endpoint uses it for an id_token_hint's
// subject (OpenID Connect Core section 3.1.2.1: an answer for another
// person than the hint's should be an error), so that the sign-in and the
// token endpoint hold the flow to one person however it was asked for.
func RequireSubject(claims, sub string) (string, error) {
	r := &ClaimsRequest{}
	if claims != "" {
		parsed, _, err := ParseClaimsRequest(claims)
		if err != nil {
			return "", err
		}
		if named, err := parsed.Subject(); err != nil || named != "" {
			return claims, err
		}
		r = parsed
	}
	if r.IDToken == nil {
		r.IDToken = map[string]*ClaimRequest{}
	}
	entry := r.IDToken["sub"]
	if entry == nil {
		entry = &ClaimRequest{}
	}
	entry.Value = sub
	r.IDToken["sub"] = entry
	normal, err := json.Marshal(r)
	return string(normal), err
}

// ClaimScopes returns the scopes under which Sigil releases the claim
// name, in the order of RecordClaims (nil for a claim that every ID token
// carries, such as acr, or that Sigil does not know). Consent in Sigil is
// per scope, so a claim requested by the claims parameter is asked for as
// its scope.
func ClaimScopes(name string) []string {
	switch name {
	case "wallet_address", "wallet_type_hint", "eip4361_message", "eip4361_signature":
		return []string{scope.Wallet}
	case "email_verified":
		name = "email"
	case "phone_number_verified":
		name = "phone_number"
	}
	var out []string
	for _, m := range RecordClaims {
		if m.Claim == name {
			out = append(out, m.Scope)
		}
	}
	return out
}
