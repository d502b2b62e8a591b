package oautherr

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// WithHint returns a copy of e whose Hint says what to fix. Catalogue entries
// are shared, so handlers must derive, never modify. The hint is made safe
// for the wire here (Sanitize), so every place that shows it (JSON bodies,
// redirects, error pages, logs) shows the same text.
func (e *Error) WithHint(format string, args ...any) *Error {
	c := *e
	c.Hint = Sanitize(fmt.Sprintf(format, args...))
	return &c
}

// Error implements the error interface with the wire description.
func (e *Error) Error() string { return e.Code + ": " + e.FullDescription() }

// Is makes errors.Is match any copy of the same catalogue entry.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code && t.Status == e.Status
}

// FullDescription is the error_description on the wire: the catalogue's
// meaning followed by the hint (fosite's convention), so a developer reads
// both what the code means and what to change.
// It is always inside the character set of RFC 6749 section 5.2, even for
// an Error built without WithHint.
func (e *Error) FullDescription() string {
	if e.Hint == "" {
		return Sanitize(e.Description)
	}
	return Sanitize(strings.TrimSpace(e.Description + " " + e.Hint))
}

// From returns err as a catalogue error: itself when it is one (or wraps
// one), otherwise server_error. The original error is never shown to the
// caller; handlers log it.
func From(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return ErrServerError
}

// Body is the JSON error body of RFC 6749 section 5.2. ErrorHint repeats
// the hint alone, as fosite's error_hint does, for pages that show people
// only what happened to them.
type Body struct {
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description"`
	ErrorHint        string `json:"error_hint,omitempty"`
}

// WriteJSON answers err as the JSON body of RFC 6749 section 5.2 with the
// catalogue's status. Responses are never cached (section 5.1).
func WriteJSON(w http.ResponseWriter, err error) {
	e := From(err)
	h := w.Header()
	h.Set("Content-Type", "application/json;charset=UTF-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	SetRetryAfter(h, e.Status)
	w.WriteHeader(e.Status)
	_ = json.NewEncoder(w).Encode(Body{Error: e.Code, ErrorDescription: e.FullDescription(), ErrorHint: Sanitize(e.Hint)})
}

// DefaultRetryAfter is the Retry-After, in seconds, of a 503 whose writer
// set none: a dependency's outage (the chain node, the database), which the
// resolver's and the statements' timeouts bound at about this.
const DefaultRetryAfter = "5"

// SetRetryAfter gives a 503 answer a Retry-After (RFC 9110 section 10.2.3)
// unless it has one already (admission control sets its own), so that a
// client waits before it tries again rather than retrying at once.
func SetRetryAfter(h http.Header, status int) {
	if status == http.StatusServiceUnavailable && h.Get("Retry-After") == "" {
		h.Set("Retry-After", DefaultRetryAfter)
	}
}

// AddTo adds err to the parameters of an authorization error response (RFC
// 6749 section 4.1.2.1): error and error_description. The caller adds state
// and iss.
func AddTo(params url.Values, err error) {
	e := From(err)
	params.Set("error", e.Code)
	params.Set("error_description", e.FullDescription())
}
