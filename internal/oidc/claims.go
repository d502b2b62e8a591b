// Package oidc is the OpenID Connect layer on top of the OAuth 2.0 server:
// the claims of ID tokens and userinfo, the discovery document, the JWKS and
// the userinfo endpoint.
package oidc

import (
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sigil-oidc/sigil"
	"github.com/sigil-oidc/sigil/internal/scope"
	"github.com/sigil-oidc/sigil/internal/secret"
	"github.com/sigil-oidc/sigil/internal/siwe"
)

// ACR is the Authentication Context Class Reference of a wallet signature,
// as Login with Unstoppable named it.
const ACR = "sig"

// AMR returns the authentication methods of a signature by address, as
// Login with Unstoppable writes them (@uauth/js reads element 3 of the
// second entry, split on ".", as the signing address).
func AMR(address string) []string {
	return []string{"swk", "v1.sig.ethereum." + address}
}

// IDTokenClaims returns the claims of the ID token issued with accessToken
// for a (OpenID Connect Core sections 2 and 3.1.3.6), to be signed with
// alg; sub is the subject the client sees (Subject).
func IDTokenClaims(issuer string, a *sigil.Authorization, sub, accessToken, alg string, now time.Time, ttl time.Duration) map[string]any {
	c := PersonClaims(a, sub)
	c["iss"] = issuer
	c["aud"] = a.ClientID
	c["iat"] = now.Unix()
	c["exp"] = now.Add(ttl).Unix()
	c["auth_time"] = a.AuthTime.Unix()
	c["jti"] = secret.RandomString(16)
	if a.Nonce != "" {
		c["nonce"] = a.Nonce
	}
	if a.SessionID != "" {
		c["sid"] = a.SessionID
	}
	if accessToken != "" {
		c["at_hash"] = AtHash(alg, accessToken)
	}
	return c
}

// PersonClaims returns the claims about the person that both the ID token
// and userinfo carry, limited to the granted scopes, with sub the subject
// the client sees (Subject). A claim whose data is missing (no such record
// on the domain) is left out, never invented.
//
// The owner's address is in every answer (amr, verified_addresses; and
// wallet_address with the wallet scope), whatever the scopes: a domain can
// change hands, and the address is how a relying party that keys accounts
// on the public sub (the domain) tells its new owner from the old one
// (docs/integrate.md).
func PersonClaims(a *sigil.Authorization, sub string) map[string]any {
	amr := AMR(a.Address)
	proof := Proof(a)
	c := map[string]any{
		"sub":   sub,
		"acr":   ACR,
		"amr":   amr,
		"proof": map[string]any{amr[1]: proof},
		// @uauth/js getAuthorizationAccount() looks the amr address up
		// here, comparing strings exactly: both use the EIP-55 form.
		"verified_addresses": []map[string]any{{"address": a.Address, "symbol": "ETH", "proof": proof}},
	}
	if scope.Covers(a.GrantedScope, scope.Wallet) {
		c["wallet_address"] = a.Address
		c["wallet_type_hint"] = a.WalletTypeHint
		c["eip4361_message"] = a.Message
		c["eip4361_signature"] = a.Signature
	}
	for _, m := range RecordClaims {
		if v := a.Records[m.Record]; v != "" && scope.Covers(a.GrantedScope, m.Scope) {
			if m.Decode != nil {
				c[m.Claim] = m.Decode(v)
			} else {
				c[m.Claim] = v
			}
		}
	}
	if _, ok := c["email"]; ok {
		// Sigil reads the address from the domain's records; it has not
		// verified that the person receives mail there.
		c["email_verified"] = false
	}
	if _, ok := c["phone_number"]; ok {
		// Likewise a phone number from the records was never verified
		// (OpenID Connect Core section 5.1).
		c["phone_number_verified"] = false
	}
	return c
}

// Proof is the sign-in proof of Login with Unstoppable: the signed message,
// its signature, and the message's template parameters, so a relying party
// can check the signature itself.
func Proof(a *sigil.Authorization) map[string]any {
	params := map[string]any{"address": a.Address, "chainId": "1", "chainName": "ETH", "version": "1"}
	if m, err := siwe.Parse(a.Message); err == nil {
		params["domain"] = m.Domain
		params["issuedAt"] = m.IssuedAt.UTC().Format(time.RFC3339)
		params["nonce"] = m.Nonce
		params["statement"] = m.Statement
		params["uri"] = m.URI
		params["expirationTime"] = m.ExpirationTime.UTC().Format(time.RFC3339)
		params["requestId"] = m.RequestID
		params["chainId"] = strconv.FormatInt(m.ChainID, 10)
	}
	return map[string]any{
		"message":   a.Message,
		"signature": a.Signature,
		"type":      "onchain",
		"template":  map[string]any{"format": ProofFormat, "params": params},
	}
}

// ProofFormat is the EIP-4361 layout of the signed message with its
// parameters as {{placeholders}}.
const ProofFormat = "{{domain}} wants you to sign in with your Ethereum account:\n{{address}}\n\n{{statement}}\n\n" +
	"URI: {{uri}}\nVersion: {{version}}\nChain ID: {{chainId}}\nNonce: {{nonce}}\nIssued At: {{issuedAt}}\n" +
	"Expiration Time: {{expirationTime}}\nRequest ID: {{requestId}}"

// RecordClaim maps one domain record to one claim, released under a scope.
type RecordClaim struct {
	Scope  string
	Claim  string
	Record string
	// Decode turns the record's text into the claim's value (nil: as is).
	Decode func(string) any
}

// RecordClaims is the documented mapping of domain records to claims
// (docs/integrate-uauth.md). UNS standard keys (resolver-keys.json of
// @unstoppabledomains/uns) are used where one exists; the others are
// Sigil's keys, in the same dotted style.
//
// The standard phone scope (OpenID Connect Core section 5.4) releases the
// same record as profile:phone: UNS defines no phone key, and one record
// per fact keeps a domain's owner from having to set two. The standard
// address scope maps to no record: UNS defines no postal address key and
// Sigil has none of its own, so the scope is accepted and grants no claim
// (a missing claim is left out, never invented).
var RecordClaims = []RecordClaim{
	{Scope: "email", Claim: "email", Record: "whois.email.value"},
	{Scope: "profile:name", Claim: "name", Record: "profile.name"},
	{Scope: "profile:picture", Claim: "picture", Record: "social.picture.value"},
	{Scope: "profile:uri", Claim: "website", Record: "profile.uri"},
	{Scope: "profile:ipfs_website", Claim: "ipfs_website", Record: "ipfs.html.value"},
	{Scope: "profile:location", Claim: "location", Record: "profile.location"},
	{Scope: "profile:bio", Claim: "bio", Record: "profile.bio"},
	{Scope: "profile:phone", Claim: "phone_number", Record: "profile.phone"},
	{Scope: "phone", Claim: "phone_number", Record: "profile.phone"},
	{Scope: "social:twitter", Claim: "twitter", Record: "social.twitter.username"},
	{Scope: "social:reddit", Claim: "reddit", Record: "social.reddit.username"},
	{Scope: "social:youtube", Claim: "youtube", Record: "social.youtube.username"},
	{Scope: "social:discord", Claim: "discord", Record: "social.discord.username"},
	{Scope: "social:telegram", Claim: "telegram", Record: "social.telegram.username"},
	{Scope: "humanity_check", Claim: "humanity_check_id", Record: "humanity_check.id"},
	{Scope: "badges", Claim: "badges", Record: "profile.badges", Decode: splitList},
}

// RecordKeys returns the record keys the claims need, each once, for
// resolvers to fetch and for the authorization's records snapshot.
func RecordKeys() []string {
	keys := make([]string, 0, len(RecordClaims))
	for _, m := range RecordClaims {
		if !slices.Contains(keys, m.Record) {
			keys = append(keys, m.Record)
		}
	}
	return keys
}

// ClaimRecords keeps only the records the claims need.
func ClaimRecords(records map[string]string) map[string]string {
	out := map[string]string{}
	for _, m := range RecordClaims {
		if v := records[m.Record]; v != "" {
			out[m.Record] = v
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// splitList reads a comma-separated record as a list.
func splitList(s string) any {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// AtHash is the at_hash of an ID token signed with alg: the left half of
// the access token's hash, base64url (OpenID Connect Core section
// 3.1.3.6), by the hash of alg. RS256 and ES256 hash with SHA-256. EdDSA
// names no hash of its own; for Ed25519, the only curve Sigil signs with,
// the OpenID Connect working group settled on SHA-512, the hash inside
// Ed25519 (RFC 8032 section 5.1), and relying-party libraries (go-oidc,
// openid-client) check it so.
func AtHash(alg, accessToken string) string {
	if alg == "EdDSA" {
		sum := sha512.Sum512([]byte(accessToken))
		return base64.RawURLEncoding.EncodeToString(sum[:len(sum)/2])
	}
	sum := sha256.Sum256([]byte(accessToken))
	return base64.RawURLEncoding.EncodeToString(sum[:len(sum)/2])
}
