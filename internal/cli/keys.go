package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/sigil-oidc/sigil/internal/admin"
)

// NewKeysCommand returns `keys`, the command-line front end of the admin
// API's signing keys: list and rotate. Like `clients` it talks HTTP to a
// running server, so the node that rotates re-reads its keys at once and
// the others follow within the key-refresh bound (5 s).
func NewKeysCommand() *cobra.Command {
	o, cmd := adminCommand("keys", "List and rotate the keys Sigil signs tokens with, through the admin API",
		`List and rotate the keys Sigil signs ID tokens (and other JWTs) with, through
Sigil's admin API. Private keys never leave the server; they are stored sealed
under the system secret.`)
	cmd.AddCommand(newKeysListCommand(o), newKeysRotateCommand(o))
	return cmd
}

func newKeysListCommand(o *clientsOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List the signing keys with their algorithm, state (next, active, retired, expired) and dates",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			raw, err := o.adminDo(cmd, http.MethodGet, "/admin/keys", nil)
			if err != nil {
				return err
			}
			return o.print(cmd, raw, func(w io.Writer) error {
				var list admin.KeysJSON
				if err := json.Unmarshal(raw, &list); err != nil {
					return fmt.Errorf("the admin API answered something that is not a key list: %w", err)
				}
				if err := printKeys(w, list.Keys); err != nil {
					return err
				}
				if list.RotationInterval == "0s" {
					fmt.Fprintf(w, "\nScheduled rotation is off; retired keys stay published for %s (longer when a node that signed with one has longer token lifetimes).\n", list.Retention)
				} else {
					fmt.Fprintf(w, "\nKeys rotate every %s, published %s ahead; retired keys stay published for %s (longer when a node that signed with one has longer token lifetimes).\n",
						list.RotationInterval, list.PublishAhead, list.Retention)
				}
				return nil
			})
		},
	}
}

func newKeysRotateCommand(o *clientsOptions) *cobra.Command {
	var alg string
	var now bool
	cmd := &cobra.Command{
		Use:   "rotate",
		Short: "Add new signing keys, published at once and signing 15 seconds later (all algorithms, or --alg)",
		Long: `Add a new signing key for every algorithm (RS256, ES256, EdDSA), or for --alg only.
The new keys are published at once by the node that answers and by every other
node within 5 seconds, and sign every new token from 15 seconds on, so that no
node signs with a key another node does not publish yet. --now makes them sign
at once on the node that answers (the others follow within 5 seconds, and a
token signed meanwhile may meet a key set without its key): for a key that must
stop signing now, such as one suspected compromised. The keys they replace stay
published until every token they signed has expired. For routine rotation
prefer the schedule (sigil serve --key-rotation-interval), which publishes each
key an hour ahead of its use, for relying parties that cache the key set.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			q := url.Values{}
			if alg != "" {
				q.Set("alg", alg)
			}
			if now {
				q.Set("immediate", "true")
			}
			path := "/admin/keys/rotate"
			if len(q) > 0 {
				path += "?" + q.Encode()
			}
			raw, err := o.adminDo(cmd, http.MethodPost, path, nil)
			if err != nil {
				return err
			}
			return o.print(cmd, raw, func(w io.Writer) error {
				var out admin.RotateJSON
				if err := json.Unmarshal(raw, &out); err != nil {
					return fmt.Errorf("the admin API answered something that is not a rotation: %w", err)
				}
				if now {
					fmt.Fprintln(w, "New signing keys, signing now:")
				} else {
					fmt.Fprintln(w, "New signing keys, published now, signing from their activation:")
				}
				return printKeys(w, out.Keys)
			})
		},
	}
	cmd.Flags().StringVar(&alg, "alg", "", "rotate only this algorithm's key: RS256, ES256 or EdDSA (default: all)")
	cmd.Flags().BoolVar(&now, "now", false, "sign with the new keys at once on the node that answers, before every node publishes them (a compromised key)")
	return cmd
}

// printKeys writes one line per key; dates are UTC, to the second.
func printKeys(w io.Writer, ks []admin.KeyJSON) error {
	if len(ks) == 0 {
		fmt.Fprintln(w, "No signing keys.")
		return nil
	}
	date := func(t *time.Time) string {
		if t == nil || t.IsZero() {
			return "-"
		}
		return t.UTC().Format(time.RFC3339)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "KID\tALG\tSTATE\tCREATED\tACTIVATES\tRETIRES\tEXPIRES")
	for _, k := range ks {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", k.KID, k.Alg, k.State, date(&k.CreatedAt), date(&k.ActivatesAt), date(k.RetiresAt), date(k.ExpiresAt))
	}
	return tw.Flush()
}
