package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/sigil-oidc/sigil/internal/admin"
)

// Environment variables read by the clients command when the matching flag
// is not given. The token is best passed this way: command-line arguments are
// visible to other users of the machine (ps, /proc), the environment is not.
const (
	EnvAdminURL   = "SIGIL_ADMIN_URL"
	EnvAdminToken = "SIGIL_ADMIN_TOKEN"
)

// DefaultAdminURL is where `sigil serve` listens for the admin API unless
// configured otherwise: loopback only, so the API is not exposed by default.
const DefaultAdminURL = "http://127.0.0.1:4445"

// maxResponseBytes bounds what the CLI reads from the admin API.
const maxResponseBytes = 16 << 20

// clientsOptions are the persistent flags shared by every clients subcommand.
type clientsOptions struct {
	adminURL string
	token    string
	json     bool
	http     *http.Client
}

// NewClientsCommand returns `clients`, the command-line front end of the
// admin API (package admin): create, list, get, delete and rotate-secret.
// It talks HTTP to a running server rather than opening the database, so it
// works the same against a local or a remote Sigil and goes through the same
// validation as any other admin API call.
//
// API errors are returned from RunE as "<code>: <error_description>"; the
// command's error prefix is "error:", so cobra prints
// "error: <code>: <error_description>" and the process exits non-zero.
func NewClientsCommand() *cobra.Command {
	o, cmd := adminCommand("clients", "Register and manage OAuth clients (relying parties) through the admin API",
		`Register and manage OAuth clients (relying parties) through Sigil's admin API.
Client metadata follows RFC 7591; client secrets are shown once, when they
are issued.`)
	cmd.AddCommand(
		newClientsCreateCommand(o),
		newClientsListCommand(o),
		newClientsGetCommand(o),
		newClientsDeleteCommand(o),
		newClientsRotateSecretCommand(o),
	)
	return cmd
}

func newClientsCreateCommand(o *clientsOptions) *cobra.Command {
	var m admin.Metadata
	var requirePKCE bool
	cmd := &cobra.Command{
		Use:   "create",
		Short: "Register a client and print its client_id (and secret, once)",
		Long: `Register a client. Omitted settings take the RFC 7591 defaults: grant type
authorization_code, response type code, token endpoint auth method
client_secret_basic, scope "openid wallet". Confidential clients get a
secret, printed once: store it, it cannot be read back (rotate-secret issues
a new one).

A service that calls APIs for itself (machine to machine) registers only
the client_credentials grant: it needs no redirect URI, and its scope lists
the API scopes it may ask for (without openid; none is allowed too).`,
		Example: `  sigil clients create --name "My App" --redirect-uri https://app.example.com/callback
  sigil clients create --name "My SPA" --auth-method none \
      --redirect-uri https://spa.example.com/cb --cors-origin https://spa.example.com
  sigil clients create --name "Billing job" --grant-type client_credentials --scope "invoices:read"`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			// Only a flag given on the command line sends require_pkce,
			// so the server's default (true) applies otherwise.
			if cmd.Flags().Changed("require-pkce") {
				m.RequirePKCE = &requirePKCE
			}
			raw, err := o.do(cmd, http.MethodPost, &m)
			if err != nil {
				return err
			}
			return o.print(cmd, raw, func(w io.Writer) error {
				c, err := decodeMetadata(raw)
				if err != nil {
					return err
				}
				fmt.Fprintf(w, "Created client %s.\n\n", c.ClientID)
				printClient(w, c)
				printSecret(w, c)
				return nil
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&m.ClientID, "id", "", "client_id to use (3-64 of A-Z a-z 0-9 . _ ~ -); default: a random UUID")
	f.StringVar(&m.ClientName, "name", "", "client_name shown to people on the consent page")
	f.StringArrayVar(&m.RedirectURIs, "redirect-uri", nil, "redirect URI, matched exactly (repeatable; at least one required, none with only --grant-type client_credentials)")
	f.StringArrayVar(&m.PostLogoutRedirectURIs, "post-logout-redirect-uri", nil, "post-logout redirect URI (repeatable)")
	f.StringArrayVar(&m.GrantTypes, "grant-type", nil, "grant type: authorization_code, refresh_token or client_credentials (repeatable; default authorization_code)")
	f.StringArrayVar(&m.ResponseTypes, "response-type", nil, "response type (repeatable; default code)")
	f.StringVar(&m.Scope, "scope", "", `space-separated scopes the client may request; must include openid (default "openid wallet"), except with only the client_credentials grant, where openid is refused (default none)`)
	f.StringVar(&m.TokenEndpointAuthMethod, "auth-method", "", "token endpoint auth method: none, client_secret_basic (default) or client_secret_post")
	f.StringVar(&m.LogoURI, "logo-uri", "", "https URL of the client's logo")
	f.StringVar(&m.ClientURI, "client-uri", "", "https URL of the client's home page")
	f.StringVar(&m.PolicyURI, "policy-uri", "", "https URL of the client's privacy policy")
	f.StringVar(&m.TosURI, "tos-uri", "", "https URL of the client's terms of service")
	f.StringArrayVar(&m.AllowedCORSOrigins, "cors-origin", nil, "origin allowed to call the token and userinfo endpoints from a browser, e.g. https://app.example.com (repeatable)")
	f.BoolVar(&m.AllowPlainPKCE, "allow-plain-pkce", false, "allow code_challenge_method=plain (not recommended: RFC 9700 section 2.1.1)")
	f.BoolVar(&requirePKCE, "require-pkce", true, "require PKCE; only a confidential client may say --require-pkce=false")
	f.StringVar(&m.IDTokenSignedResponseAlg, "id-token-alg", "", "id_token_signed_response_alg: RS256 (default), ES256 or EdDSA")
	f.StringVar(&m.UserinfoSignedResponseAlg, "userinfo-alg", "", "userinfo_signed_response_alg: RS256, ES256 or EdDSA for signed userinfo (default: plain JSON)")
	f.StringVar(&m.BackchannelLogoutURI, "backchannel-logout-uri", "", "https URL that receives back-channel logout tokens")
	f.BoolVar(&m.BackchannelLogoutSessionRequired, "backchannel-logout-session-required", false, "put sid in every logout token")
	f.StringVar(&m.AccessTokenStrategy, "access-token-strategy", "", "opaque (default) or jwt (RFC 9068 JWT access tokens)")
	f.StringArrayVar(&m.Resources, "resource", nil, "absolute URI the client may name as an RFC 8707 resource, the audience of its access tokens (repeatable)")
	f.StringVar(&m.SubjectType, "subject-type", "", "public (default: sub is the domain) or pairwise (an opaque sub per client, domain and owning wallet, which a new owner of the domain never gets)")
	return cmd
}

func newClientsListCommand(o *clientsOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List registered clients",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			raw, err := o.do(cmd, http.MethodGet, nil)
			if err != nil {
				return err
			}
			return o.print(cmd, raw, func(w io.Writer) error {
				var list struct {
					Clients []admin.Metadata `json:"clients"`
				}
				if err := json.Unmarshal(raw, &list); err != nil {
					return fmt.Errorf("the admin API answered something that is not a client list: %w", err)
				}
				if len(list.Clients) == 0 {
					fmt.Fprintln(w, "No clients registered.")
					return nil
				}
				tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
				fmt.Fprintln(tw, "CLIENT_ID\tNAME\tAUTH METHOD\tREDIRECT URIS")
				for _, c := range list.Clients {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", c.ClientID, orDash(c.ClientName), c.TokenEndpointAuthMethod, orDash(strings.Join(c.RedirectURIs, ", ")))
				}
				return tw.Flush()
			})
		},
	}
}

func newClientsGetCommand(o *clientsOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "get CLIENT_ID",
		Short: "Show a client's metadata (never its secret)",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			raw, err := o.doClient(cmd, http.MethodGet, args[0], "", nil)
			if err != nil {
				return err
			}
			return o.print(cmd, raw, func(w io.Writer) error {
				c, err := decodeMetadata(raw)
				if err != nil {
					return err
				}
				printClient(w, c)
				return nil
			})
		},
	}
}

func newClientsDeleteCommand(o *clientsOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "delete CLIENT_ID",
		Short: "Delete a client; its codes and tokens stop working",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			raw, err := o.doClient(cmd, http.MethodDelete, args[0], "", nil)
			if err != nil {
				return err
			}
			// 204 has no body: --json prints nothing, as the API answered.
			return o.print(cmd, raw, func(w io.Writer) error {
				fmt.Fprintf(w, "Deleted client %s.\n", args[0])
				return nil
			})
		},
	}
}

func newClientsRotateSecretCommand(o *clientsOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "rotate-secret CLIENT_ID",
		Short: "Issue a new client secret; the old one stops working at once",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			raw, err := o.doClient(cmd, http.MethodPost, args[0], "/secret", nil)
			if err != nil {
				return err
			}
			return o.print(cmd, raw, func(w io.Writer) error {
				c, err := decodeMetadata(raw)
				if err != nil {
					return err
				}
				fmt.Fprintf(w, "Rotated the secret of client %s; the old secret no longer works.\n\n", c.ClientID)
				fmt.Fprintf(w, "%-28s%s\n", "client_id:", c.ClientID)
				printSecret(w, c)
				return nil
			})
		},
	}
}

// apiError is an error answered by the admin API (RFC 6749 section 5.2 body).
type apiError struct {
	Code        string
	Description string
}

func (e *apiError) Error() string { return e.Code + ": " + e.Description }

// resolve applies the environment to flags not given on the command line and
// checks them. Usage is silenced from here on: flags and arguments parsed,
// so any later error is not a usage mistake.
func (o *clientsOptions) resolve(cmd *cobra.Command) (*url.URL, error) {
	cmd.SilenceUsage = true
	if err := checkUTF8Flags(cmd); err != nil {
		return nil, err
	}
	if !cmd.Flags().Changed("admin-url") {
		if v := os.Getenv(EnvAdminURL); v != "" {
			o.adminURL = v
		}
	}
	if !cmd.Flags().Changed("admin-token") {
		if v := os.Getenv(EnvAdminToken); v != "" {
			o.token = v
		}
	}
	if strings.TrimSpace(o.token) == "" {
		return nil, fmt.Errorf("no admin token: set %s (or pass --admin-token) to the token the server's admin API was configured with", EnvAdminToken)
	}
	base, err := url.Parse(o.adminURL)
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("admin URL %q is not an http(s) URL such as %s (set --admin-url or %s)", o.adminURL, DefaultAdminURL, EnvAdminURL)
	}
	// The commands add /admin/... to the base URL (which may carry a
	// reverse proxy's prefix); an endpoint's own URL, such as the one an
	// older banner printed, would double it.
	if p := strings.TrimRight(base.Path, "/"); p == "/admin" || strings.HasSuffix(p, "/admin/clients") {
		return nil, fmt.Errorf("admin URL %q names an endpoint; give the admin listener's base URL, such as %s, without %s (set --admin-url or %s)", o.adminURL, DefaultAdminURL, base.Path, EnvAdminURL)
	}
	return base, nil
}

// checkUTF8Flags refuses a text flag given on the command line whose value
// is not UTF-8. The admin commands send their flags as JSON, and
// encoding/json replaces each invalid byte with U+FFFD, so a client named
// $'\xff\xfe' would be stored as two replacement characters without a
// word. Bytes in another encoding (Latin-1 from a script, say) are a
// mistake to fix where they come from, not text to guess at.
func checkUTF8Flags(cmd *cobra.Command) error {
	var bad []string
	cmd.Flags().Visit(func(f *pflag.Flag) {
		var values []string
		switch f.Value.Type() {
		case "string":
			values = []string{f.Value.String()}
		case "stringArray", "stringSlice":
			if sv, ok := f.Value.(pflag.SliceValue); ok {
				values = sv.GetSlice()
			}
		}
		for _, v := range values {
			if !utf8.ValidString(v) {
				bad = append(bad, "--"+f.Name)
				return
			}
		}
	})
	if len(bad) == 0 {
		return nil
	}
	verb := "holds"
	if len(bad) > 1 {
		verb = "hold"
	}
	return fmt.Errorf("%s %s bytes that are not UTF-8: Sigil keeps text as UTF-8, so give the value in UTF-8 "+
		"(check the encoding of the terminal or script that wrote it)", strings.Join(bad, ", "), verb)
}

// do calls the admin API: method on /admin/clients with body as JSON (when
// not nil). It returns the raw response body of a 2xx answer, or the API's
// error as an *apiError.
func (o *clientsOptions) do(cmd *cobra.Command, method string, body any) ([]byte, error) {
	return o.adminDo(cmd, method, "/admin/clients", body)
}

// doClient is do on /admin/clients/<id><suffix>, the id escaped as one path
// segment (an empty id, "." or ".." is refused before any request).
func (o *clientsOptions) doClient(cmd *cobra.Command, method, id, suffix string, body any) ([]byte, error) {
	seg, err := segment("client_id", id)
	if err != nil {
		return nil, err
	}
	return o.adminDo(cmd, method, "/admin/clients/"+seg+suffix, body)
}

// print writes the raw JSON answer with --json, else the summary.
func (o *clientsOptions) print(cmd *cobra.Command, raw []byte, summary func(io.Writer) error) error {
	w := cmd.OutOrStdout()
	if o.json {
		if len(raw) == 0 {
			return nil
		}
		if _, err := w.Write(raw); err != nil {
			return err
		}
		if !bytes.HasSuffix(raw, []byte("\n")) {
			_, err := io.WriteString(w, "\n")
			return err
		}
		return nil
	}
	return summary(w)
}

func decodeMetadata(raw []byte) (*admin.Metadata, error) {
	var m admin.Metadata
	if err := json.Unmarshal(raw, &m); err != nil || m.ClientID == "" {
		return nil, errors.New("the admin API answered something that is not client metadata")
	}
	return &m, nil
}

// printClient writes the metadata as aligned "field: value" lines, using the
// RFC 7591 names so they can be matched to the API and the documentation.
func printClient(w io.Writer, c *admin.Metadata) {
	line := func(k, v string) {
		if v != "" {
			fmt.Fprintf(w, "%-28s%s\n", k+":", v)
		}
	}
	list := func(k string, vs []string) {
		for i, v := range vs {
			if i == 0 {
				line(k, v)
			} else {
				fmt.Fprintf(w, "%-28s%s\n", "", v)
			}
		}
	}
	line("client_id", c.ClientID)
	line("client_name", c.ClientName)
	if c.ClientIDIssuedAt != 0 {
		line("client_id_issued_at", time.Unix(c.ClientIDIssuedAt, 0).UTC().Format(time.RFC3339))
	}
	line("token_endpoint_auth_method", c.TokenEndpointAuthMethod)
	list("redirect_uris", c.RedirectURIs)
	list("post_logout_redirect_uris", c.PostLogoutRedirectURIs)
	line("grant_types", strings.Join(c.GrantTypes, " "))
	line("response_types", strings.Join(c.ResponseTypes, " "))
	line("scope", c.Scope)
	line("logo_uri", c.LogoURI)
	line("client_uri", c.ClientURI)
	line("policy_uri", c.PolicyURI)
	line("tos_uri", c.TosURI)
	list("allowed_cors_origins", c.AllowedCORSOrigins)
	if c.AllowPlainPKCE {
		line("allow_plain_pkce", "true")
	}
	if c.RequirePKCE != nil && !*c.RequirePKCE {
		line("require_pkce", "false")
	}
	line("id_token_signed_response_alg", c.IDTokenSignedResponseAlg)
	line("userinfo_signed_response_alg", c.UserinfoSignedResponseAlg)
	line("backchannel_logout_uri", c.BackchannelLogoutURI)
	if c.BackchannelLogoutSessionRequired {
		line("backchannel_logout_session_required", "true")
	}
	if c.AccessTokenStrategy != "" && c.AccessTokenStrategy != "opaque" {
		line("access_token_strategy", c.AccessTokenStrategy)
	}
	list("resources", c.Resources)
	if c.SubjectType != "" && c.SubjectType != "public" {
		line("subject_type", c.SubjectType)
	}
}

// printSecret writes a just-issued secret with the warning that it will not
// be shown again (the server keeps only its hash).
func printSecret(w io.Writer, c *admin.Metadata) {
	if c.ClientSecret == "" {
		fmt.Fprintln(w, "\nThis is a public client (token_endpoint_auth_method none): it has no secret.")
		return
	}
	fmt.Fprintf(w, "%-28s%s\n", "client_secret:", c.ClientSecret)
	fmt.Fprintf(w, "\nWARNING: the client secret is shown only once; Sigil stores only its hash.\n"+
		"Store it now. If it is lost, issue a new one with: sigil clients rotate-secret %s\n", c.ClientID)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
