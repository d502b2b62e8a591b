package server

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/sigil-oidc/sigil/internal/audit"
)

// TestPanicBecomesServerError: a bug in a handler answers the catalogue's
// server_error with the request id, never a dropped connection.
func TestPanicBecomesServerError(t *testing.T) {
	h := Middleware(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom") }), slog.New(slog.DiscardHandler))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/x", nil))
	var body map[string]string
	json.Unmarshal(rec.Body.Bytes(), &body)
	if rec.Code != 500 || body["error"] != "server_error" || rec.Header().Get("X-Request-Id") == "" {
		t.Fatalf("got %d %v", rec.Code, body)
	}
}

// TestAccessLogAtDebugLevel: the access line, with the request id, status
// and path, is written at debug level and not at the default info level.
func TestAccessLogAtDebugLevel(t *testing.T) {
	for _, level := range []slog.Level{slog.LevelDebug, slog.LevelInfo} {
		var out bytes.Buffer
		log := slog.New(slog.NewTextHandler(&out, &slog.HandlerOptions{Level: level}))
		h := Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTeapot) }), log)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/teapot", nil))
		line := out.String()
		if level == slog.LevelInfo {
			if line != "" {
				t.Errorf("at info level the access log wrote %q", line)
			}
			continue
		}
		id := rec.Header().Get("X-Request-Id")
		for _, want := range []string{"msg=request", "request_id=" + id, "method=GET", "path=/teapot", "status=418", "duration="} {
			if id == "" || !strings.Contains(line, want) {
				t.Errorf("access log %q lacks %q", line, want)
			}
		}
	}
}

// TestLinesCarryTheRequestID: a line logged with a request's context (an
// audit event, an error) through LogHandler carries the request_id the
// answer's X-Request-Id gave the client, also from a logger made With more
// attributes; a line logged without one has none.
func TestLinesCarryTheRequestID(t *testing.T) {
	var out bytes.Buffer
	log := slog.New(LogHandler(slog.NewTextHandler(&out, nil)))
	h := Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		audit.Event(r.Context(), log, audit.CodeReplay, slog.String("client_id", "c1"))
		log.With("component", "store").ErrorContext(r.Context(), "write failed")
		log.Info("no request here")
	}), log)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("POST", "/oauth2/token", nil))
	id := rec.Header().Get("X-Request-Id")
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if id == "" || len(lines) != 3 {
		t.Fatalf("X-Request-Id %q, %d lines:\n%s", id, len(lines), out.String())
	}
	for _, line := range lines[:2] {
		if !strings.Contains(line, "request_id="+id) {
			t.Errorf("line %q lacks request_id=%s", line, id)
		}
	}
	if strings.Contains(lines[2], "request_id") {
		t.Errorf("a line logged without a request's context has a request_id: %q", lines[2])
	}
}

// TestWrongMethodNamesTheMethodsToUse: a method a path does not serve gets
// invalid_request naming the methods to use, in the same words on every
// start (they came from a map, in its random order), without OPTIONS (a
// CORS preflight, not a method to use), and the Allow header lists them
// all.
func TestWrongMethodNamesTheMethodsToUse(t *testing.T) {
	cases := []struct{ method, path, use, allow string }{
		{"GET", "/oauth2/token", "use POST.", "OPTIONS, POST"},
		{"DELETE", "/oauth2/auth", "use GET or POST.", "GET, POST"},
		{"PUT", "/userinfo", "use GET or POST.", "GET, OPTIONS, POST"},
		{"POST", "/.well-known/jwks.json", "use GET.", "GET, OPTIONS"},
	}
	for range 10 {
		handler := publicWith(nil)
		for _, c := range cases {
			rec := httptest.NewRecorder()
			handler.ServeHTTP(rec, httptest.NewRequest(c.method, c.path, nil))
			var body map[string]any
			_ = json.Unmarshal(rec.Body.Bytes(), &body)
			hint, _ := body["error_hint"].(string)
			if rec.Code != 400 || body["error"] != "invalid_request" || !strings.HasSuffix(hint, c.use) {
				t.Fatalf("%s %s = %d %v, want 400 invalid_request ending %q", c.method, c.path, rec.Code, body, c.use)
			}
			if got := rec.Header().Get("Allow"); got != c.allow {
				t.Fatalf("%s %s: Allow %q, want %q", c.method, c.path, got, c.allow)
			}
		}
	}
}
