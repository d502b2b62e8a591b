package server

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
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
