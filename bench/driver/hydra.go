package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"

	"github.com/sigil-oidc/sigil/bench/internal/report"
	"github.com/sigil-oidc/sigil/internal/pgtest"
)

// hydraRedirect is the redirect URI of the client registered at Hydra for
// its whole flows. Nothing listens there: the load generator reads the code
// from the redirect.
const hydraRedirect = "https://rp.example/bench/callback"

// measureHydra builds Ory Hydra v2.3.0 (bench/peers/hydra/build.sh), runs
// it on a throwaway PostgreSQL with PostgreSQL's durable defaults, as Sigil
// runs in this benchmark, and measures client_credentials, introspection and
// whole code flows against it. The flows' login and consent are accepted
// through Hydra's admin API (see bench/load's hydraFlow). Hydra runs as
// its documentation deploys it, with its defaults (opaque tokens, RS256 ID
// tokens, its client secret hashing) but these: its request log is off
// (log level error), which makes it faster; its anonymous usage reports
// are off (--sqa-opt-out), which would try the network; its connection
// pool is Sigil's default size; and its ID token key is made before the
// load (see hydraPost).
func measureHydra(ctx context.Context, s settings, work string, sys *report.System) error {
	logf("building Ory Hydra (bench/peers/hydra/build.sh)...")
	bin := filepath.Join(work, "hydra")
	build := exec.CommandContext(ctx, filepath.Join("bench", "peers", "hydra", "build.sh"), bin+".built")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("build hydra: %w", err)
	}
	if err := install(bin+".built", bin); err != nil { // as Sigil's binary is
		return err
	}
	logf("measuring Ory Hydra on PostgreSQL...")
	pg, err := pgtest.StartServer(pgtest.StartOptions{Durable: true, Settings: s.pgSettings})
	if err != nil {
		return err
	}
	defer pg.Stop()
	pub, err1 := freePort()
	adm, err2 := freePort()
	if err1 != nil || err2 != nil {
		return fmt.Errorf("free ports: %v %v", err1, err2)
	}
	issuer := fmt.Sprintf("http://127.0.0.1:%d", pub)
	admin := fmt.Sprintf("http://127.0.0.1:%d", adm)
	env := append(os.Environ(),
		// Sigil's default pool size; Hydra's own default is two
		// connections a core (4 here).
		"DSN="+pg.DSN("postgres")+"&max_conns=10&max_idle_conns=10",
		"SECRETS_SYSTEM=bench-hydra-system-secret-0123456789abcdef",
		"URLS_SELF_ISSUER="+issuer,
		// The login and consent app: never visited, the load generator
		// plays it.
		"URLS_LOGIN=http://127.0.0.1:9/login", "URLS_CONSENT=http://127.0.0.1:9/consent",
		"SERVE_PUBLIC_HOST=127.0.0.1", "SERVE_PUBLIC_PORT="+strconv.Itoa(pub),
		"SERVE_ADMIN_HOST=127.0.0.1", "SERVE_ADMIN_PORT="+strconv.Itoa(adm),
		"LOG_LEVEL=error")
	migrate := exec.CommandContext(ctx, bin, "migrate", "sql", "up", "-e", "--yes")
	migrate.Env = env
	if out, err := migrate.CombinedOutput(); err != nil {
		return fmt.Errorf("hydra migrate sql up: %w\n%s", err, out)
	}
	// --dev allows an http:// issuer on loopback.
	cmd := exec.Command(bin, "serve", "all", "--dev", "--sqa-opt-out")
	cmd.Env = env
	p, _, err := startProc("hydra", cmd, filepath.Join(work, "hydra.log"), "", 0)
	if err != nil {
		return err
	}
	defer p.stop()
	if err := waitHTTP(ctx, p, admin+"/health/ready", 60*time.Second); err != nil {
		return err
	}
	if err := hydraClient(ctx, admin); err != nil {
		return err
	}
	if err := hydraPost(ctx, admin+"/admin/keys/hydra.openid.id-token", map[string]any{"alg": "RS256", "use": "sig"}); err != nil {
		return fmt.Errorf("create hydra's ID token key: %w", err)
	}
	err = runLoad(ctx, s, work, sys, p, pg.PID, 3, "-target", issuer+"/oauth2/token",
		"-introspect", admin+"/admin/oauth2/introspect", "-client-id", refClientID, "-client-secret", refClientSecret,
		"-hydra-admin", admin, "-redirect-uri", hydraRedirect)
	sys.PeakRSSMiB, _ = statusMiB(p.pid(), "VmHWM")
	return err
}

// hydraClient registers the benchmark's client at Hydra's admin API: the
// client_credentials client of the other systems, which may also run the
// code flow.
func hydraClient(ctx context.Context, admin string) error {
	err := hydraPost(ctx, admin+"/admin/clients", map[string]any{
		"client_id": refClientID, "client_secret": refClientSecret,
		"grant_types": []string{"client_credentials", "authorization_code"}, "response_types": []string{"code"},
		"scope": "openid api", "redirect_uris": []string{hydraRedirect},
		"token_endpoint_auth_method": "client_secret_basic",
	})
	if err != nil {
		return fmt.Errorf("register hydra's client: %w", err)
	}
	return nil
}

// hydraPost creates something through Hydra's admin API and expects 201.
// The ID token's signing key is created this way before the load, as an
// operator would with `hydra create jwks`: Hydra otherwise makes it on the
// first request that needs it, and when several arrive at once some of
// them failed or hung for 30 seconds in a trial run.
func hydraPost(ctx context.Context, url string, in any) error {
	body, _ := json.Marshal(in)
	req, _ := http.NewRequestWithContext(ctx, "POST", url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		return fmt.Errorf("POST %s: status %d", req.URL.Path, resp.StatusCode)
	}
	return nil
}
