package urlform

import (
	"errors"
	"strings"
	"testing"

	"github.com/sigil-oidc/sigil/internal/oautherr"
)

// TestParse: a query that parses whole is read; one of more than Max
// parameters, or with a pair Go's parser drops (a bad escape, a ';'), is
// invalid_request saying which, where url.Values would have held less than
// was sent.
func TestParse(t *testing.T) {
	at := "a=1" + strings.Repeat("&p=", Max-1)
	if v, err := Parse(at, "The request", "query"); err != nil || v.Get("a") != "1" {
		t.Fatalf("%d parameters: %v %v", Max, v, err)
	}
	for raw, says := range map[string]string{
		at + "&p=":   "The request has too many parameters (at most 10000).",
		"a=1&b=%zz":  "The request could not be parsed as a form",
		"a=1;b=2":    "The request could not be parsed as a form",
		"a=%&client": "The request could not be parsed as a form",
	} {
		_, err := Parse(raw, "The request", "form")
		if !errors.Is(err, oautherr.ErrInvalidRequest) || !strings.Contains(oautherr.From(err).Hint, says) {
			t.Errorf("Parse(%.40q): %v, want invalid_request saying %q", raw, err, says)
		}
	}
}
