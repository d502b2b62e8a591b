package oautherr

import (
	"fmt"
	"net/http"
	"strings"
)

// Markdown renders the catalogue as the page docs/errors.md.
func Markdown() string {
	var b strings.Builder
	b.WriteString("# Error codes\n\n")
	b.WriteString("<!-- Generated from internal/oautherr/catalogue.go by `go test ./internal/oautherr -update`. Do not edit. -->\n\n")
	b.WriteString("Every error Sigil answers is one of these codes. JSON endpoints answer\n")
	b.WriteString("`{\"error\": \"<code>\", \"error_description\": \"<description> <hint>\", \"error_hint\": \"<hint>\"}` with the status below;\n")
	b.WriteString("the authorization endpoint sends `error`, `error_description`, `state` and `iss` back to the\n")
	b.WriteString("client's redirect URI, except when the client or redirect URI cannot be trusted, where it shows\n")
	b.WriteString("an error page instead (never an open redirect). The description always ends with a hint that\n")
	b.WriteString("says what was wrong with this particular request. Descriptions hold only the characters RFC 6749\n")
	b.WriteString("section 5.2 allows (printable ASCII and space, without `\"` and `\\`): hints quote values with `'`,\n")
	b.WriteString("and control and non-ASCII characters are dropped, in JSON bodies, redirects and `WWW-Authenticate` alike.\n")
	status := 0
	for _, e := range Catalogue {
		if e.Status != status {
			status = e.Status
			fmt.Fprintf(&b, "\n## %d %s\n\n", status, http.StatusText(status))
			b.WriteString("| code | description | defined in |\n|---|---|---|\n")
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s |\n", e.Code, e.Description, e.Spec)
	}
	return b.String()
}
