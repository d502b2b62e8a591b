package cli

import (
	"context"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/accounts"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/spf13/cobra"

	"github.com/sigil-oidc/sigil"
	"github.com/sigil-oidc/sigil/internal/config"
	"github.com/sigil-oidc/sigil/internal/domains/static"
)

// devWalletFile is the development wallet's key in the data dir, written
// by the first `sigil serve --dev`.
const devWalletFile = "dev-wallet.key"

// newDevCommand returns `dev`, the helpers that stand in for a wallet and
// a relying party when trying Sigil from a shell (docs/login-api.md walks
// through a sign-in with them). They read only the development wallet that
// --dev generated, so they sign nothing that matters outside --dev.
func newDevCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "dev",
		Short: "Development helpers: sign with the development wallet, make a PKCE pair",
		Long: "Helpers for trying Sigil from a shell against `sigil serve --dev`:\n" +
			"  sign  signs a login challenge with the development wallet that --dev created, as a wallet would\n" +
			"  pkce  prints a PKCE code_verifier and its code_challenge (RFC 7636)\n\n" +
			"docs/login-api.md walks through a whole sign-in with curl and these commands.",
		Args: cobra.NoArgs,
		RunE: showHelp,
	}
	cmd.AddCommand(newDevSignCommand(), newDevPKCECommand())
	return cmd
}

func newDevSignCommand() *cobra.Command {
	var dataDir string
	cmd := &cobra.Command{
		Use:   "sign [MESSAGE]",
		Short: "Sign a message with the development wallet (EIP-191 personal_sign)",
		Long: "Sign a message with the development wallet that `sigil serve --dev` keeps in its data dir, as\n" +
			"a wallet's personal_sign does (EIP-191), and print the signature (0x and 130 hex digits) for\n" +
			"POST /login/verify.\n\n" +
			"The message is the argument, or else standard input: either the message itself (a final\n" +
			"newline is dropped, as echo adds one) or the JSON answer of POST /login/challenge, whose\n" +
			"\"message\" is signed. The wallet exists only under --dev; it owns the demo domains.",
		Example: "  curl -s ... $issuer/login/challenge | sigil dev sign\n" +
			"  sigil dev sign --data-dir sigil-data \"$message\"",
		Args: maxArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !cmd.Flags().Changed("data-dir") {
				if v := os.Getenv("SIGIL_DATA_DIR"); v != "" {
					dataDir = v
				}
			}
			key, err := readDevKey(dataDir)
			if err != nil {
				return err
			}
			var message string
			if len(args) == 1 {
				message = args[0]
			} else {
				in, err := io.ReadAll(io.LimitReader(cmd.InOrStdin(), 1<<20))
				if err != nil {
					return fmt.Errorf("read the message from standard input: %w", err)
				}
				if message, err = messageFrom(in); err != nil {
					return err
				}
			}
			sig, err := personalSign(key, message)
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), sig)
			return nil
		},
	}
	cmd.Flags().StringVar(&dataDir, "data-dir", "sigil-data", "data dir of the sigil serve --dev whose wallet signs (env SIGIL_DATA_DIR)")
	return cmd
}

// messageFrom is the message to sign in what standard input held: the
// "message" of a challenge answer, or the text itself.
func messageFrom(in []byte) (string, error) {
	text := strings.TrimSuffix(strings.TrimSuffix(string(in), "\n"), "\r")
	if strings.HasPrefix(strings.TrimSpace(text), "{") {
		var challenge struct {
			Message          *string `json:"message"`
			Error            string  `json:"error"`
			ErrorDescription string  `json:"error_description"`
		}
		if err := json.Unmarshal(in, &challenge); err != nil {
			// encoding/json names the Go struct field and type ("Go
			// struct field .message of type string"); say it in the
			// terms of the JSON.
			var te *json.UnmarshalTypeError
			if errors.As(err, &te) {
				return "", fmt.Errorf("standard input is JSON, but its %q must be a string (it is of JSON type %s): pass the answer of POST /login/challenge", te.Field, te.Value)
			}
			return "", fmt.Errorf("standard input starts with '{' but is not JSON: %w", err)
		}
		if challenge.Error != "" {
			return "", fmt.Errorf("standard input is an error, not a challenge: %s: %s", challenge.Error, challenge.ErrorDescription)
		}
		if challenge.Message == nil {
			return "", errors.New("standard input is JSON without a \"message\": pass the answer of POST /login/challenge")
		}
		return *challenge.Message, nil
	}
	if text == "" {
		return "", errors.New("no message: pass it as the argument or on standard input")
	}
	return text, nil
}

// personalSign is what a wallet's personal_sign returns: an EIP-191
// signature of message with v as 27 or 28.
func personalSign(key *ecdsa.PrivateKey, message string) (string, error) {
	sig, err := crypto.Sign(accounts.TextHash([]byte(message)), key)
	if err != nil {
		return "", err
	}
	sig[64] += 27
	return fmt.Sprintf("0x%x", sig), nil
}

// readDevKey reads the development wallet of the data dir; it never
// creates one (only serve --dev does).
func readDevKey(dataDir string) (*ecdsa.PrivateKey, error) {
	path := filepath.Join(dataDir, devWalletFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("no development wallet at %s: start `sigil serve --dev` first (it creates one), or pass the --data-dir it uses", path)
	}
	if err != nil {
		return nil, fmt.Errorf("--data-dir: %w", err)
	}
	key, err := crypto.HexToECDSA(strings.TrimPrefix(strings.TrimSpace(string(b)), "0x"))
	if err != nil {
		return nil, fmt.Errorf("%s does not hold a development wallet key: %w", path, err)
	}
	return key, nil
}

func newDevPKCECommand() *cobra.Command {
	var verifier string
	cmd := &cobra.Command{
		Use:   "pkce",
		Short: "Print a PKCE code_verifier and its S256 code_challenge",
		Long: "Print a new random PKCE code_verifier and its code_challenge for code_challenge_method=S256\n" +
			"(RFC 7636 section 4), as shell assignments, so that\n\n" +
			"  eval \"$(sigil dev pkce)\"\n\n" +
			"sets $code_verifier and $code_challenge. With --verifier, prints the challenge of that verifier.",
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if verifier == "" {
				b := make([]byte, 32)
				if _, err := rand.Read(b); err != nil {
					return err
				}
				verifier = base64.RawURLEncoding.EncodeToString(b)
			} else if err := checkVerifier(verifier); err != nil {
				return err
			}
			sum := sha256.Sum256([]byte(verifier))
			fmt.Fprintf(cmd.OutOrStdout(), "code_verifier=%s\ncode_challenge=%s\n", verifier, base64.RawURLEncoding.EncodeToString(sum[:]))
			return nil
		},
	}
	cmd.Flags().StringVar(&verifier, "verifier", "", "compute the challenge of this code_verifier instead of a new one")
	return cmd
}

// checkVerifier applies RFC 7636 section 4.1: 43 to 128 characters of
// A-Z a-z 0-9 - . _ ~ (which also makes the output safe to eval).
func checkVerifier(v string) error {
	if len(v) < 43 || len(v) > 128 {
		return fmt.Errorf("--verifier must be 43 to 128 characters long (RFC 7636 section 4.1), not %d", len(v))
	}
	for _, r := range v {
		if !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || strings.ContainsRune("-._~", r)) {
			return errors.New("--verifier may hold only A-Z a-z 0-9 - . _ ~ (RFC 7636 section 4.1)")
		}
	}
	return nil
}

// commandName is how to run this binary again from the shell that started
// it, for the banner's examples: "go run ./cmd/sigil" under go run (whose
// binary sits in a temporary go-build directory), else what the shell ran
// (a name found on PATH, or a path such as ./sigil).
func commandName() string {
	if exe, err := os.Executable(); err == nil && strings.Contains(exe, string(filepath.Separator)+"go-build") {
		return "go run ./cmd/sigil"
	}
	if len(os.Args) == 0 || os.Args[0] == "" || strings.ContainsAny(os.Args[0], " \t'\"$`\\") {
		return "sigil"
	}
	return os.Args[0]
}

// demoAdvice says whom to sign in as with the development wallet, from
// what the domain registry in use says it owns: the built-in registry and
// a --domains file are asked; the chain is not (a look-up per start of a
// development server is not worth it), so for it the advice is general.
func demoAdvice(ctx context.Context, cfg *config.Config, resolver sigil.DomainResolver, wallet string) string {
	registry, ok := resolver.(*static.Registry)
	if !ok {
		return fmt.Sprintf("sign in with a domain that the development wallet %s owns on chain", wallet)
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	owned, err := registry.Reverse(ctx, wallet)
	switch {
	case err != nil:
		return fmt.Sprintf("could not list the domains of the development wallet: %v", err)
	case len(owned) == 0 && cfg.Domains != "":
		return fmt.Sprintf("the development wallet owns no domain in %s: make it the owner of one, or sign in with a wallet that owns one", cfg.Domains)
	case len(owned) == 0:
		return "the development wallet owns no domain"
	case len(owned) == 1:
		return fmt.Sprintf("sign in as %s with the development wallet", owned[0])
	default:
		return fmt.Sprintf("sign in as %s or %s with the development wallet", strings.Join(owned[:len(owned)-1], ", "), owned[len(owned)-1])
	}
}
