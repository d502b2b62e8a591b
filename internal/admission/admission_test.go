package admission

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

func TestParseLimit(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Limit
		ok   bool
	}{
		{"auto", Limit{Auto: true}, true},
		{"off", Limit{}, true},
		{"0", Limit{}, true},
		{"8", Limit{Concurrency: 8, Queue: 8}, true},
		{"8:0", Limit{Concurrency: 8}, true},
		{" 4:16 ", Limit{Concurrency: 4, Queue: 16}, true},
		{"-1", Limit{}, false},
		{"4:-1", Limit{}, false},
		{"x", Limit{}, false},
		{"4:", Limit{}, false},
		{"1000001", Limit{}, false},
	} {
		got, err := ParseLimit(c.in)
		if (err == nil) != c.ok || (c.ok && got != c.want) {
			t.Errorf("ParseLimit(%q) = %+v, %v; want %+v ok=%v", c.in, got, err, c.want, c.ok)
		}
		if c.ok && c.in != "0" && c.in != " 4:16 " && c.in != "8" {
			if got.String() != c.in {
				t.Errorf("ParseLimit(%q).String() = %q", c.in, got.String())
			}
		}
	}
}

// TestDefaultsNarrowestAtTheStart: the first step of a sign-in has the
// fewest places, so a saturated node refuses new sign-ins before it
// refuses the later steps of those under way; the token endpoint has room
// for group commit's batches, and both it and the token readers may use
// the whole database pool. Every queue holds 4 times its class's places,
// so that a burst waits (at most the maximum wait) rather than being
// refused.
func TestDefaultsNarrowestAtTheStart(t *testing.T) {
	d := Defaults(2, 10)
	if !(d[ClassAuthorize].Concurrency < d[ClassLogin].Concurrency && d[ClassLogin].Concurrency < d[ClassToken].Concurrency) {
		t.Errorf("Defaults(2, 10) = %+v, want authorize < login < token", d)
	}
	if d[ClassToken].Concurrency != 64 {
		t.Errorf("token = %+v, want 32 per core, room for a group-commit batch of 64", d[ClassToken])
	}
	if d[ClassUserinfo].Concurrency != 16 {
		t.Errorf("userinfo = %+v, want 8 per core", d[ClassUserinfo])
	}
	if big := Defaults(2, 100); big[ClassToken].Concurrency != 100 || big[ClassUserinfo].Concurrency != 100 {
		t.Errorf("Defaults(2, 100) = %+v, want the whole pool of 100 for token and userinfo", big)
	}
	for _, c := range Classes {
		if d[c].Off() || d[c].Queue != 4*d[c].Concurrency {
			t.Errorf("class %s = %+v, want a limit and a queue of 4 times its places", c, d[c])
		}
	}
	r := Config{Limits: map[Class]Limit{ClassToken: {Auto: true}, ClassLogin: {Concurrency: 3, Queue: 1}, ClassUserinfo: {}}}.Resolve(2, 10)
	if r.Limits[ClassToken] != d[ClassToken] || r.Limits[ClassLogin] != (Limit{Concurrency: 3, Queue: 1}) || !r.Limits[ClassUserinfo].Off() {
		t.Errorf("Resolve = %+v", r.Limits)
	}
}

// TestGateQueueThenRefuse: with every place taken, up to Queue callers
// wait and get a place when one is left; the next is refused at once; a
// waiter whose wait runs out is refused.
func TestGateQueueThenRefuse(t *testing.T) {
	g := NewGate(Limit{Concurrency: 2, Queue: 1}, time.Hour)
	ctx := context.Background()
	for i := range 2 {
		if !g.Enter(ctx) {
			t.Fatalf("caller %d of 2 was refused", i+1)
		}
	}
	got := make(chan bool)
	go func() { got <- g.Enter(ctx) }()
	for g.waiting.Load() != 1 {
		time.Sleep(time.Millisecond)
	}
	if g.Enter(ctx) {
		t.Fatal("a caller beyond the places and the queue was admitted")
	}
	g.Leave()
	if !<-got {
		t.Fatal("the queued caller was refused after a place was left")
	}
	if g.InFlight() != 2 {
		t.Fatalf("InFlight = %d, want 2", g.InFlight())
	}

	short := NewGate(Limit{Concurrency: 1, Queue: 1}, 10*time.Millisecond)
	short.Enter(ctx)
	if short.Enter(ctx) {
		t.Fatal("a queued caller was admitted though no place was left")
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	long := NewGate(Limit{Concurrency: 1, Queue: 1}, time.Hour)
	long.Enter(ctx)
	if long.Enter(cctx) {
		t.Fatal("a caller whose request ended was admitted")
	}
}

// TestGateNeverOverAdmits: however many callers race, no more than the
// limit hold a place at once.
func TestGateNeverOverAdmits(t *testing.T) {
	g := NewGate(Limit{Concurrency: 3, Queue: 5}, time.Millisecond)
	var mu sync.Mutex
	in, most := 0, 0
	var wg sync.WaitGroup
	for range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				if !g.Enter(context.Background()) {
					continue
				}
				mu.Lock()
				in++
				most = max(most, in)
				mu.Unlock()
				time.Sleep(10 * time.Microsecond)
				mu.Lock()
				in--
				mu.Unlock()
				g.Leave()
			}
		}()
	}
	wg.Wait()
	if most > 3 || most == 0 {
		t.Fatalf("at most %d held a place at once, want 1 to 3", most)
	}
}

// TestHandlerRefusal: a refused request gets 503 temporarily_unavailable
// with Retry-After and the catalogue's JSON body, the authorization
// endpoint its page, and OnRefuse hears of it; other paths and preflights
// pass.
func TestHandlerRefusal(t *testing.T) {
	release := make(chan struct{})
	started := make(chan struct{}, 8)
	// POSTs and the authorization GET hold their place until released;
	// anything else answers at once.
	slow := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == "OPTIONS" || r.URL.Path != "/oauth2/auth" && r.Method != "POST" {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		started <- struct{}{}
		<-release
	})
	limits := map[Class]Limit{}
	for _, c := range Classes {
		limits[c] = Limit{Concurrency: 1}
	}
	c := New(Config{Limits: limits})
	var refused []Class
	c.OnRefuse = func(cl Class) { refused = append(refused, cl) }
	c.Page = func(w http.ResponseWriter, r *http.Request, err error) {
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte("<html>page</html>"))
	}
	h := c.Handler(slow)
	var wg sync.WaitGroup
	for _, path := range []string{"/oauth2/token", "/oauth2/auth"} {
		wg.Add(1)
		go func() { defer wg.Done(); h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("POST", path, nil)) }()
		<-started
	}
	defer func() { close(release); wg.Wait() }()

	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("POST", "/oauth2/token", nil))
	var body map[string]string
	_ = json.Unmarshal(rec.Body.Bytes(), &body)
	if rec.Code != 503 || rec.Header().Get("Retry-After") != "1" || body["error"] != "temporarily_unavailable" || body["error_description"] == "" {
		t.Errorf("refused token request = %d Retry-After %q %s", rec.Code, rec.Header().Get("Retry-After"), rec.Body)
	}
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/oauth2/auth", nil))
	if rec.Code != 503 || rec.Header().Get("Retry-After") != "1" || rec.Body.String() != "<html>page</html>" {
		t.Errorf("refused authorization request = %d %q %s", rec.Code, rec.Header().Get("Retry-After"), rec.Body)
	}
	if len(refused) != 2 || refused[0] != ClassToken || refused[1] != ClassAuthorize {
		t.Errorf("OnRefuse heard %v", refused)
	}
	// Preflights and unlimited paths are not held back.
	for _, req := range []*http.Request{httptest.NewRequest("OPTIONS", "/oauth2/token", nil), httptest.NewRequest("GET", "/.well-known/jwks.json", nil)} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusNoContent {
			t.Errorf("%s %s = %d, want it passed to the handler", req.Method, req.URL.Path, rec.Code)
		}
	}
}
