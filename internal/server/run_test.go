package server

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

func listen(t *testing.T, name string, h http.Handler) Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return Listener{Name: name, Server: &http.Server{Handler: h}, Listener: ln}
}

func get(url string) (int, string, error) {
	resp, err := http.Get(url)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), nil
}

// TestRunDrainsThenShutsDown: on cancel, ready turns 503 while requests are
// still served for the delay; a request in flight when the listeners close
// completes; Run returns nil.
func TestRunDrainsThenShutsDown(t *testing.T) {
	health := &Health{Timeout: time.Second}
	slowStarted, slowDone := make(chan struct{}), make(chan struct{})
	mux := http.NewServeMux()
	mux.HandleFunc("GET /health/ready", health.Ready)
	mux.HandleFunc("GET /slow", func(w http.ResponseWriter, r *http.Request) {
		close(slowStarted)
		time.Sleep(700 * time.Millisecond)
		io.WriteString(w, "finished")
	})
	pub := listen(t, "public", mux)
	base := "http://" + pub.Listener.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() {
		ran <- Run(ctx, []Listener{pub}, Shutdown{Health: health, Delay: 300 * time.Millisecond, Timeout: 5 * time.Second, Log: slog.New(slog.DiscardHandler)})
	}()
	if code, _, err := get(base + "/health/ready"); err != nil || code != 200 {
		t.Fatalf("ready before shutdown: %d %v", code, err)
	}
	slow := make(chan string, 1)
	go func() {
		_, body, err := get(base + "/slow")
		if err != nil {
			body = err.Error()
		}
		slow <- body
		close(slowDone)
	}()
	<-slowStarted
	cancel()
	time.Sleep(50 * time.Millisecond)
	code, body, err := get(base + "/health/ready")
	if err != nil || code != 503 || !strings.Contains(body, "shutdown") {
		t.Fatalf("ready during the delay = %d %q %v, want 503 naming the shutdown", code, body, err)
	}
	if got := <-slow; got != "finished" {
		t.Errorf("request in flight got %q, want it to finish", got)
	}
	select {
	case err := <-ran:
		if err != nil {
			t.Fatalf("Run = %v, want nil", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return")
	}
	if _, _, err := get(base + "/health/ready"); err == nil {
		t.Error("the listener still accepts after Run returned")
	}
}

// TestRunStopsAllWhenOneListenerFails: a node never runs half its
// listeners.
func TestRunStopsAllWhenOneListenerFails(t *testing.T) {
	health := &Health{}
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	pub, adm := listen(t, "public", ok), listen(t, "admin", ok)
	ran := make(chan error, 1)
	go func() {
		ran <- Run(context.Background(), []Listener{pub, adm}, Shutdown{Health: health, Delay: time.Hour, Timeout: time.Second, Log: slog.New(slog.DiscardHandler)})
	}()
	if code, _, err := get("http://" + pub.Listener.Addr().String()); err != nil || code != 200 {
		t.Fatalf("public before the failure: %d %v", code, err)
	}
	adm.Listener.Close() // the admin listener fails
	select {
	case err := <-ran:
		if err == nil || !strings.Contains(err.Error(), "admin listener") {
			t.Fatalf("Run = %v, want the admin listener's failure", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run kept running with one listener down")
	}
	if _, _, err := get("http://" + pub.Listener.Addr().String()); err == nil {
		t.Error("the public listener still serves after the admin one failed")
	}
}

// TestRunShutdownTimeout: a request that outlives the timeout makes Run
// say so rather than hang.
func TestRunShutdownTimeout(t *testing.T) {
	started, release := make(chan struct{}), make(chan struct{})
	defer close(release)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { close(started); <-release })
	pub := listen(t, "public", h)
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() {
		ran <- Run(ctx, []Listener{pub}, Shutdown{Health: &Health{}, Timeout: 200 * time.Millisecond, Log: slog.New(slog.DiscardHandler)})
	}()
	go get("http://" + pub.Listener.Addr().String())
	<-started
	cancel()
	select {
	case err := <-ran:
		if err == nil || !strings.Contains(err.Error(), "did not finish") {
			t.Fatalf("Run = %v, want the timeout", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after its timeout")
	}
}

// TestListenAllOrNone: when the second address cannot be listened on, the
// first listener is closed again and the error names the listener, the
// setting and the address.
func TestListenAllOrNone(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	free, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	freeAddr := free.Addr().String()
	free.Close()

	lns, err := Listen([]Address{
		{Name: "public", Setting: "--public-addr", Addr: freeAddr},
		{Name: "admin", Setting: "--admin-addr", Addr: taken.Addr().String()},
	})
	if err == nil {
		for _, ln := range lns {
			ln.Close()
		}
		t.Fatal("Listen succeeded on a taken address")
	}
	for _, want := range []string{"admin listener", "--admin-addr", taken.Addr().String()} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
	// The public address was let go: it can be listened on again.
	again, err := net.Listen("tcp", freeAddr)
	if err != nil {
		t.Fatalf("the public listener was left open after the admin one failed: %v", err)
	}
	again.Close()

	lns, err = Listen([]Address{{Name: "public", Setting: "--public-addr", Addr: "127.0.0.1:0"}, {Name: "admin", Setting: "--admin-addr", Addr: "127.0.0.1:0"}})
	if err != nil || len(lns) != 2 {
		t.Fatalf("Listen on two free addresses = %v, %v", lns, err)
	}
	for _, ln := range lns {
		ln.Close()
	}
}
