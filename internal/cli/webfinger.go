package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/sigil-oidc/sigil/internal/domains"
	"github.com/sigil-oidc/sigil/internal/oidc"
)

// newWebFingerCommand prints the domain record that makes @uauth/js find
// this issuer through a domain: @uauth/common reads
// webfinger..http://openid.net/specs/connect/1.0/issuer and, for the "host"
// form, fetches /.well-known/webfinger from that host.
func newWebFingerCommand() *cobra.Command {
	var issuer string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "webfinger-record DOMAIN",
		Short: "Print the domain record that names this Sigil as the domain's issuer",
		Example: "  sigil webfinger-record alice.crypto --issuer https://login.example.com\n" +
			"  (then set the printed key and value as a record of alice.crypto)",
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name, err := domains.NormalizeName(args[0])
			if err != nil {
				return err
			}
			if issuer == "" {
				issuer = os.Getenv("SIGIL_ISSUER")
			}
			if issuer == "" {
				return errors.New("--issuer is required: the issuer URL of this Sigil, such as --issuer https://login.example.com (or set SIGIL_ISSUER)")
			}
			u, err := url.Parse(issuer)
			if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
				return fmt.Errorf("--issuer %q must be the absolute http(s) URL of this Sigil, such as https://login.example.com", issuer)
			}
			value, err := WebFingerRecord(issuer, name)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if asJSON {
				return json.NewEncoder(out).Encode(map[string]string{"domain": name, "key": oidc.WebFingerRecordKey, "value": value})
			}
			fmt.Fprintf(out, "Set this record on %s:\n  key:   %s\n  value: %s\n", name, oidc.WebFingerRecordKey, value)
			return nil
		},
	}
	cmd.Flags().StringVar(&issuer, "issuer", "", "issuer URL of this Sigil (env SIGIL_ISSUER)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print key and value as JSON")
	return cmd
}

// WebFingerRecord is the record value naming issuer for domain. The "uri"
// form points straight at Sigil's WebFinger answer for the domain, which
// works for an issuer with a path too (the "host" form would not). The
// JSON keeps "&" as it is (no HTML escaping to \u0026): the value is
// pasted into a domain's records, where it should read as the URL.
func WebFingerRecord(issuer, domain string) (string, error) {
	q := url.Values{"resource": {domain}, "rel": {oidc.IssuerRel}}
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	err := enc.Encode(map[string]string{"uri": strings.TrimSuffix(issuer, "/") + "/.well-known/webfinger?" + q.Encode()})
	return strings.TrimSuffix(b.String(), "\n"), err
}
