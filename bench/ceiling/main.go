// Command ceiling is the bare net/http server bench/ measures Sigil against:
// the most a Go HTTP server can answer on this machine for a token request.
// Its token endpoint does what every token endpoint must do before any
// grant logic (parse the form, check the client's Basic credentials and the
// grant type) and writes a fixed token; its introspection endpoint parses
// the form and credentials and writes a fixed answer. No storage, no
// signature, no middleware.
//
// Usage:
//
//	ceiling [-addr 127.0.0.1:0] [-client-id ID] [-client-secret SECRET]
//
// It prints "ready http://ADDR" on stdout once it listens; bench/driver
// waits for that line and points bench/load -target at ADDR/token.
package main

import (
	"crypto/subtle"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"
)

// The fixed answers. The access token has the length of a real one.
const (
	tokenJSON      = `{"access_token":"ceiling_at_0123456789abcdefghijklmnopqrstuvwxyzABCDEF","token_type":"Bearer","expires_in":3600,"scope":"api"}` + "\n"
	introspectJSON = `{"active":true,"client_id":"bench-ceiling","scope":"api","token_type":"Bearer","exp":4102444800}` + "\n"
)

// handler serves POST /token and POST /introspect for one client.
func handler(clientID, clientSecret string) http.Handler {
	// authenticate checks client_secret_basic (RFC 6749 section 2.3.1) in
	// constant time, as a real server must.
	authenticate := func(w http.ResponseWriter, r *http.Request) bool {
		id, sec, ok := r.BasicAuth()
		if !ok || subtle.ConstantTimeCompare([]byte(id), []byte(clientID)) != 1 ||
			subtle.ConstantTimeCompare([]byte(sec), []byte(clientSecret)) != 1 {
			w.Header().Set("WWW-Authenticate", `Basic realm="ceiling"`)
			writeJSON(w, http.StatusUnauthorized, `{"error":"invalid_client"}`+"\n")
			return false
		}
		return true
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /token", func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			writeJSON(w, http.StatusBadRequest, `{"error":"invalid_request"}`+"\n")
			return
		}
		if !authenticate(w, r) {
			return
		}
		if r.PostForm.Get("grant_type") != "client_credentials" {
			writeJSON(w, http.StatusBadRequest, `{"error":"unsupported_grant_type"}`+"\n")
			return
		}
		// RFC 6749 section 5.1: token responses must not be cached.
		w.Header().Set("Cache-Control", "no-store")
		writeJSON(w, http.StatusOK, tokenJSON)
	})
	mux.HandleFunc("POST /introspect", func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			writeJSON(w, http.StatusBadRequest, `{"error":"invalid_request"}`+"\n")
			return
		}
		if !authenticate(w, r) {
			return
		}
		if r.PostForm.Get("token") == "" {
			writeJSON(w, http.StatusBadRequest, `{"error":"invalid_request"}`+"\n")
			return
		}
		writeJSON(w, http.StatusOK, introspectJSON)
	})
	return mux
}

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address (loopback; port 0 picks a free one)")
	id := flag.String("client-id", "bench-ceiling", "the one client's id")
	sec := flag.String("client-secret", "bench-ceiling-secret-0123456789abcdef", "its secret")
	flag.Parse()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "ceiling:", err)
		os.Exit(1)
	}
	fmt.Printf("ready http://%s\n", ln.Addr())
	srv := &http.Server{Handler: handler(*id, *sec), ReadHeaderTimeout: 10 * time.Second}
	if err := srv.Serve(ln); err != nil {
		fmt.Fprintln(os.Stderr, "ceiling:", err)
		os.Exit(1)
	}
}
