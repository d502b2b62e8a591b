package e2e

import (
	"bytes"
	"crypto/ecdsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/accounts"
	"github.com/ethereum/go-ethereum/crypto"
	"golang.org/x/oauth2"

	"github.com/sigil-oidc/sigil/internal/pgtest"
	"github.com/sigil-oidc/sigil/internal/siwe"
)

// cluster is several `sigil serve` nodes on one PostgreSQL database behind
// a round-robin load balancer, as docs/deploy.md describes: every node has
// the load balancer's URL as --issuer, the same --system-secret and
// --admin-token, and its own data dir and ports.
type cluster struct {
	// front is the cluster as relying parties and browsers see it: Issuer
	// is the load balancer's URL; Admin is node 0's admin listener.
	front *instance
	// nodes are the processes; each one's Issuer field is its own public
	// listener (http://127.0.0.1:port), for probes that bypass the proxy.
	nodes []*instance
	lb    *loadBalancer
}

// newCluster starts the load balancer and n nodes on a new, empty
// database. With wait false it returns as soon as the processes are
// started, so that they race through migrations and key creation.
// loadTestLimits lift the per-address abuse limits for tests that put one
// address's load on the nodes (every request here comes from 127.0.0.1);
// e2e/abuse_test.go tests the limits themselves.
var loadTestLimits = []string{
	"--rate-limit-authorize-ip=1000000/s", "--rate-limit-authorize-client=1000000/s",
	"--rate-limit-login-ip=1000000/s", "--rate-limit-token-ip=1000000/s",
	"--rate-limit-token-client=1000000/s", "--max-flows-per-ip=1000000000",
}

func newCluster(t *testing.T, n int, wait bool) *cluster {
	t.Helper()
	dsn := pgtest.NewDatabase(t)
	lb := &loadBalancer{}
	srv := httptest.NewServer(lb.handler())
	t.Cleanup(srv.Close)
	c := &cluster{lb: lb, front: &instance{Issuer: srv.URL, AdminToken: "e2e-admin-token-0123456789"}}
	var err error
	if c.front.Alice, err = crypto.GenerateKey(); err != nil {
		t.Fatal(err)
	}
	if c.front.Bob, err = crypto.GenerateKey(); err != nil {
		t.Fatal(err)
	}
	systemSecret := "cluster-system-secret-0123456789abcdef"
	// Every node writes the same registry (same wallets) into its own dir.
	for range n {
		node := &instance{AdminToken: c.front.AdminToken, DataDir: t.TempDir(), DSN: dsn, Alice: c.front.Alice, Bob: c.front.Bob}
		registry := writeRegistry(t, node)
		// launch passes --issuer with the node's own address first; the
		// later --issuer (the load balancer) wins, as with any repeated flag.
		args := []string{"--domains", registry, "--issuer", srv.URL,
			"--system-secret", systemSecret, "--shutdown-delay", "0s"}
		launch(t, node, append(args, loadTestLimits...))
		c.nodes = append(c.nodes, node)
	}
	for _, node := range c.nodes {
		u, _ := url.Parse(node.Issuer)
		lb.add(u)
	}
	c.front.Admin = c.nodes[0].Admin
	if wait {
		c.waitReady(t)
	}
	return c
}

// waitReady waits until every node answers /health/ready.
func (c *cluster) waitReady(t *testing.T) {
	t.Helper()
	for _, node := range c.nodes {
		node.waitFor(t, "/health/ready")
	}
}

// loadBalancer is a plain round-robin reverse proxy, as a cloud load
// balancer or nginx is: each request goes to the next node in turn, and it
// records which node served it. A node whose port refuses connections is
// taken out of the rotation (a passive health check), and the refused
// request goes to the next node: nothing of it reached the refusing node,
// so this is safe for any method (nginx's proxy_next_upstream does the same
// for a request not yet sent upstream). A request that did reach a node is
// never retried.
type loadBalancer struct {
	mu       sync.Mutex
	nodes    []*url.URL
	down     []bool
	inFlight []int // requests sent to each node whose response is not complete
	next     int
	log      []served
}

// served is one request as the load balancer saw it.
type served struct {
	Node   int
	Method string
	Path   string
}

func (lb *loadBalancer) add(u *url.URL) {
	lb.mu.Lock()
	defer lb.mu.Unlock()
	lb.nodes = append(lb.nodes, u)
	lb.down = append(lb.down, false)
	lb.inFlight = append(lb.inFlight, 0)
}

func (lb *loadBalancer) handler() http.Handler {
	return &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			// The node is chosen per attempt in RoundTrip. Every request
			// carries a Host and forwarded headers naming another site, as
			// an attacker's client behind a careless proxy would send:
			// Sigil must build every URL from --issuer regardless
			// (docs/deploy.md), which the flow test checks.
			pr.Out.URL.Scheme, pr.Out.URL.Host = "http", "node"
			pr.Out.Host = "attacker.example"
			pr.Out.Header.Set("X-Forwarded-Host", "attacker.example")
			pr.Out.Header.Set("X-Forwarded-Proto", "https")
			pr.Out.Header.Set("X-Forwarded-For", "203.0.113.7")
			pr.Out.Header.Set("Forwarded", "for=203.0.113.7;host=attacker.example;proto=https")
		},
		Transport: lb,
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			w.WriteHeader(http.StatusBadGateway)
			fmt.Fprintf(w, "load balancer: %v", err)
		},
	}
}

// lbTransport opens one connection per request: a connection kept alive to
// a node that dies would fail a request sent after the death (which a real
// load balancer retries too); this way the dial fails instead, and
// RoundTrip moves on.
var lbTransport = &http.Transport{DisableKeepAlives: true, ResponseHeaderTimeout: 20 * time.Second}

// RoundTrip sends r to the next live node, moving on when a node refuses
// the connection.
func (lb *loadBalancer) RoundTrip(r *http.Request) (*http.Response, error) {
	var body []byte
	if r.Body != nil {
		var err error
		if body, err = io.ReadAll(r.Body); err != nil {
			return nil, err
		}
		r.Body.Close()
	}
	for {
		i := lb.pick(r)
		if i < 0 {
			return nil, errors.New("no live node")
		}
		out := r.Clone(r.Context())
		out.URL.Host = lb.nodes[i].Host
		out.Body = io.NopCloser(bytes.NewReader(body))
		resp, err := lbTransport.RoundTrip(out)
		if err != nil {
			lb.finish(i)
			var op *net.OpError
			if errors.As(err, &op) && op.Op == "dial" {
				lb.markDown(i)
				continue
			}
			return nil, err
		}
		resp.Body = &finishOnClose{ReadCloser: resp.Body, finish: func() { lb.finish(i) }}
		return resp, nil
	}
}

// pick chooses the next live node, counts the request in flight there and
// logs it.
func (lb *loadBalancer) pick(r *http.Request) int {
	lb.mu.Lock()
	defer lb.mu.Unlock()
	for range lb.nodes {
		i := lb.next
		lb.next = (lb.next + 1) % len(lb.nodes)
		if !lb.down[i] {
			lb.inFlight[i]++
			lb.log = append(lb.log, served{Node: i, Method: r.Method, Path: r.URL.Path})
			return i
		}
	}
	return -1
}

func (lb *loadBalancer) finish(i int) {
	lb.mu.Lock()
	defer lb.mu.Unlock()
	lb.inFlight[i]--
}

func (lb *loadBalancer) markDown(i int) {
	lb.mu.Lock()
	defer lb.mu.Unlock()
	lb.down[i] = true
}

// mark is the position in the log; since returns what was served after it.
func (lb *loadBalancer) mark() int {
	lb.mu.Lock()
	defer lb.mu.Unlock()
	return len(lb.log)
}

func (lb *loadBalancer) since(mark int) []served {
	lb.mu.Lock()
	defer lb.mu.Unlock()
	return slices.Clone(lb.log[mark:])
}

// kill SIGKILLs node i and returns how many requests were in flight on it.
// No request is sent to any node meanwhile, and kill returns only once the
// node's port refuses connections, so that the count is exactly the
// requests the death can fail.
func (lb *loadBalancer) kill(t *testing.T, i int, node *instance) int {
	t.Helper()
	lb.mu.Lock()
	defer lb.mu.Unlock()
	n := lb.inFlight[i]
	if err := node.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		conn, err := net.DialTimeout("tcp", lb.nodes[i].Host, time.Second)
		if err != nil {
			break
		}
		conn.Close()
		if time.Now().After(deadline) {
			t.Fatalf("node %d still accepts connections after SIGKILL", i)
		}
		time.Sleep(5 * time.Millisecond)
	}
	return n
}

// finishOnClose counts a response as done when the proxy has copied it.
type finishOnClose struct {
	io.ReadCloser
	once   sync.Once
	finish func()
}

func (f *finishOnClose) Close() error {
	err := f.ReadCloser.Close()
	f.once.Do(f.finish)
	return err
}

// TestClusterFlowAcrossNodes: one code flow whose every step lands on
// another node than the step before (the flow's state lives only in the
// database and the browser's cookies); the ID tokens verify with go-oidc
// against the load balancer's issuer, whose JWKS any node serves. Every URL
// the nodes hand out (discovery, redirects, iss, the signed message's host)
// is the issuer's, though each request names another host in Host and the
// forwarded headers.
func TestClusterFlowAcrossNodes(t *testing.T) {
	c := newCluster(t, 3, true)
	front := c.front
	id, secret := front.createClient(t, map[string]any{"client_name": "Cluster RP", "redirect_uris": []string{testRedirect},
		"scope": "openid wallet offline_access", "grant_types": []string{"authorization_code", "refresh_token"}})
	party := newRP(t, front, id, secret, testRedirect, "openid", "wallet", "offline_access")
	b := newBrowser(t, front.Issuer)

	// step runs one request of the flow and returns the node that served
	// it, from the load balancer's log.
	var steps []string
	var nodes []int
	step := func(name, path string, do func()) {
		t.Helper()
		mark := c.lb.mark()
		do()
		for _, s := range c.lb.since(mark) {
			if s.Path == path {
				steps, nodes = append(steps, name), append(nodes, s.Node)
				return
			}
		}
		t.Fatalf("step %s: the load balancer served no %s: %v", name, path, c.lb.since(mark))
	}

	verifier := oauth2.GenerateVerifier()
	nonce := "nonce-cluster-0123456789"
	var flow, code string
	var ch, acc map[string]any
	step("authorize", "/oauth2/auth", func() {
		authURL := party.conf.AuthCodeURL("state-cluster-0123456789", oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("nonce", nonce))
		resp, _ := b.get(authURL)
		if loc := resp.Header.Get("Location"); !strings.HasPrefix(loc, front.Issuer+"/login?flow=") {
			t.Fatalf("authorize redirected to %q, want the login page under the issuer %s", loc, front.Issuer)
		}
		u, _ := url.Parse(resp.Header.Get("Location"))
		flow = u.Query().Get("flow")
	})
	step("login page", "/login", func() {
		if resp, page := b.get(front.Issuer + "/login?flow=" + flow); resp.StatusCode != 200 || !strings.Contains(page, "Cluster RP") {
			t.Fatalf("login page: %d", resp.StatusCode)
		}
	})
	step("challenge", "/login/challenge", func() {
		var st int
		if st, ch = b.api("/login/challenge", map[string]any{"flow": flow, "domain": "alice.crypto"}); st != 200 {
			t.Fatalf("challenge: %d %v", st, ch)
		}
		// The message names the load balancer's host, whichever node built it.
		m, err := siwe.Parse(ch["message"].(string))
		if err != nil || m.Domain != strings.TrimPrefix(front.Issuer, "http://") || m.RequestID != flow {
			t.Fatalf("challenge message: %v %+v", err, m)
		}
	})
	step("verify", "/login/verify", func() {
		st, v := b.api("/login/verify", map[string]any{"flow": flow, "signature": sign(t, front.Alice, ch["message"].(string)), "wallet_type_hint": "web3"})
		if st != 200 || !strings.HasPrefix(v["redirect_to"].(string), front.Issuer+"/consent?flow=") {
			t.Fatalf("verify: %d %v", st, v)
		}
	})
	step("consent page", "/consent", func() {
		if resp, _ := b.get(front.Issuer + "/consent?flow=" + flow); resp.StatusCode != 200 {
			t.Fatalf("consent page: %d", resp.StatusCode)
		}
	})
	step("consent", "/consent/accept", func() {
		var st int
		if st, acc = b.api("/consent/accept", map[string]any{"flow": flow, "grant_scope": []string{"openid", "wallet", "offline_access"}}); st != 200 {
			t.Fatalf("accept: %d %v", st, acc)
		}
		params := b.redirectParams(acc["redirect_to"].(string), "query")
		if params.Get("iss") != front.Issuer {
			t.Fatalf("iss %q, want the load balancer's issuer %s", params.Get("iss"), front.Issuer)
		}
		code = params.Get("code")
	})
	var tok *oauth2.Token
	step("token", "/oauth2/token", func() {
		var err error
		if tok, err = party.conf.Exchange(ctx(t), code, oauth2.VerifierOption(verifier)); err != nil {
			t.Fatalf("exchange: %v", err)
		}
	})
	// The verifier fetches the JWKS through the load balancer: any node.
	idt, err := party.verifier.Verify(ctx(t), tok.Extra("id_token").(string))
	if err != nil {
		t.Fatalf("verify the ID token against %s: %v", front.Issuer, err)
	}
	if idt.Subject != "alice.crypto" || idt.Issuer != front.Issuer || idt.Nonce != nonce {
		t.Fatalf("ID token sub %s iss %s nonce %s", idt.Subject, idt.Issuer, idt.Nonce)
	}
	step("userinfo", "/userinfo", func() {
		if ui, err := party.provider.UserInfo(ctx(t), oauth2.StaticTokenSource(tok)); err != nil || ui.Subject != "alice.crypto" {
			t.Fatalf("userinfo: %v %+v", err, ui)
		}
	})
	var refreshed map[string]any
	step("refresh", "/oauth2/token", func() {
		var st int
		st, refreshed, _ = postToken(t, front, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken}}, id, secret)
		if st != 200 {
			t.Fatalf("refresh: %d %v", st, refreshed)
		}
	})
	if idt, err := party.verifier.Verify(ctx(t), refreshed["id_token"].(string)); err != nil || idt.Subject != "alice.crypto" {
		t.Fatalf("refreshed ID token: %v", err)
	}
	step("userinfo after refresh", "/userinfo", func() {
		if st := userinfoStatus(t, front, "Bearer "+refreshed["access_token"].(string)); st != 200 {
			t.Fatalf("userinfo with the refreshed token: %d", st)
		}
	})

	// Each step on another node than the one before, and every node used.
	seen := map[int]bool{}
	for i := range steps {
		seen[nodes[i]] = true
		if i > 0 && nodes[i] == nodes[i-1] {
			t.Errorf("steps %s and %s both ran on node %d", steps[i-1], steps[i], nodes[i])
		}
	}
	if len(seen) != len(c.nodes) {
		t.Errorf("steps ran on nodes %v, want all %d", nodes, len(c.nodes))
	}
	for i := range steps {
		t.Logf("%-22s node %d", steps[i], nodes[i])
	}
}

// TestClusterStartAtOnce: three nodes started together on an empty
// database (racing to migrate it and create the first signing key) all
// become ready and publish the same key set.
func TestClusterStartAtOnce(t *testing.T) {
	c := newCluster(t, 3, false)
	c.waitReady(t)
	var first []byte
	for i, node := range c.nodes {
		resp, err := http.Get(node.Issuer + "/.well-known/jwks.json")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var set struct {
			Keys []map[string]any `json:"keys"`
		}
		if resp.StatusCode != 200 || json.Unmarshal(body, &set) != nil || len(set.Keys) == 0 {
			t.Fatalf("node %d JWKS: %d %s", i, resp.StatusCode, body)
		}
		if i == 0 {
			first = body
		} else if !bytes.Equal(body, first) {
			t.Errorf("node %d serves another JWKS than node 0:\n%s\nnode 0:\n%s", i, body, first)
		}
	}
	// One flow through the load balancer: whichever node signs, the
	// token verifies with the key set whichever node serves.
	id, secret := c.front.createClient(t, map[string]any{"redirect_uris": []string{testRedirect}})
	code, verifier, _ := codeFor(t, c.front, id, []string{"openid"})
	party := newRP(t, c.front, id, secret, testRedirect, "openid")
	tok, err := party.conf.Exchange(ctx(t), code, oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := party.verifier.Verify(ctx(t), tok.Extra("id_token").(string)); err != nil {
		t.Fatalf("ID token: %v", err)
	}
}

// loadResult is what the load goroutines saw.
type loadResult struct {
	mu sync.Mutex
	// failed lists the failures of requests started before the kill;
	// failedAfter those started after it.
	failed, failedAfter []string
	ok, okAfter         int
	flows               int
}

// TestClusterNodeKilledUnderLoad: under a bounded load through the load
// balancer, SIGKILL one node: only the requests in flight on it fail,
// every request after the kill succeeds on the other nodes, and a flow
// started after the kill completes.
func TestClusterNodeKilledUnderLoad(t *testing.T) {
	c := newCluster(t, 3, true)
	front := c.front
	id, _ := front.createClient(t, map[string]any{"redirect_uris": []string{testRedirect}, "token_endpoint_auth_method": "none"})

	const (
		workers    = 6
		maxPerWork = 1500 // bounds the run however fast the machine is
		duration   = 5 * time.Second
		killAfter  = 2 * time.Second
	)
	var killed atomic.Bool
	res := &loadResult{}
	// record counts one request; a request counts as after the kill only
	// when it started after kill returned.
	record := func(startedAfter bool, err error) {
		res.mu.Lock()
		defer res.mu.Unlock()
		switch {
		case err == nil && startedAfter:
			res.okAfter++
		case err == nil:
			res.ok++
		case startedAfter:
			res.failedAfter = append(res.failedAfter, err.Error())
		default:
			res.failed = append(res.failed, err.Error())
		}
	}
	stop := time.Now().Add(duration)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			client := &http.Client{Timeout: 20 * time.Second}
			for i := 0; i < maxPerWork && time.Now().Before(stop); i++ {
				switch (w + i) % 8 {
				case 0:
					// A whole flow: each of its requests counts on its own;
					// the flow stops at its first failure.
					if loadFlow(front, id, front.Alice, &killed, record) {
						res.mu.Lock()
						res.flows++
						res.mu.Unlock()
					}
				case 1, 2, 3:
					after := killed.Load()
					record(after, expect(client.Get(front.Issuer+"/.well-known/openid-configuration"))(200, "issuer"))
				case 4, 5:
					after := killed.Load()
					record(after, expect(client.Get(front.Issuer+"/.well-known/jwks.json"))(200, "keys"))
				default:
					after := killed.Load()
					form := url.Values{"grant_type": {"authorization_code"}, "code": {"sigil_ac_nope"}, "client_id": {"no-such-client"}}
					record(after, expect(client.PostForm(front.Issuer+"/oauth2/token", form))(401, "invalid_client"))
				}
			}
		}()
	}

	time.Sleep(killAfter)
	victim := 2
	inFlight := c.lb.kill(t, victim, c.nodes[victim])
	killed.Store(true)
	wg.Wait()

	res.mu.Lock()
	defer res.mu.Unlock()
	t.Logf("before the kill: %d ok, %d failed; in flight on node %d at the kill: %d; after: %d ok, %d failed; %d whole flows",
		res.ok, len(res.failed), victim, inFlight, res.okAfter, len(res.failedAfter), res.flows)
	for _, f := range res.failed {
		t.Logf("failed in flight: %s", f)
	}
	if len(res.failed) > inFlight {
		t.Errorf("%d requests failed, more than the %d in flight on the killed node: %q", len(res.failed), inFlight, res.failed)
	}
	if len(res.failedAfter) > 0 {
		t.Errorf("%d requests started after the kill failed: %q", len(res.failedAfter), res.failedAfter)
	}
	if res.ok < 50 || res.okAfter < 50 || res.flows < 5 {
		t.Errorf("too little load to show anything: %d ok before, %d after, %d flows", res.ok, res.okAfter, res.flows)
	}
	served := map[int]int{}
	for _, s := range c.lb.since(0) {
		served[s.Node]++
	}
	if served[victim] == 0 {
		t.Errorf("the killed node served nothing before the kill: %v", served)
	}

	// A flow started after the kill completes, through the two nodes left.
	code, verifier, _ := codeFor(t, front, id, []string{"openid", "wallet"})
	party := newRP(t, front, id, "", testRedirect, "openid", "wallet")
	tok, err := party.conf.Exchange(ctx(t), code, oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("exchange after the kill: %v", err)
	}
	if idt, err := party.verifier.Verify(ctx(t), tok.Extra("id_token").(string)); err != nil || idt.Subject != "alice.crypto" {
		t.Fatalf("ID token after the kill: %v", err)
	}
}

// expect checks an answer's status and that its body holds want; it takes
// http.Client's two results so a call reads expect(client.Get(u))(200, "x").
func expect(resp *http.Response, err error) func(status int, want string) error {
	return func(status int, want string) error {
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			return fmt.Errorf("%s %s: reading the body: %w", resp.Request.Method, resp.Request.URL.Path, err)
		}
		if resp.StatusCode != status || !bytes.Contains(body, []byte(want)) {
			return fmt.Errorf("%s %s: %d %.200s", resp.Request.Method, resp.Request.URL.Path, resp.StatusCode, body)
		}
		return nil
	}
}

// loadFlow runs one code flow for the public client id with the wallet key,
// reporting every request to record. It stops at the first failure and
// reports whether the flow completed. It is the load run's version of
// codeFor and browser, which end the test on a failure; under load a
// failure is data.
func loadFlow(front *instance, id string, key *ecdsa.PrivateKey, killed *atomic.Bool, record func(bool, error)) bool {
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, Timeout: 20 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	// do sends one request, checks it, and records it.
	do := func(req *http.Request, status int, out any) bool {
		after := killed.Load()
		err := func() error {
			resp, err := client.Do(req)
			if err != nil {
				return err
			}
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			if err != nil {
				return err
			}
			if resp.StatusCode != status {
				return fmt.Errorf("%s %s: %d %.200s", req.Method, req.URL.Path, resp.StatusCode, body)
			}
			if loc, ok := out.(*string); ok {
				*loc = resp.Header.Get("Location")
				return nil
			}
			return json.Unmarshal(body, out)
		}()
		record(after, err)
		return err == nil
	}
	post := func(path string, body any, out any) bool {
		raw, _ := json.Marshal(body)
		req, _ := http.NewRequest("POST", front.Issuer+path, bytes.NewReader(raw))
		req.Header.Set("Content-Type", "application/json")
		return do(req, 200, out)
	}

	verifier := oauth2.GenerateVerifier()
	conf := &oauth2.Config{ClientID: id, RedirectURL: testRedirect, Scopes: []string{"openid", "wallet"},
		Endpoint: oauth2.Endpoint{AuthURL: front.Issuer + "/oauth2/auth", TokenURL: front.Issuer + "/oauth2/token"}}
	req, _ := http.NewRequest("GET", conf.AuthCodeURL("state-load-0123456789", oauth2.S256ChallengeOption(verifier)), nil)
	var loc string
	if !do(req, http.StatusSeeOther, &loc) {
		return false
	}
	u, err := url.Parse(loc)
	if err != nil || u.Query().Get("flow") == "" {
		record(killed.Load(), fmt.Errorf("authorize redirected to %q", loc))
		return false
	}
	flow := u.Query().Get("flow")
	var ch struct{ Message string }
	if !post("/login/challenge", map[string]any{"flow": flow, "domain": "alice.crypto"}, &ch) {
		return false
	}
	sig, err := crypto.Sign(accounts.TextHash([]byte(ch.Message)), key)
	if err != nil {
		record(killed.Load(), err)
		return false
	}
	sig[64] += 27
	var v map[string]any
	if !post("/login/verify", map[string]any{"flow": flow, "signature": fmt.Sprintf("0x%x", sig)}, &v) {
		return false
	}
	var acc struct {
		RedirectTo string `json:"redirect_to"`
	}
	if !post("/consent/accept", map[string]any{"flow": flow, "grant_scope": []string{"openid", "wallet"}}, &acc) {
		return false
	}
	ru, err := url.Parse(acc.RedirectTo)
	if err != nil || ru.Query().Get("code") == "" {
		record(killed.Load(), fmt.Errorf("consent redirect_to %q has no code", acc.RedirectTo))
		return false
	}
	form := url.Values{"grant_type": {"authorization_code"}, "code": {ru.Query().Get("code")}, "redirect_uri": {testRedirect},
		"code_verifier": {verifier}, "client_id": {id}}
	req, _ = http.NewRequest("POST", front.Issuer+"/oauth2/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	var tok struct {
		IDToken string `json:"id_token"`
	}
	if !do(req, 200, &tok) {
		return false
	}
	if tok.IDToken == "" {
		record(killed.Load(), errors.New("token response without id_token"))
		return false
	}
	return true
}
