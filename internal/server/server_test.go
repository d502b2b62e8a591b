package server

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
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
