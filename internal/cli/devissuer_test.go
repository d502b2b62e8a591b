package cli

import (
	"strings"
	"testing"

	"github.com/sigil-oidc/sigil/internal/config"
)

// TestDevNeedsALoopbackIssuer: --dev, whose login page carries the
// development wallet's key, is refused for any issuer that is not on the
// loopback interface, with an error naming --dev and --issuer.
func TestDevNeedsALoopbackIssuer(t *testing.T) {
	for issuer, ok := range map[string]bool{
		"http://127.0.0.1:8080":        true,
		"http://127.1.2.3:8080":        true,
		"http://localhost:8080":        true,
		"https://LOCALHOST":            true,
		"http://[::1]:8080":            true,
		"https://login.example.com":    false,
		"http://10.0.0.5:8080":         false,
		"http://[::2]:8080":            false,
		"http://localhost.example.com": false,
		"http://127.0.0.1.nip.example": false,
	} {
		err := checkDevIssuer(&config.Config{Dev: true, Issuer: issuer})
		if ok != (err == nil) {
			t.Errorf("--dev --issuer %s: %v, want allowed %v", issuer, err, ok)
		}
		if err != nil && (!strings.Contains(err.Error(), "--dev") || !strings.Contains(err.Error(), "--issuer "+issuer)) {
			t.Errorf("--dev --issuer %s: error %q does not name --dev and --issuer", issuer, err)
		}
		if err := checkDevIssuer(&config.Config{Issuer: issuer}); err != nil {
			t.Errorf("without --dev, --issuer %s: %v", issuer, err)
		}
	}
}
