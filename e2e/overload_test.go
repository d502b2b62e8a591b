package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// TestOverloadRefusesWith503 shows admission control (docs/operations.md,
// "Overload") with a tiny limit: a burst of concurrent requests to the
// token endpoint, the authorization endpoint, the login API and userinfo
// is answered either as usual or with 503 temporarily_unavailable and
// Retry-After (the catalogue's JSON, or the error page at the
// authorization endpoint); no other 5xx and no broken connection; the
// refusals are counted in sigil_admission_refused_total.
func TestOverloadRefusesWith503(t *testing.T) {
	args := append([]string{"--admission-authorize=1:0", "--admission-login=1:0", "--admission-token=1:0", "--admission-userinfo=1:0"}, loadTestLimits...)
	in := startSigil(t, args...)
	service, secret := in.createClient(t, map[string]any{
		"grant_types": []string{"client_credentials"}, "redirect_uris": []string{}, "response_types": []string{},
		"scope": "api", "token_endpoint_auth_method": "client_secret_basic",
	})
	web, _ := in.createClient(t, map[string]any{"redirect_uris": []string{testRedirect}, "token_endpoint_auth_method": "none"})
	tokenForm := url.Values{"grant_type": {"client_credentials"}, "scope": {"api"}}.Encode()
	newRequest := func(kind int) *http.Request {
		var req *http.Request
		switch kind {
		case 0:
			req, _ = http.NewRequest("POST", in.Issuer+"/oauth2/token", strings.NewReader(tokenForm))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.SetBasicAuth(service, secret)
		case 1:
			req, _ = http.NewRequest("GET", in.Issuer+"/oauth2/auth?"+authParams(web).Encode(), nil)
		case 2:
			req, _ = http.NewRequest("POST", in.Issuer+"/login/challenge", strings.NewReader(`{"flow":"no-such-flow","domain":"alice.crypto"}`))
			req.Header.Set("Content-Type", "application/json")
		default:
			req, _ = http.NewRequest("GET", in.Issuer+"/userinfo", nil)
			req.Header.Set("Authorization", "Bearer not-a-token")
		}
		return req
	}
	// What each kind answers when admitted.
	admitted := map[int]int{0: 200, 1: http.StatusSeeOther, 2: 404, 3: 401}
	paths := map[int]string{0: "token", 1: "authorize", 2: "login", 3: "userinfo"}

	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	var (
		mu       sync.Mutex
		refused  = map[int]int{}
		served   = map[int]int{}
		problems []string
	)
	// Rounds of 48 requests released together, until every class has been
	// refused at least once (bounded, so a machine too fast to ever
	// overlap two requests fails rather than loops). The fastest class,
	// userinfo refusing a malformed token, can go many rounds without two
	// of its requests overlapping: a bound of 40 rounds once ended with
	// 480 served and none refused. A round takes about 10 ms.
	for round := 0; round < 300 && len(refused) < 4; round++ {
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range 48 {
			kind := i % 4
			wg.Add(1)
			go func() {
				defer wg.Done()
				req := newRequest(kind)
				<-start
				resp, body, err := readAnswer(client, req)
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err != nil:
					problems = append(problems, paths[kind]+": "+err.Error())
				case resp.StatusCode == admitted[kind]:
					served[kind]++
				case resp.StatusCode == 503:
					refused[kind]++
					if p := checkRefusal(resp, body, kind == 1); p != "" {
						problems = append(problems, paths[kind]+": "+p)
					}
				default:
					problems = append(problems, paths[kind]+": unexpected status "+resp.Status+": "+string(body))
				}
			}()
		}
		close(start)
		wg.Wait()
	}
	t.Logf("served %v, refused %v", served, refused)
	for _, p := range problems {
		t.Error(p)
	}
	for kind, name := range paths {
		if refused[kind] == 0 {
			t.Errorf("no %s request was refused: the limit of one at a time did not bite", name)
		}
		if served[kind] == 0 {
			t.Errorf("no %s request was served: admission refused everything", name)
		}
	}
	// Each refusal is counted by class.
	_, metrics := in.adminDo(t, "GET", "/metrics", nil)
	for _, class := range []string{"authorize", "login", "token", "userinfo"} {
		if !strings.Contains(string(metrics), `sigil_admission_refused_total{class="`+class+`"}`) {
			t.Errorf("/metrics lacks sigil_admission_refused_total for %s", class)
		}
	}
	if strings.Contains(string(metrics), `sigil_admission_refused_total{class="token"} 0`) {
		t.Error("sigil_admission_refused_total{class=\"token\"} stayed 0")
	}
	// Once the burst is over, everything is served again.
	resp, err := client.Do(newRequest(0))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("a token request after the burst: %v %v", resp, err)
	}
	resp.Body.Close()
}

// readAnswer sends req and reads the whole answer; its error is the request's
// or the body's. Safe in any goroutine (it never stops the test).
func readAnswer(c *http.Client, req *http.Request) (*http.Response, []byte, error) {
	resp, err := c.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, nil, fmt.Errorf("reading the body: %w", err)
	}
	return resp, body, nil
}

// checkRefusal says what is wrong with a 503 refusal, or "" when it is the
// catalogue's temporarily_unavailable with Retry-After: JSON, or the error
// page at the authorization endpoint.
func checkRefusal(resp *http.Response, body []byte, page bool) string {
	if resp.Header.Get("Retry-After") != "1" {
		return "503 without Retry-After: 1"
	}
	if page {
		if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") || !strings.Contains(string(body), "temporarily_unavailable") {
			return "503 at the authorization endpoint is not the error page naming temporarily_unavailable: " + string(body)
		}
		return ""
	}
	var e struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	if err := json.Unmarshal(body, &e); err != nil || e.Error != "temporarily_unavailable" || e.Description == "" {
		return "503 body is not the catalogue's temporarily_unavailable: " + string(body)
	}
	return ""
}

// TestDefaultAdmissionServesConcurrentClientCredentials: with the default
// admission control, 32 clients per core asking the token endpoint for
// client_credentials tokens at the same instant are all served, none
// refused: the token endpoint's default (32 places per core) leaves room
// for group commit to batch the tokens of the requests in flight
// (docs/operations.md, "Overload"). Under the former default (8 places per
// core and 8 queued) the clients past 16 per core were refused at once.
func TestDefaultAdmissionServesConcurrentClientCredentials(t *testing.T) {
	in := startSigil(t, loadTestLimits...)
	service, secret := in.createClient(t, map[string]any{
		"grant_types": []string{"client_credentials"}, "redirect_uris": []string{}, "response_types": []string{},
		"scope": "api", "token_endpoint_auth_method": "client_secret_basic",
	})
	form := url.Values{"grant_type": {"client_credentials"}, "scope": {"api"}}.Encode()
	// The node runs on this machine with this environment, so its
	// GOMAXPROCS is this process's.
	sendBursts(t, in, "token", 32*runtime.GOMAXPROCS(0), 200, func() *http.Request {
		req, _ := http.NewRequest("POST", in.Issuer+"/oauth2/token", strings.NewReader(form))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(service, secret)
		return req
	})
}

// TestDefaultAdmissionAbsorbsABurstOfSignIns: with the default admission
// control, sign-ins started together (6 per core at the same instant, three
// times the authorization endpoint's 2 places per core) are all served,
// none refused: the default queues hold 4 times their places, and what
// bounds a queued request is the maximum wait (50 ms), which an idle node
// keeps far inside. Under the former default (a queue as long as the
// places) the requests past 4 per core were refused at once although the
// node had time for them.
func TestDefaultAdmissionAbsorbsABurstOfSignIns(t *testing.T) {
	in := startSigil(t, loadTestLimits...)
	web, _ := in.createClient(t, map[string]any{"redirect_uris": []string{testRedirect}, "token_endpoint_auth_method": "none"})
	sendBursts(t, in, "authorize", 6*runtime.GOMAXPROCS(0), http.StatusSeeOther, func() *http.Request {
		req, _ := http.NewRequest("GET", in.Issuer+"/oauth2/auth?"+authParams(web).Encode(), nil)
		return req
	})
}

// sendBursts releases workers requests made by newRequest at the same
// instant, five times, and fails the test unless every one is answered
// want and admission control's refusal counter of class stays 0.
func sendBursts(t *testing.T, in *instance, class string, workers, want int, newRequest func() *http.Request) {
	t.Helper()
	const rounds = 5
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Transport: &http.Transport{MaxIdleConnsPerHost: workers}}
	var (
		mu       sync.Mutex
		served   int
		problems []string
	)
	for range rounds {
		start := make(chan struct{})
		var wg sync.WaitGroup
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				req := newRequest()
				<-start
				resp, body, err := readAnswer(client, req)
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err != nil:
					problems = append(problems, err.Error())
				case resp.StatusCode != want:
					problems = append(problems, resp.Status+": "+string(body))
				default:
					served++
				}
			}()
		}
		close(start)
		wg.Wait()
	}
	if len(problems) > 0 {
		t.Errorf("%d of %d requests failed, first: %s", len(problems), rounds*workers, problems[0])
	}
	if served != rounds*workers {
		t.Errorf("served %d of %d", served, rounds*workers)
	}
	_, metrics := in.adminDo(t, "GET", "/metrics", nil)
	if counter := `sigil_admission_refused_total{class="` + class + `"} 0`; !strings.Contains(string(metrics), counter) {
		t.Errorf("/metrics lacks %s", counter)
	}
}
