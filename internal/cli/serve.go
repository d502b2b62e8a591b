package cli

import (
	"context"
	"crypto/ecdsa"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/crypto"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/spf13/cobra"

	"github.com/sigil-oidc/sigil"
	"github.com/sigil-oidc/sigil/internal/account"
	"github.com/sigil-oidc/sigil/internal/admin"
	"github.com/sigil-oidc/sigil/internal/backchannel"
	"github.com/sigil-oidc/sigil/internal/config"
	"github.com/sigil-oidc/sigil/internal/domains/static"
	"github.com/sigil-oidc/sigil/internal/domains/uns"
	"github.com/sigil-oidc/sigil/internal/keys"
	"github.com/sigil-oidc/sigil/internal/login"
	"github.com/sigil-oidc/sigil/internal/oauth"
	"github.com/sigil-oidc/sigil/internal/oidc"
	"github.com/sigil-oidc/sigil/internal/scope"
	"github.com/sigil-oidc/sigil/internal/secret"
	"github.com/sigil-oidc/sigil/internal/server"
	"github.com/sigil-oidc/sigil/internal/session"
	"github.com/sigil-oidc/sigil/internal/store/cached"
	"github.com/sigil-oidc/sigil/web"
)

// Demo names used by --dev.
const (
	DemoClientID = "sigil-demo"
	DemoDomain   = "alice.crypto"
	// DemoScope is what the demo asks for: every claim the demo domain's
	// records can fill, the optional ones declinable on the consent page.
	DemoScope = "openid wallet email:optional profile:optional social:optional"
)

func newServeCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the OpenID Connect provider (public and admin listeners)",
		Example: "  sigil serve --dev\n" +
			"  sigil serve --issuer https://login.example.com --admin-token $TOKEN --domains domains.yaml",
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := config.Load(cmd.Flags(), os.Getenv)
			if err != nil {
				return err
			}
			if err := cfg.ValidateServe(); err != nil {
				return config.NamedAsGiven(err, cmd.Flags(), os.Getenv)
			}
			// Errors at start name settings too (--domains, --dsn): a
			// deployment that sets only variables finds the one to fix.
			if err := serve(cmd.Context(), cfg, cmd.OutOrStdout(), cmd.ErrOrStderr()); err != nil {
				return config.NamedAsGiven(err, cmd.Flags(), os.Getenv)
			}
			return nil
		},
	}
	config.RegisterFlags(cmd.Flags())
	return cmd
}

// serve runs Sigil until ctx ends.
func serve(ctx context.Context, cfg *config.Config, stdout, stderr io.Writer) error {
	log := newLogger(cfg.LogLevel, stderr)
	for _, w := range cfg.Warnings {
		log.Warn(w)
	}
	tuneGC(ctx)
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return dataDirError(cfg.DataDir, err)
	}
	systemSecret, err := loadSystemSecret(cfg)
	if err != nil {
		return err
	}
	secrets, err := secret.Derive(systemSecret)
	if err != nil {
		return err
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	signer, err := keys.LoadWith(ctx, st, systemSecret, keyPolicy(cfg))
	if err != nil {
		return err
	}
	// Keys and readiness keep working through the shutdown delay, so they
	// stop only when serve returns, not when ctx ends.
	background, stopBackground := context.WithCancel(context.WithoutCancel(ctx))
	defer stopBackground()
	go signer.Run(background, log)
	health := newHealth(st, signer, log)
	issuer, _ := url.Parse(cfg.Issuer) // validated by config

	var dev *devSetup
	if cfg.Dev {
		if dev, err = setUpDev(ctx, cfg, st); err != nil {
			return fmt.Errorf("--dev: %w", err)
		}
	} else if err := removeDemoClient(ctx, st, log); err != nil {
		return err
	}
	var resolver sigil.DomainResolver
	switch {
	case cfg.Domains == config.DomainsUNS:
		r, err := uns.New(ctx, unsConfig(cfg))
		if err != nil {
			return fmt.Errorf("--domains uns: %w", err)
		}
		defer r.Close()
		resolver = r
	case cfg.Domains != "":
		if resolver, err = static.Load(cfg.Domains); err != nil {
			return domainsError(cfg.Domains, err)
		}
	case dev != nil:
		resolver = dev.registry
	}
	if dev != nil {
		dev.advice = demoAdvice(ctx, cfg, resolver, dev.walletAddress)
	}

	lifetimes := lifetimesOf(cfg.Durations)
	// Every reader of clients goes through the client cache, and every
	// reader of tokens (userinfo, introspection) through the token cache
	// beneath it, which also sees the admin API's client deletions; see
	// internal/store/cached and docs/operations.md ("Caches").
	clients := cached.New(cached.NewTokens(st, cached.DefaultTokenTTL, cached.DefaultTokenSize), cached.DefaultTTL, cached.DefaultSize)
	provider := &oauth.Provider{
		Issuer:    issuer,
		Store:     clients,
		Secrets:   secrets,
		Signer:    signer,
		Cookies:   &session.Cookies{Keys: secrets, Secure: issuer.Scheme == "https", Lifetime: lifetimes.Session},
		Log:       log,
		Now:       time.Now,
		Lifetimes: lifetimes,
		Domains:   resolver,
	}
	// Back-channel logout (docs/operations.md): every session that ends is
	// queued in the database, and this node's worker, or any other node's,
	// sends the logout tokens (started below).
	notifier := backchannel.New(backchannel.Config{
		Issuer: provider.IssuerString(), Store: clients, Signer: signer, Log: log,
		PollInterval: cfg.Backchannel.PollInterval, Timeout: cfg.Backchannel.Timeout, MaxAttempts: cfg.Backchannel.Attempts,
	})
	provider.Notifier = notifier
	if provider.Pages, err = web.NewPages(); err != nil {
		return err
	}
	public := &server.Public{
		Provider: provider,
		OIDC: &oidc.Endpoints{Issuer: cfg.Issuer, Store: clients, Secrets: secrets, Signer: signer, Log: log, Now: time.Now,
			Scopes: scope.Supported(), Domains: resolver},
		Login:  &login.Handler{Provider: provider, Domains: resolver},
		CORS:   &server.CORS{Store: clients, TTL: 30 * time.Second},
		Health: health,
		// The person's own page; its client is ensured below.
		Account: &account.Handler{Provider: provider},
	}
	if err := account.EnsureClient(ctx, clients, cfg.Issuer, time.Now()); err != nil {
		return err
	}
	// Rate limits, the bound on flows per address and the parameter cap
	// (docs/operations.md, "Abuse limits").
	public.Limits = newLimits(cfg, provider, log)
	provider.MaxParamLength = cfg.MaxParamLength
	// Admission control behind them (docs/operations.md, "Overload").
	public.Admission = newAdmission(cfg, st.PoolSize(), provider, log)
	adminToken := cfg.AdminToken
	if dev != nil {
		public.Login.DevWalletKey = dev.walletKey
		public.Demo = &web.DemoPage{Issuer: cfg.Issuer, ClientID: DemoClientID, RedirectURI: provider.Endpoint("/demo/callback"),
			Scope: DemoScope, Domain: DemoDomain}
		if adminToken == "" {
			adminToken = secret.RandomString(24)
		}
	}
	registerMetrics(st)
	_ = prometheus.Register(notifier.Collector())
	adminAPI := admin.NewHandler(clients.Uncached(), admin.HashToken(adminToken), log, http.HandlerFunc(provider.AdminIntrospect),
		admin.WithKeys(signer), admin.WithSessions(sessionsNotifier{provider}),
		admin.WithReservedClients(map[string]string{oauth.AccountClientID: "the /account page", DemoClientID: "the --dev demo"}))

	// Both listeners or neither (docs/operations.md, "Health, shutdown and
	// metrics").
	lns, err := server.Listen([]server.Address{
		{Name: "public", Setting: "--public-addr", Addr: cfg.PublicAddr},
		{Name: "admin", Setting: "--admin-addr", Addr: cfg.AdminAddr},
	})
	if err != nil {
		return err
	}
	publicLn, adminLn := lns[0], lns[1]
	listeners := []server.Listener{
		{Name: "public", Server: newHTTPServer(public.Handler(), log), Listener: publicLn},
		{Name: "admin", Server: newHTTPServer(server.AdminHandler(adminAPI, promhttp.Handler(), health, log), log), Listener: adminLn},
	}
	go janitor(ctx, st, cfg.Durations.Cleanup, log)
	// The back-channel worker keeps sending through the shutdown delay
	// (sessions still end meanwhile) and stops once the listeners are
	// closed, after its attempts in flight, before the store closes.
	workerCtx, stopWorker := context.WithCancel(context.WithoutCancel(ctx))
	workerDone := make(chan struct{})
	go func() { defer close(workerDone); notifier.Run(workerCtx) }()
	defer func() { stopWorker(); <-workerDone }()

	printBanner(stdout, cfg, adminLn.Addr().String(), adminToken, dev)
	log.Info("sigil started", "issuer", cfg.Issuer, "public", publicLn.Addr().String(), "admin", adminLn.Addr().String())

	err = server.Run(ctx, listeners, server.Shutdown{Health: health, Delay: cfg.Durations.ShutdownDelay, Timeout: shutdownTimeout,
		SecondSignal: true, Log: log})
	if err != nil {
		return err
	}
	log.Info("sigil stopped")
	return nil
}

// shutdownTimeout bounds how long requests in flight may take to finish
// once the listeners close (after --shutdown-delay).
const shutdownTimeout = 10 * time.Second

// newHealth is what /health/ready checks on both listeners: the database
// answers with the schema this binary needs (when the backend can tell),
// and the signing keys are in step with it. A round is bounded to two
// seconds and its result reused for one, so probes cannot hammer the
// database.
func newHealth(st any, signer *keys.Set, log *slog.Logger) *server.Health {
	h := &server.Health{Timeout: 2 * time.Second, CacheFor: time.Second, Log: log}
	if db, ok := st.(interface{ Ready(context.Context) error }); ok {
		h.Checks = append(h.Checks, server.Check{Name: "database", Check: db.Ready,
			Problem: "the database does not answer, or its schema is not at this binary's version (run sigil migrate)"})
	}
	h.Checks = append(h.Checks, server.Check{Name: "keys", Check: signer.Ready,
		Problem: "the signing keys have not been read from the database recently"})
	return h
}

// unsConfig is the on-chain resolver's configuration: L1 always, L2 when
// its RPC URL is set; the records the claims need are fetched with every
// look-up.
func unsConfig(cfg *config.Config) uns.Config {
	c := uns.Config{
		L1:         uns.Network{Name: "l1", RPCURL: cfg.UNSL1RPC, ProxyReader: cfg.UNSL1ProxyReader},
		RecordKeys: oidc.RecordKeys(),
		CacheTTL:   cfg.Durations.UNSCache,
	}
	if cfg.UNSL2RPC != "" {
		c.L2 = &uns.Network{Name: "l2", RPCURL: cfg.UNSL2RPC, ProxyReader: cfg.UNSL2ProxyReader}
	}
	return c
}

// registerMetrics publishes the store's statement counter, the unit of the
// performance budget (docs/benchmarks.md), as sigil_store_statements_total.
func registerMetrics(st any) {
	counter, ok := st.(interface{ Statements() uint64 })
	if !ok {
		return
	}
	_ = prometheus.Register(prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "sigil_store_statements_total",
		Help: "SQL statements sent to the database since start.",
	}, func() float64 { return float64(counter.Statements()) }))
}

func newHTTPServer(h http.Handler, log *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

// keyPolicy is the signing-key schedule of cfg. A retired key stays
// published for the longest lifetime of a token it may have signed (ID
// tokens, and JWT access tokens, which live as long as access tokens), plus
// keys.ActivationDelay for the nodes that had not yet read its successor;
// the node records it with the keys it signs with, so other nodes keep a
// key as long even when configured shorter. Back-channel logout tokens live
// for minutes and are used at once.
func keyPolicy(cfg *config.Config) keys.Policy {
	return keys.Policy{
		RotationInterval: cfg.KeyRotation.Interval,
		PublishAhead:     cfg.KeyRotation.PublishAhead,
		Retention:        max(cfg.Durations.IDToken, cfg.Durations.AccessToken) + keys.ActivationDelay,
	}
}

// lifetimesOf is the configured lifetimes; the challenge keeps its default
// (it never outlives its flow anyway).
func lifetimesOf(d config.Durations) oauth.Lifetimes {
	l := oauth.DefaultLifetimes
	l.Flow, l.Code, l.AccessToken, l.IDToken, l.RefreshToken, l.Session = d.Flow, d.Code, d.AccessToken, d.IDToken, d.RefreshToken, d.Session
	return l
}

// janitor deletes, every interval, the authorizations whose last use has
// expired, so tables stay bounded without an external job (a standing
// complaint about Hydra). Every node runs it; the DELETE is idempotent.
func janitor(ctx context.Context, st sigil.Store, interval time.Duration, log *slog.Logger) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			n, err := st.DeleteExpired(ctx, time.Now())
			if err != nil {
				log.Error("delete expired authorizations", "err", err)
			} else if n > 0 {
				log.Info("deleted expired authorizations", "count", n)
			}
		}
	}
}

// loadSystemSecret returns --system-secret, or the secret kept in the data
// dir, generating it on first start.
func loadSystemSecret(cfg *config.Config) ([]byte, error) {
	if cfg.SystemSecret != "" {
		return []byte(cfg.SystemSecret), nil
	}
	path := filepath.Join(cfg.DataDir, "system-secret")
	b, err := readOrCreate(path, func() []byte { return []byte(secret.RandomString(32) + "\n") })
	if err != nil {
		return nil, dataDirError(cfg.DataDir, fmt.Errorf("the system secret: %w", err))
	}
	s := strings.TrimSpace(string(b))
	if len(s) < secret.MinSystemSecretLen {
		return nil, fmt.Errorf("%s holds a secret shorter than %d characters", path, secret.MinSystemSecretLen)
	}
	return []byte(s), nil
}

// devSetup is what --dev generated.
type devSetup struct {
	walletKey     string
	walletAddress string
	registry      *static.Registry
	// advice is the banner's word on whom to sign in as (demoAdvice).
	advice string
}

// setUpDev generates the development wallet (a key kept in the data dir), a
// registry in which it owns the demo domain, and the public demo client.
func setUpDev(ctx context.Context, cfg *config.Config, st sigil.Store) (*devSetup, error) {
	key, err := loadOrCreateDevKey(filepath.Join(cfg.DataDir, "dev-wallet.key"))
	if err != nil {
		return nil, err
	}
	d := &devSetup{walletKey: "0x" + hex.EncodeToString(crypto.FromECDSA(key)), walletAddress: crypto.PubkeyToAddress(key.PublicKey).Hex()}
	if cfg.Domains == "" {
		d.registry, err = static.New(map[string]sigil.Domain{DemoDomain: {
			Owner:   d.walletAddress,
			Records: demoRecords(d.walletAddress, cfg.Issuer),
		}})
		if err != nil {
			return nil, err
		}
	}
	issuer := strings.TrimSuffix(cfg.Issuer, "/")
	client := &sigil.Client{
		ID:                      DemoClientID,
		Name:                    "Sigil demo",
		RedirectURIs:            []string{issuer + "/demo/callback"},
		GrantTypes:              []string{"authorization_code"},
		ResponseTypes:           []string{"code"},
		Scope:                   sigil.Scopes{"openid", "wallet", "email", "profile", "social"},
		ClientURI:               issuer + "/demo",
		TokenEndpointAuthMethod: sigil.AuthMethodNone,
		RequirePKCE:             true,
		CreatedAt:               time.Now(),
		UpdatedAt:               time.Now(),
	}
	if _, err := st.GetClient(ctx, DemoClientID); errors.Is(err, sigil.ErrNotFound) {
		err = st.CreateClient(ctx, client)
		if err != nil {
			return nil, fmt.Errorf("create demo client: %w", err)
		}
	} else if err != nil {
		return nil, err
	} else if err := st.UpdateClient(ctx, client); err != nil {
		return nil, fmt.Errorf("update demo client: %w", err)
	}
	return d, nil
}

// demoRecords are the demo domain's records: one for every claim the demo
// asks for (the keys are those of oidc.RecordClaims), so that the demo shows
// what an application receives. The avatar is served by Sigil itself, so
// nothing leaves the machine.
func demoRecords(address, issuer string) map[string]string {
	return map[string]string{
		"crypto.ETH.address":       address,
		"whois.email.value":        "alice@example.com",
		"profile.name":             "Alice Liddell",
		"social.picture.value":     strings.TrimSuffix(issuer, "/") + "/static/img/demo-avatar.svg",
		"profile.uri":              "https://example.com/alice",
		"profile.location":         "Oxford, England",
		"profile.bio":              "Curious. Follows white rabbits.",
		"profile.phone":            "+44 20 7946 0958",
		"social.twitter.username":  "alice",
		"social.reddit.username":   "alice_liddell",
		"social.youtube.username":  "aliceliddell",
		"social.discord.username":  "alice.liddell",
		"social.telegram.username": "alice_liddell",
	}
}

func loadOrCreateDevKey(path string) (*ecdsa.PrivateKey, error) {
	b, err := readOrCreate(path, func() []byte {
		key, err := crypto.GenerateKey()
		if err != nil {
			panic(err) // crypto/rand does not fail
		}
		return []byte(hex.EncodeToString(crypto.FromECDSA(key)) + "\n")
	})
	if err != nil {
		return nil, err
	}
	return crypto.HexToECDSA(strings.TrimPrefix(strings.TrimSpace(string(b)), "0x"))
}

// readOrCreate reads the file at path, creating it first (mode 0600) with
// what generate returns when there is none. Nodes that start at once on a
// shared data dir must all end up with one content, so the file is written
// in full under another name and then linked to path, which fails when
// path exists: the first link wins, and everyone reads what it holds. A
// plain write would let two nodes each keep their own, and a reader see a
// file half written.
func readOrCreate(path string, generate func() []byte) ([]byte, error) {
	b, err := os.ReadFile(path)
	if !errors.Is(err, os.ErrNotExist) {
		return b, err
	}
	content := generate()
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return nil, err
	}
	defer os.Remove(tmp.Name())
	// On disk before it is linked, and the link with it: a secret lost
	// in a crash after keys were sealed with it would void them.
	if err := writeSynced(tmp, content); err != nil {
		return nil, err
	}
	switch err := os.Link(tmp.Name(), path); {
	case err == nil, errors.Is(err, os.ErrExist):
	default:
		// A file system without hard links: create the file exclusively
		// instead, which a reader may see before it is written in full
		// (then it fails to start, rather than keeping another secret).
		if err := createExclusive(path, content); err != nil && !errors.Is(err, os.ErrExist) {
			return nil, err
		}
	}
	syncDir(filepath.Dir(path))
	return os.ReadFile(path)
}

// createExclusive writes content to a new file at path (mode 0600),
// failing with os.ErrExist when there is one.
func createExclusive(path string, content []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	return writeSynced(f, content)
}

// writeSynced writes content to f, syncs it to disk and closes it.
func writeSynced(f *os.File, content []byte) error {
	if _, err := f.Write(content); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// syncDir makes the entries of dir durable, on a best-effort basis (not
// every platform can sync a directory).
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}

func printBanner(w io.Writer, cfg *config.Config, adminAddr, adminToken string, dev *devSetup) {
	issuer := strings.TrimSuffix(cfg.Issuer, "/")
	fmt.Fprintf(w, "Sigil is running.\n")
	fmt.Fprintf(w, "  issuer:      %s\n", cfg.Issuer)
	fmt.Fprintf(w, "  discovery:   %s/.well-known/openid-configuration\n", issuer)
	// The admin API's base URL, as the CLI's --admin-url takes it (the
	// clients are below it, at /admin/clients).
	fmt.Fprintf(w, "  admin API:   http://%s  (the CLI's --admin-url or %s)\n", adminAddr, EnvAdminURL)
	if dev != nil {
		fmt.Fprintf(w, "\nDevelopment mode (never use in production):\n")
		fmt.Fprintf(w, "  demo:        %s/demo  (%s)\n", issuer, dev.advice)
		fmt.Fprintf(w, "  dev wallet:  %s (key in %s)\n", dev.walletAddress, filepath.Join(cfg.DataDir, "dev-wallet.key"))
		if cfg.AdminToken == "" {
			fmt.Fprintf(w, "  admin token: %s  (new at every --dev start)\n", adminToken)
			fmt.Fprintf(w, "  try:         SIGIL_ADMIN_URL=http://%s SIGIL_ADMIN_TOKEN=%s %s clients list\n", adminAddr, adminToken, commandName())
		}
	}
}

// sessionsNotifier is the admin API's LogoutNotifier: whatever notifier the
// provider has when a session ends (read then, so the order of wiring does
// not matter), so that sessions an operator ends reach the same
// back-channel logout as the others.
type sessionsNotifier struct{ p *oauth.Provider }

// SessionsEnded passes ended to the provider's notifier, if any.
func (n sessionsNotifier) SessionsEnded(ctx context.Context, ended []sigil.Session) error {
	if n.p.Notifier == nil {
		return nil
	}
	return n.p.Notifier.SessionsEnded(ctx, ended)
}

// domainsError names the setting behind a domain registry file that
// cannot be read, which static.Load reports only by its path; a file that
// does not exist may be a mistyped uns.
func domainsError(domains string, err error) error {
	if errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("--domains %q: %w: give the path of a domain registry file (YAML), or %s to read ownership from the chain",
			domains, err, config.DomainsUNS)
	}
	return fmt.Errorf("--domains %q: %w", domains, err)
}

// removeDemoClient deletes the demo client (DemoClientID, a public client
// whose id is reserved for --dev) that an earlier --dev start left in the
// database, so that a server started without --dev never keeps a client
// nobody registered; its authorizations go with it.
func removeDemoClient(ctx context.Context, st sigil.Store, log *slog.Logger) error {
	err := st.DeleteClient(ctx, DemoClientID)
	switch {
	case errors.Is(err, sigil.ErrNotFound):
		return nil
	case err != nil:
		return fmt.Errorf("delete the --dev demo client %q: %w", DemoClientID, err)
	}
	log.Warn("deleted the demo client that an earlier --dev start left in the database", "client_id", DemoClientID)
	return nil
}
