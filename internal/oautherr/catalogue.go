// Package oautherr is Sigil's error catalogue: every protocol error it can
// answer, as data (code, HTTP status, description), rendered in one place.
//
// The codes and statuses are those of ory/fosite, which users of the hosted
// Login with Unstoppable service know; RFC 7591 adds the registration codes.
// docs/errors.md is generated from Catalogue (see the -update flag of this
// package's tests), so the documentation cannot drift from the code.
package oautherr

import "net/http"

// Error is one protocol error. The catalogue entries below are templates:
// handlers never change them but derive a copy with a Hint saying what the
// caller should fix.
type Error struct {
	// Code is the value of the "error" parameter (RFC 6749 section 5.2).
	Code string
	// Status is the HTTP status the error is answered with.
	Status int
	// Description is the catalogue's fixed meaning of the code.
	Description string
	// Hint says what was wrong with this request and how to fix it.
	Hint string
	// Spec names where the code is defined.
	Spec string
}

// The catalogue. Descriptions follow the seed (fosite's wording); statuses are
// the seed's. invalid_token appears twice because fosite answers a malformed
// token with 400 and an expired one with 401 (RFC 6750 section 3.1).
var (
	// 400 Bad Request.
	ErrInvalidRequest = &Error{Code: "invalid_request", Status: http.StatusBadRequest, Spec: "RFC 6749 §4.1.2.1, §5.2",
		Description: "The request is missing a required parameter, includes an invalid parameter value, includes a parameter more than once, or is otherwise malformed."}
	ErrUnauthorizedClient = &Error{Code: "unauthorized_client", Status: http.StatusBadRequest, Spec: "RFC 6749 §4.1.2.1, §5.2",
		Description: "The client is not authorized to request a token using this method."}
	ErrUnsupportedResponseType = &Error{Code: "unsupported_response_type", Status: http.StatusBadRequest, Spec: "RFC 6749 §4.1.2.1",
		Description: "The authorization server does not support obtaining a token using this method."}
	ErrUnsupportedResponseMode = &Error{Code: "unsupported_response_mode", Status: http.StatusBadRequest, Spec: "OAuth 2.0 Multiple Response Type Encoding Practices",
		Description: "The authorization server does not support obtaining a response using this response mode."}
	ErrInvalidScope = &Error{Code: "invalid_scope", Status: http.StatusBadRequest, Spec: "RFC 6749 §4.1.2.1, §5.2",
		Description: "The requested scope is invalid, unknown, malformed, or exceeds the scope granted by the resource owner."}
	ErrUnsupportedGrantType = &Error{Code: "unsupported_grant_type", Status: http.StatusBadRequest, Spec: "RFC 6749 §5.2",
		Description: "The authorization grant type is not supported by the authorization server."}
	ErrInvalidGrant = &Error{Code: "invalid_grant", Status: http.StatusBadRequest, Spec: "RFC 6749 §5.2",
		Description: "The provided authorization grant (e.g., authorization code, resource owner credentials) or refresh token is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client."}
	ErrInvalidState = &Error{Code: "invalid_state", Status: http.StatusBadRequest, Spec: "fosite",
		Description: "The state is missing or does not have enough characters and is therefore considered too weak."}
	ErrInsufficientEntropy = &Error{Code: "insufficient_entropy", Status: http.StatusBadRequest, Spec: "fosite",
		Description: "The request used a security parameter (e.g., anti-replay, anti-csrf) with insufficient entropy."}
	ErrInvalidTokenFormat = &Error{Code: "invalid_token", Status: http.StatusBadRequest, Spec: "RFC 6750 §3.1",
		Description: "Invalid token format."}
	ErrLoginRequired = &Error{Code: "login_required", Status: http.StatusBadRequest, Spec: "OpenID Connect Core §3.1.2.6",
		Description: "The Authorization Server requires End-User authentication."}
	ErrInteractionRequired = &Error{Code: "interaction_required", Status: http.StatusBadRequest, Spec: "OpenID Connect Core §3.1.2.6",
		Description: "The Authorization Server requires End-User interaction of some form to proceed."}
	ErrConsentRequired = &Error{Code: "consent_required", Status: http.StatusBadRequest, Spec: "OpenID Connect Core §3.1.2.6",
		Description: "The Authorization Server requires End-User consent."}
	ErrRequestNotSupported = &Error{Code: "request_not_supported", Status: http.StatusBadRequest, Spec: "OpenID Connect Core §3.1.2.6",
		Description: "The OpenID Connect Provider (OP) does not support use of the request parameter."}
	ErrRequestURINotSupported = &Error{Code: "request_uri_not_supported", Status: http.StatusBadRequest, Spec: "OpenID Connect Core §3.1.2.6",
		Description: "The OpenID Connect Provider (OP) does not support use of the request_uri parameter."}
	ErrInvalidRequestURI = &Error{Code: "invalid_request_uri", Status: http.StatusBadRequest, Spec: "OpenID Connect Core §3.1.2.6",
		Description: "The request_uri in the Authorization Request returns an error or contains invalid data."}
	ErrInvalidRequestObject = &Error{Code: "invalid_request_object", Status: http.StatusBadRequest, Spec: "OpenID Connect Core §3.1.2.6",
		Description: "The request parameter contains an invalid Request Object."}
	// Not in the seed: Core's answer to the registration parameter, which
	// Sigil does not support (clients are registered by an operator).
	ErrRegistrationNotSupported = &Error{Code: "registration_not_supported", Status: http.StatusBadRequest, Spec: "OpenID Connect Core §3.1.2.6",
		Description: "The OpenID Connect Provider (OP) does not support use of the registration parameter."}
	ErrJTIKnown = &Error{Code: "jti_known", Status: http.StatusBadRequest, Spec: "fosite",
		Description: "The jti was already used."}
	ErrHandlerNotResponsible = &Error{Code: "error", Status: http.StatusBadRequest, Spec: "fosite",
		Description: "The handler is not responsible for this request."}
	// RFC 7591 section 3.2.2: registration errors.
	ErrInvalidRedirectURI = &Error{Code: "invalid_redirect_uri", Status: http.StatusBadRequest, Spec: "RFC 7591 §3.2.2",
		Description: "The value of one or more redirection URIs is invalid."}
	ErrInvalidClientMetadata = &Error{Code: "invalid_client_metadata", Status: http.StatusBadRequest, Spec: "RFC 7591 §3.2.2",
		Description: "The value of one of the client metadata fields is invalid and the server has rejected this request."}
	// Not in the seed: RFC 8707's answer to a resource indicator that is
	// malformed, not registered for the client, or outside the grant.
	ErrInvalidTarget = &Error{Code: "invalid_target", Status: http.StatusBadRequest, Spec: "RFC 8707 §2",
		Description: "The requested resource is invalid, missing, unknown, or malformed."}

	// 401 Unauthorized.
	ErrTokenInactive = &Error{Code: "token_inactive", Status: http.StatusUnauthorized, Spec: "fosite",
		Description: "Token is inactive because it is malformed, expired or otherwise invalid. Token validation failed."}
	ErrTokenExpired = &Error{Code: "invalid_token", Status: http.StatusUnauthorized, Spec: "RFC 6750 §3.1",
		Description: "The access token is expired, revoked, malformed, or invalid for other reasons."}
	ErrRequestUnauthorized = &Error{Code: "request_unauthorized", Status: http.StatusUnauthorized, Spec: "fosite",
		Description: "The request could not be authorized."}
	ErrInvalidClient = &Error{Code: "invalid_client", Status: http.StatusUnauthorized, Spec: "RFC 6749 §5.2",
		Description: "Client authentication failed (e.g., unknown client, no client authentication included, or unsupported authentication method)."}

	// 403 Forbidden.
	ErrScopeNotGranted = &Error{Code: "scope_not_granted", Status: http.StatusForbidden, Spec: "fosite",
		Description: "The token was not granted the requested scope."}
	ErrAccessDenied = &Error{Code: "access_denied", Status: http.StatusForbidden, Spec: "RFC 6749 §4.1.2.1",
		Description: "The resource owner or authorization server denied the request."}
	ErrRequestForbidden = &Error{Code: "request_forbidden", Status: http.StatusForbidden, Spec: "fosite",
		Description: "The request is not allowed."}

	// 404 Not Found.
	ErrNotFound = &Error{Code: "not_found", Status: http.StatusNotFound, Spec: "fosite",
		Description: "Could not find the requested resource(s)."}

	// 429 Too Many Requests. Not in the seed: a rate limit's refusal
	// (RFC 6585 section 4), answered with Retry-After. The code is RFC
	// 6749's retry-later code, which OAuth libraries already know; the
	// status tells "this client or address sends too much" from "the
	// server is overloaded" (503, the same code).
	ErrTooManyRequests = &Error{Code: "temporarily_unavailable", Status: http.StatusTooManyRequests, Spec: "RFC 6585 §4, RFC 6749 §4.1.2.1",
		Description: "Too many requests came from this address or client; retry after the number of seconds in the Retry-After header."}

	// 500 Internal Server Error.
	ErrMisconfiguration = &Error{Code: "misconfiguration", Status: http.StatusInternalServerError, Spec: "fosite",
		Description: "The request failed because of an internal error that is probably caused by misconfiguration."}
	ErrServerError = &Error{Code: "server_error", Status: http.StatusInternalServerError, Spec: "RFC 6749 §4.1.2.1",
		Description: "The authorization server encountered an unexpected condition that prevented it from fulfilling the request."}

	// 503 Service Unavailable.
	ErrTemporarilyUnavailable = &Error{Code: "temporarily_unavailable", Status: http.StatusServiceUnavailable, Spec: "RFC 6749 §4.1.2.1",
		Description: "The authorization server is currently unable to handle the request due to a temporary overloading or maintenance of the server."}
)

// Catalogue lists every error Sigil can answer, in the order of docs/errors.md.
var Catalogue = []*Error{
	ErrInvalidRequest, ErrUnauthorizedClient, ErrUnsupportedResponseType, ErrUnsupportedResponseMode,
	ErrInvalidScope, ErrUnsupportedGrantType, ErrInvalidGrant, ErrInvalidState, ErrInsufficientEntropy,
	ErrInvalidTokenFormat, ErrLoginRequired, ErrInteractionRequired, ErrConsentRequired,
	ErrRequestNotSupported, ErrRequestURINotSupported, ErrInvalidRequestURI, ErrInvalidRequestObject,
	ErrRegistrationNotSupported,
	ErrJTIKnown, ErrHandlerNotResponsible, ErrInvalidRedirectURI, ErrInvalidClientMetadata,
	ErrInvalidTarget,
	ErrTokenInactive, ErrTokenExpired, ErrRequestUnauthorized, ErrInvalidClient,
	ErrScopeNotGranted, ErrAccessDenied, ErrRequestForbidden,
	ErrNotFound,
	ErrTooManyRequests,
	ErrMisconfiguration, ErrServerError,
	ErrTemporarilyUnavailable,
}
