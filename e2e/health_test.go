package e2e

import (
	"bufio"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	_ "modernc.org/sqlite" // database/sql driver "sqlite", to age the schema
)

// health GETs a health endpoint and decodes its JSON answer.
func health(t *testing.T, url string) (int, map[string]any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	out := map[string]any{}
	if err := json.Unmarshal(body, &out); err != nil || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("GET %s answered %d %q (%s), want JSON", url, resp.StatusCode, body, resp.Header.Get("Content-Type"))
	}
	return resp.StatusCode, out
}

// TestHealthOnBothListeners: alive and ready answer 200 {"status":"ok"} on
// the public and the admin listener, and other methods get the catalogue's
// error rather than a 500.
func TestHealthOnBothListeners(t *testing.T) {
	in := startSigil(t)
	for _, base := range []string{in.Issuer, in.Admin} {
		for _, path := range []string{"/health/alive", "/health/ready"} {
			code, body := health(t, base+path)
			if code != 200 || body["status"] != "ok" || len(body) != 1 {
				t.Errorf("GET %s%s = %d %v, want 200 {\"status\":\"ok\"}", base, path, code, body)
			}
		}
	}
	resp, err := http.Post(in.Issuer+"/health/ready", "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Errorf("POST /health/ready = %d, want 400 invalid_request", resp.StatusCode)
	}
}

// TestHealthReadyFailsWhenSchemaIsBehind: a database whose schema is not at
// the binary's version makes the node unready on both listeners, with an
// answer that names the database and nothing of its location.
func TestHealthReadyFailsWhenSchemaIsBehind(t *testing.T) {
	in := startSigil(t)
	in.waitFor(t, "/health/ready")
	dbPath := filepath.Join(in.DataDir, "sigil.db")
	if in.DSN != "" {
		t.Skip("ages a SQLite schema; this run uses " + os.Getenv("SIGIL_TEST_STORE"))
	}
	db, err := sql.Open("sqlite", dbPath+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec("DELETE FROM goose_db_version WHERE version_id = (SELECT MAX(version_id) FROM goose_db_version)"); err != nil {
		t.Fatal(err)
	}
	for _, base := range []string{in.Issuer, in.Admin} {
		var code int
		var body map[string]any
		deadline := time.Now().Add(5 * time.Second) // past the 1 s cache
		for {
			if code, body = health(t, base+"/health/ready"); code == 503 || time.Now().After(deadline) {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		notReady, _ := body["not_ready"].(map[string]any)
		if code != 503 || body["status"] != "unavailable" || notReady["database"] == nil || notReady["keys"] != nil {
			t.Fatalf("GET %s/health/ready with an old schema = %d %v, want 503 naming the database only", base, code, body)
		}
		if raw, _ := json.Marshal(body); strings.Contains(string(raw), in.DataDir) || strings.Contains(string(raw), "sigil.db") {
			t.Errorf("the answer names the database's location: %s", raw)
		}
		if code, _ := health(t, base+"/health/alive"); code != 200 {
			t.Errorf("alive with an old schema = %d, want 200", code)
		}
	}
}

// TestGracefulShutdown: on SIGTERM the node turns unready first and keeps
// serving for --shutdown-delay; then it closes its listeners, lets the
// request in flight finish, and exits with status 0.
func TestGracefulShutdown(t *testing.T) {
	in := newNode(t)
	launch(t, in, []string{"--domains", writeRegistry(t, in), "--shutdown-delay", "1s"})
	in.waitFor(t, "/health/ready")
	host := strings.TrimPrefix(in.Issuer, "http://")

	// A slow client: the token request's headers and half its body are
	// sent before the signal, the rest only after the listeners closed.
	conn, err := net.Dial("tcp", host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	form := "grant_type=authorization_code&code=sigil_ac_unknown&client_id=nobody"
	fmt.Fprintf(conn, "POST /oauth2/token HTTP/1.1\r\nHost: %s\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n%s",
		host, len(form), form[:20])
	time.Sleep(200 * time.Millisecond)

	signalled := time.Now()
	if err := in.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	// Unready on both listeners, while still serving.
	for _, base := range []string{in.Issuer, in.Admin} {
		for {
			code, body := health(t, base+"/health/ready")
			if code == 503 {
				if nr, _ := body["not_ready"].(map[string]any); nr["shutdown"] == nil {
					t.Errorf("%s ready while stopping: %v, want the shutdown named", base, body)
				}
				break
			}
			if time.Since(signalled) > 900*time.Millisecond {
				t.Fatalf("%s/health/ready still %d %v after the signal", base, code, body)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	if code, _ := health(t, in.Issuer+"/health/alive"); code != 200 {
		t.Errorf("alive during the delay = %d, want 200 (the node still serves)", code)
	}

	// After the delay the listeners close: new connections are refused...
	time.Sleep(time.Until(signalled.Add(1500 * time.Millisecond)))
	if c, err := net.DialTimeout("tcp", host, time.Second); err == nil {
		c.Close()
		t.Error("the public listener still accepts connections after the delay")
	}
	// ...but the request in flight completes.
	if _, err := io.WriteString(conn, form[20:]); err != nil {
		t.Fatalf("finishing the request in flight: %v", err)
	}
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("the request in flight got no answer: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var answer map[string]any
	if json.Unmarshal(body, &answer) != nil || answer["error"] == nil {
		t.Errorf("request in flight answered %d %s, want the token endpoint's JSON error", resp.StatusCode, body)
	}

	if err := waitExit(t, in, 10*time.Second); err != nil {
		t.Fatalf("sigil exited with %v, want status 0\n%s", err, in.logs.String())
	}
	if !strings.Contains(in.logs.String(), "sigil stopped") {
		t.Errorf("no clean stop in the log:\n%s", in.logs.String())
	}
}

// TestSecondSignalSkipsShutdownDelay: Ctrl-C twice stops at once.
func TestSecondSignalSkipsShutdownDelay(t *testing.T) {
	in := newNode(t)
	launch(t, in, []string{"--domains", writeRegistry(t, in), "--shutdown-delay", "1m"})
	in.waitFor(t, "/health/ready")
	if err := in.cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	// The log line comes after the node listens for the second signal.
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(in.logs.String(), "still serving until load balancers notice") {
		if time.Now().After(deadline) {
			t.Fatalf("no drain in the log:\n%s", in.logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := in.cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	if err := waitExit(t, in, 10*time.Second); err != nil {
		t.Fatalf("sigil exited with %v, want status 0", err)
	}
}

// waitExit waits for the process to exit and returns its error (nil for
// status 0).
func waitExit(t *testing.T, in *instance, limit time.Duration) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- in.cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-time.After(limit):
		t.Fatalf("sigil did not exit within %s", limit)
		return nil
	}
}
