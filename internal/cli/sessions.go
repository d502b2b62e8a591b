package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/sigil-oidc/sigil/internal/admin"
	"github.com/sigil-oidc/sigil/internal/oautherr"
)

// NewSessionsCommand returns `sessions`, the command-line front end of the
// admin API's login sessions: list a person's live sessions and end one or
// all of them, on every node at once (the cookie is honoured only while its
// session is live in the database).
func NewSessionsCommand() *cobra.Command {
	o, cmd := adminCommand("sessions", "List and end people's login sessions through the admin API",
		`List and end people's login sessions (one per sign-in in a browser) through
Sigil's admin API. An ended session stops working at once on every node, and
the applications it signed in to are told (back-channel logout). The tokens its
sign-ins issued stay valid until they expire; to revoke those too, revoke the
person's consents (sigil consents revoke).`)
	cmd.AddCommand(
		&cobra.Command{
			Use:     "list SUBJECT",
			Short:   "List the live sessions of a person (a domain such as alice.crypto)",
			Example: "  sigil sessions list alice.crypto",
			Args:    exactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				subject, err := segment("subject", args[0])
				if err != nil {
					return err
				}
				raw, err := o.adminDo(cmd, http.MethodGet, "/admin/subjects/"+subject+"/sessions", nil)
				if err != nil {
					return err
				}
				return o.print(cmd, raw, func(w io.Writer) error {
					var list admin.SessionsJSON
					if err := json.Unmarshal(raw, &list); err != nil {
						return fmt.Errorf("the admin API answered something that is not a session list: %w", err)
					}
					if len(list.Sessions) == 0 {
						fmt.Fprintf(w, "%s has no live session.\n", args[0])
						return nil
					}
					tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
					fmt.Fprintln(tw, "SID\tSIGNED IN\tEXPIRES\tCLIENTS")
					for _, s := range list.Sessions {
						fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", s.SID, unixTime(s.AuthTime), unixTime(s.ExpiresAt), orDash(strings.Join(s.Clients, " ")))
					}
					return tw.Flush()
				})
			},
		},
		newSessionsRevokeCommand(o),
	)
	return cmd
}

func newSessionsRevokeCommand(o *clientsOptions) *cobra.Command {
	var subject string
	return withSubjectFlag(&cobra.Command{
		Use:   "revoke [SID | --subject SUBJECT]",
		Short: "End one session (by sid) or every session of a person (--subject)",
		Example: "  sigil sessions revoke 3f2a0c...\n" +
			"  sigil sessions revoke --subject alice.crypto   # sign out everywhere",
		Args: maxArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var path, done string
			switch {
			case len(args) == 1 && subject == "":
				sid, err := segment("SID", args[0])
				if err != nil {
					return err
				}
				path, done = "/admin/sessions/"+sid, "Ended session "+args[0]+"."
			case len(args) == 0 && subject != "":
				escaped, err := segment("subject", subject)
				if err != nil {
					return err
				}
				path, done = "/admin/subjects/"+escaped+"/sessions", "Ended every session of "+subject+"."
			default:
				return errors.New("name either one SID or --subject SUBJECT")
			}
			raw, err := o.adminDo(cmd, http.MethodDelete, path, nil)
			if err != nil {
				return err
			}
			return o.print(cmd, raw, func(w io.Writer) error {
				_, err := fmt.Fprintln(w, done)
				return err
			})
		},
	}, &subject)
}

// segment path-escapes v, a command-line argument, as one segment of an
// admin API path. An empty value, "." or ".." is refused here: it would not
// stay one segment, since the server's path cleaning removes empty and dot
// segments (RFC 3986 section 5.2.4 for the dots), so `sessions revoke ..`
// was DELETE /admin/ and its error named an endpoint nobody asked for.
func segment(what, v string) (string, error) {
	if v == "" || v == "." || v == ".." {
		return "", fmt.Errorf("%q is not a %s", v, what)
	}
	return url.PathEscape(v), nil
}

func withSubjectFlag(cmd *cobra.Command, subject *string) *cobra.Command {
	cmd.Flags().StringVar(subject, "subject", "", "the person (a domain such as alice.crypto) whose every session ends")
	return cmd
}

// NewConsentsCommand returns `consents`, the command-line front end of the
// admin API's remembered consents: list a person's, and revoke one, which
// also revokes the codes and tokens issued to that client for that person.
func NewConsentsCommand() *cobra.Command {
	o, cmd := adminCommand("consents", "List and revoke the consents people gave applications, through the admin API",
		`List and revoke the consents people asked Sigil to remember, through Sigil's
admin API. Revoking a consent also revokes the codes, access tokens and
refresh tokens the application holds for that person.`)
	cmd.AddCommand(
		&cobra.Command{
			Use:     "list SUBJECT",
			Short:   "List the consents a person (a domain such as alice.crypto) asked Sigil to remember",
			Example: "  sigil consents list alice.crypto",
			Args:    exactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				subject, err := segment("subject", args[0])
				if err != nil {
					return err
				}
				raw, err := o.adminDo(cmd, http.MethodGet, "/admin/subjects/"+subject+"/consents", nil)
				if err != nil {
					return err
				}
				return o.print(cmd, raw, func(w io.Writer) error {
					var list admin.ConsentsJSON
					if err := json.Unmarshal(raw, &list); err != nil {
						return fmt.Errorf("the admin API answered something that is not a consent list: %w", err)
					}
					if len(list.Consents) == 0 {
						fmt.Fprintf(w, "%s has no remembered consent.\n", args[0])
						return nil
					}
					tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
					fmt.Fprintln(tw, "CLIENT\tGRANTED\tSCOPE")
					for _, c := range list.Consents {
						fmt.Fprintf(tw, "%s\t%s\t%s\n", c.ClientID, unixTime(c.GrantedAt), orDash(c.Scope))
					}
					return tw.Flush()
				})
			},
		},
		&cobra.Command{
			Use:     "revoke SUBJECT CLIENT_ID",
			Short:   "Revoke a person's consent to a client, and the codes and tokens issued under it",
			Example: "  sigil consents revoke alice.crypto 3564cc23-8d1e-4b4a-9d0e-6f1f5a2b7c11",
			Args:    exactArgs(2),
			RunE: func(cmd *cobra.Command, args []string) error {
				subject, err := segment("subject", args[0])
				if err != nil {
					return err
				}
				clientID, err := segment("client_id", args[1])
				if err != nil {
					return err
				}
				raw, err := o.adminDo(cmd, http.MethodDelete, "/admin/subjects/"+subject+"/consents/"+clientID, nil)
				if err != nil {
					return err
				}
				return o.print(cmd, raw, func(w io.Writer) error {
					_, err := fmt.Fprintf(w, "Revoked the consent of %s to client %s and its tokens.\n", args[0], args[1])
					return err
				})
			},
		},
	)
	return cmd
}

// adminCommand is a parent command with the admin API's persistent flags,
// as `clients` has them.
func adminCommand(use, short, long string) (*clientsOptions, *cobra.Command) {
	o := &clientsOptions{http: &http.Client{Timeout: 30 * time.Second}}
	cmd := &cobra.Command{
		Use:   use,
		Short: short,
		Long: long + `

The commands talk to a running server at --admin-url (env ` + EnvAdminURL + `,
default ` + DefaultAdminURL + `) and authenticate with the admin token
(--admin-token or, better, env ` + EnvAdminToken + `).`,
		Args: cobra.NoArgs,
		RunE: showHelp,
	}
	cmd.SetErrPrefix("error:")
	pf := cmd.PersistentFlags()
	pf.StringVar(&o.adminURL, "admin-url", DefaultAdminURL, "base URL of the admin API (env "+EnvAdminURL+")")
	pf.StringVar(&o.token, "admin-token", "", "admin API token (env "+EnvAdminToken+", preferred: flags are visible in the process list)")
	pf.BoolVar(&o.json, "json", false, "print the raw JSON response instead of a summary")
	return o, cmd
}

// adminDo calls the admin API: method on path (already path-escaped, below
// any path prefix of the admin URL, which a reverse proxy may mount the API
// under), with body as JSON when it is not nil. It returns the body of a
// 2xx answer, or the API's error as an *apiError. Every admin command (clients,
// keys, sessions, consents) goes through it.
func (o *clientsOptions) adminDo(cmd *cobra.Command, method, path string, body any) ([]byte, error) {
	base, err := o.resolve(cmd)
	if err != nil {
		return nil, err
	}
	target := base.Scheme + "://" + base.Host + strings.TrimRight(base.EscapedPath(), "/") + path
	var reader io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		reader = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(cmd.Context(), method, target, reader)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+o.token)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := o.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("cannot reach the admin API at %s: %w; is sigil serve running, and is --admin-url (or %s) its --admin-addr?", base.Redacted(), err, EnvAdminURL)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if err != nil {
		return nil, fmt.Errorf("reading the admin API's answer: %w", err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		var e oautherr.Body
		if json.Unmarshal(raw, &e) == nil && e.Error != "" {
			desc := e.ErrorDescription
			if resp.StatusCode == http.StatusUnauthorized {
				// The likeliest cause: a token kept from an earlier
				// sigil serve --dev, which makes a new one at every start.
				desc += fmt.Sprintf(" Set %s (or --admin-token) to the token the server runs with (its --admin-token or %s); sigil serve --dev prints a new one at every start.", EnvAdminToken, EnvAdminToken)
			}
			return nil, &apiError{Code: e.Error, Description: desc}
		}
		return nil, fmt.Errorf("the admin API at %s answered %s without an error body; is --admin-url right?", base.Redacted(), resp.Status)
	}
	return raw, nil
}

// unixTime formats Unix seconds for a table as RFC 3339 in UTC
// (2026-12-07T23:28:25Z), as keys list prints its dates: one format in
// every listing, and one word in a table's column.
func unixTime(sec int64) string {
	return time.Unix(sec, 0).UTC().Format(time.RFC3339)
}

// showHelp is the RunE of a command that only groups others: without
// arguments it prints the help; an argument that names no subcommand (a
// typo, a command that does not exist) fails cobra.NoArgs with "unknown
// command" and a non-zero exit, instead of the help and exit 0 that cobra
// gives a command with no RunE, which read as success in a script.
func showHelp(cmd *cobra.Command, _ []string) error { return cmd.Help() }
