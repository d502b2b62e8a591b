package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sigil-oidc/sigil/internal/oauth"
)

// probe calls h at path and decodes the JSON answer.
func probe(t *testing.T, h http.Handler, method, path string) (int, map[string]any, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, path, nil))
	var body map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatalf("%s %s answered non-JSON %d: %q", method, path, rec.Code, rec.Body)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" && method != "POST" {
		t.Errorf("%s Content-Type %q", path, ct)
	}
	return rec.Code, body, rec.Body.String()
}

// publicWith is the public listener's handler with h as its health.
func publicWith(h *Health) http.Handler {
	p := &Public{Provider: &oauth.Provider{Log: slog.New(slog.DiscardHandler)}, Health: h}
	return p.Handler()
}

func TestHealthAliveAndReady(t *testing.T) {
	var calls atomic.Int32
	h := &Health{Timeout: time.Second, CacheFor: time.Second, Checks: []Check{
		{Name: "database", Problem: "down", Check: func(context.Context) error { calls.Add(1); return nil }},
	}}
	handler := publicWith(h)
	for _, path := range []string{"/health/alive", "/health/ready"} {
		code, body, _ := probe(t, handler, "GET", path)
		if code != 200 || body["status"] != "ok" || len(body) != 1 {
			t.Errorf("GET %s = %d %v, want 200 {\"status\":\"ok\"}", path, code, body)
		}
	}
	if calls.Load() != 1 {
		t.Errorf("ready ran the check %d times, want 1", calls.Load())
	}
}

// TestHealthReadyNamesFailureWithoutSecrets: a failing check names the
// condition, and the error, which may carry a DSN with a password, stays in
// the log.
func TestHealthReadyNamesFailureWithoutSecrets(t *testing.T) {
	var logs bytes.Buffer
	const secretText = "postgres://sigil:hunter2-password@db.internal/sigil"
	h := &Health{Timeout: time.Second, CacheFor: time.Second, Log: slog.New(slog.NewTextHandler(&logs, nil)), Checks: []Check{
		{Name: "database", Problem: "the database does not answer", Check: func(context.Context) error { return errors.New("dial " + secretText) }},
		{Name: "keys", Problem: "stale keys", Check: func(context.Context) error { return nil }},
	}}
	code, body, raw := probe(t, publicWith(h), "GET", "/health/ready")
	notReady, _ := body["not_ready"].(map[string]any)
	if code != 503 || body["status"] != "unavailable" || notReady["database"] != "the database does not answer" || len(notReady) != 1 {
		t.Fatalf("GET /health/ready = %d %s, want 503 naming the database only", code, raw)
	}
	if strings.Contains(raw, "hunter2") || strings.Contains(raw, "db.internal") {
		t.Errorf("the answer leaks the check's error: %s", raw)
	}
	if !strings.Contains(logs.String(), "hunter2") {
		t.Errorf("the error is not logged for the operator: %q", logs.String())
	}
}

// TestHealthReadyCachesChecks: a flood of probes costs the database one
// round per CacheFor.
func TestHealthReadyCachesChecks(t *testing.T) {
	var calls atomic.Int32
	h := &Health{Timeout: time.Second, CacheFor: time.Hour, Checks: []Check{
		{Name: "database", Problem: "down", Check: func(context.Context) error {
			calls.Add(1)
			time.Sleep(20 * time.Millisecond)
			return nil
		}},
	}}
	handler := publicWith(h)
	var wg sync.WaitGroup
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rec := httptest.NewRecorder()
			handler.ServeHTTP(rec, httptest.NewRequest("GET", "/health/ready", nil))
			if rec.Code != 200 {
				t.Errorf("probe answered %d", rec.Code)
			}
		}()
	}
	wg.Wait()
	if n := calls.Load(); n != 1 {
		t.Errorf("50 probes ran the check %d times, want 1", n)
	}
	h.CacheFor = 0
	probe(t, handler, "GET", "/health/ready")
	if n := calls.Load(); n != 2 {
		t.Errorf("after the cache expired the check ran %d times in all, want 2", n)
	}
}

// TestHealthReadyBoundsHungCheck: a database that does not answer makes the
// node unready within the timeout instead of hanging the probe.
func TestHealthReadyBoundsHungCheck(t *testing.T) {
	h := &Health{Timeout: 100 * time.Millisecond, CacheFor: time.Second, Checks: []Check{
		{Name: "database", Problem: "down", Check: func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() }},
	}}
	start := time.Now()
	code, body, _ := probe(t, publicWith(h), "GET", "/health/ready")
	if code != 503 || body["not_ready"].(map[string]any)["database"] != "down" {
		t.Fatalf("hung check: %d %v", code, body)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("probe took %s with a 100ms timeout", d)
	}
}

func TestHealthDrainTurnsReadyOffButNotAlive(t *testing.T) {
	var calls atomic.Int32
	h := &Health{Timeout: time.Second, Checks: []Check{
		{Name: "database", Problem: "down", Check: func(context.Context) error { calls.Add(1); return nil }},
	}}
	handler := publicWith(h)
	h.Drain()
	code, body, _ := probe(t, handler, "GET", "/health/ready")
	if code != 503 || body["not_ready"].(map[string]any)["shutdown"] == nil {
		t.Fatalf("ready while draining = %d %v, want 503 naming the shutdown", code, body)
	}
	if calls.Load() != 0 {
		t.Error("a draining node still ran the checks")
	}
	if code, _, _ := probe(t, handler, "GET", "/health/alive"); code != 200 {
		t.Errorf("alive while draining = %d, want 200", code)
	}
}

// TestHealthOtherMethods: other methods get the catalogue's JSON error, not
// a 500 or an empty 405.
func TestHealthOtherMethods(t *testing.T) {
	handler := publicWith(nil)
	for _, path := range []string{"/health/alive", "/health/ready"} {
		code, body, _ := probe(t, handler, "POST", path)
		if code != 400 || body["error"] != "invalid_request" {
			t.Errorf("POST %s = %d %v, want 400 invalid_request", path, code, body)
		}
	}
	if code, body, _ := probe(t, handler, "GET", "/health/ready"); code != 200 || body["status"] != "ok" {
		t.Errorf("ready without checks = %d %v", code, body)
	}
}

// TestAdminListenerAnswersJSON: the admin listener serves the admin API,
// the metrics and the health checks; another method or an unknown path
// gets the catalogue's JSON, as on the public listener, not the mux's
// plain-text 404 or 405.
func TestAdminListenerAnswersJSON(t *testing.T) {
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, `{"api":true}`) })
	metrics := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, `{"metrics":true}`) })
	handler := AdminHandler(api, metrics, &Health{}, slog.New(slog.DiscardHandler))
	for _, c := range []struct {
		method, path string
		status       int
		key, want    string
	}{
		{"GET", "/admin/clients", 200, "api", ""},
		{"GET", "/metrics", 200, "metrics", ""},
		{"GET", "/health/ready", 200, "status", ""},
		{"POST", "/health/ready", 400, "error", "invalid_request"},
		{"DELETE", "/metrics", 400, "error", "invalid_request"},
		{"GET", "/", 404, "error", "not_found"},
		{"GET", "/oauth2/token", 404, "error", "not_found"},
	} {
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, httptest.NewRequest(c.method, c.path, nil))
		var body map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
			t.Fatalf("%s %s answered non-JSON %d: %q", c.method, c.path, rec.Code, rec.Body)
		}
		code, raw := rec.Code, rec.Body.String()
		if code != c.status || body[c.key] == nil || (c.want != "" && body[c.key] != c.want) {
			t.Errorf("%s %s = %d %s, want %d with %s %s", c.method, c.path, code, raw, c.status, c.key, c.want)
		}
	}
	rec := httptest.NewRecorder()
	handler.ServeHTTP(rec, httptest.NewRequest("GET", "/nothing", nil))
	if !strings.Contains(rec.Body.String(), "the admin API is under /admin/") {
		t.Errorf("the 404 does not say where the admin API is: %s", rec.Body)
	}
}
