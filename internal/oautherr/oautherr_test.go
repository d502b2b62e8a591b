package oautherr

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite docs/errors.md from the catalogue")

const docsPath = "../../docs/errors.md"

// TestDocsMatchCatalogue fails when docs/errors.md differs from the catalogue.
func TestDocsMatchCatalogue(t *testing.T) {
	want := Markdown()
	if *update {
		if err := os.WriteFile(docsPath, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(docsPath)
	if err != nil {
		t.Fatalf("read %s: %v (run go test ./internal/oautherr -update)", docsPath, err)
	}
	if string(got) != want {
		t.Fatalf("%s is out of date: run go test ./internal/oautherr -update", docsPath)
	}
}

// TestCatalogueCoversSeed checks every (code, status) row of the seed's
// error catalogue exists exactly once in ours.
func TestCatalogueCoversSeed(t *testing.T) {
	f, err := os.Open("testdata/seed-error-codes.md")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	heading := regexp.MustCompile(`^## (\d{3}) `)
	row := regexp.MustCompile(`^\| ([a-z_\\]+)\s*\|`)
	status := 0
	seen := 0
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if m := heading.FindStringSubmatch(line); m != nil {
			status, _ = strconv.Atoi(m[1])
			continue
		}
		m := row.FindStringSubmatch(line)
		if m == nil || status == 0 || strings.HasPrefix(line, "| Error Code") {
			continue
		}
		code := strings.ReplaceAll(m[1], `\`, "")
		n := 0
		for _, e := range Catalogue {
			if e.Code == code && e.Status == status {
				n++
			}
		}
		if n != 1 {
			t.Errorf("seed code %s (%d) appears %d times in the catalogue, want 1", code, status, n)
		}
		seen++
	}
	if seen < 30 {
		t.Fatalf("parsed only %d seed rows; the seed format changed?", seen)
	}
}

func TestCatalogueEntriesAreComplete(t *testing.T) {
	type key struct {
		code   string
		status int
	}
	dup := map[key]bool{}
	for _, e := range Catalogue {
		if e.Code == "" || e.Description == "" || e.Spec == "" || http.StatusText(e.Status) == "" {
			t.Errorf("incomplete entry %+v", e)
		}
		if e.Hint != "" {
			t.Errorf("catalogue entry %s carries a hint; hints belong to copies", e.Code)
		}
		k := key{e.Code, e.Status}
		if dup[k] {
			t.Errorf("duplicate entry %s %d", e.Code, e.Status)
		}
		dup[k] = true
	}
}

func TestWriteJSON(t *testing.T) {
	rec := httptest.NewRecorder()
	WriteJSON(rec, ErrInvalidScope.WithHint("Scope '%s' is not allowed for client '%s'.", "email", "abc"))
	if rec.Code != http.StatusBadRequest {
		t.Fatalf("status %d", rec.Code)
	}
	if rec.Header().Get("Cache-Control") != "no-store" {
		t.Fatalf("cache-control %q", rec.Header().Get("Cache-Control"))
	}
	var body Body
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatal(err)
	}
	if body.Error != "invalid_scope" || !strings.HasSuffix(body.ErrorDescription, `Scope 'email' is not allowed for client 'abc'.`) ||
		!strings.HasPrefix(body.ErrorDescription, ErrInvalidScope.Description) {
		t.Fatalf("body %+v", body)
	}
	if body.ErrorHint != `Scope 'email' is not allowed for client 'abc'.` {
		t.Fatalf("error_hint %q", body.ErrorHint)
	}
	if ErrInvalidScope.Hint != "" {
		t.Fatal("WithHint modified the catalogue entry")
	}
}

// TestWriteJSONRetryAfter: a 503 tells the client when to try again (RFC
// 9110 section 10.2.3), keeping a Retry-After the writer set; other
// statuses carry none.
func TestWriteJSONRetryAfter(t *testing.T) {
	rec := httptest.NewRecorder()
	WriteJSON(rec, ErrTemporarilyUnavailable.WithHint("The chain node did not answer."))
	if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") != DefaultRetryAfter {
		t.Errorf("503: %d, Retry-After %q", rec.Code, rec.Header().Get("Retry-After"))
	}
	rec = httptest.NewRecorder()
	rec.Header().Set("Retry-After", "1")
	WriteJSON(rec, ErrTemporarilyUnavailable)
	if rec.Header().Get("Retry-After") != "1" {
		t.Errorf("a Retry-After set before: %q, want 1 kept", rec.Header().Get("Retry-After"))
	}
	rec = httptest.NewRecorder()
	WriteJSON(rec, ErrInvalidRequest)
	if rec.Header().Get("Retry-After") != "" {
		t.Errorf("400 with Retry-After %q", rec.Header().Get("Retry-After"))
	}
}

func TestFromHidesInternalErrors(t *testing.T) {
	rec := httptest.NewRecorder()
	WriteJSON(rec, errors.New("database is on fire at /var/lib/secret"))
	if rec.Code != 500 || strings.Contains(rec.Body.String(), "fire") {
		t.Fatalf("got %d %s", rec.Code, rec.Body)
	}
	wrapped := fmt.Errorf("load: %w", ErrAccessDenied.WithHint("x"))
	if From(wrapped).Code != "access_denied" || !errors.Is(wrapped, ErrAccessDenied) {
		t.Fatal("wrapped catalogue error not recognised")
	}
	if errors.Is(ErrTokenExpired, ErrInvalidTokenFormat) {
		t.Fatal("the two invalid_token entries must stay distinct")
	}
}

func TestAddTo(t *testing.T) {
	v := url.Values{}
	AddTo(v, ErrAccessDenied.WithHint("The person declined."))
	if v.Get("error") != "access_denied" || !strings.Contains(v.Get("error_description"), "declined") {
		t.Fatalf("%v", v)
	}
}

// inCharset reports whether s holds only %x20-21 / %x23-5B / %x5D-7E (RFC
// 6749 sections 4.1.2.1 and 5.2), written out from the grammar rather than
// with Allowed, so the test does not trust the code it checks.
func inCharset(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 0x20 && c <= 0x21 || c >= 0x23 && c <= 0x5b || c >= 0x5d && c <= 0x7e) {
			return false
		}
	}
	return true
}

// TestSanitizeKeepsTheCharset feeds Sanitize, and every rendering of an
// error (JSON body, redirect parameters, WWW-Authenticate), hints built from
// random bytes, random runes and the hard cases: each output must stay inside
// the RFC 6749 set, keep every allowed character of the input in order, and
// leave an already clean string unchanged.
func TestSanitizeKeepsTheCharset(t *testing.T) {
	cases := []string{
		"", `plain text`, `client "abc"`, `C:\path\to`, "tab\there", "line\r\nbreak", "nul\x00byte", "del\x7f",
		"caf\u00e9", "\u2028separator", "emoji \U0001F600", "\xff\xfe invalid utf-8", "\u201cquoted\u201d",
		`all ' allowed ! # [ ] { } ~ < > &`, strings.Repeat(`"\`, 1000),
	}
	rng := rand.New(rand.NewPCG(7, 11))
	for range 2000 {
		n := rng.IntN(64)
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.IntN(256))
		}
		cases = append(cases, string(b))
		r := make([]rune, n)
		for i := range r {
			r[i] = rune(rng.IntN(0x11000))
		}
		cases = append(cases, string(r))
	}
	for _, in := range cases {
		out := Sanitize(in)
		if !inCharset(out) {
			t.Fatalf("Sanitize(%q) = %q, outside the RFC 6749 set", in, out)
		}
		if Sanitize(out) != out {
			t.Fatalf("Sanitize is not idempotent on %q", in)
		}
		// Every allowed character of the input survives, in order, and
		// the output is no longer than the input.
		var kept strings.Builder
		for i := 0; i < len(in); i++ {
			if inCharset(in[i : i+1]) {
				kept.WriteByte(in[i])
			}
		}
		if len(out) > len(in) || !isSubsequence(kept.String(), out) {
			t.Fatalf("Sanitize(%q) = %q lost allowed characters", in, out)
		}

		e := ErrInvalidRequest.WithHint("Parameter '%s' is bad: %q.", in, in)
		for what, got := range renderings(t, e) {
			if !inCharset(got) {
				t.Fatalf("%s of a hint built from %q is outside the RFC 6749 set: %q", what, in, got)
			}
		}
	}
	if got := Sanitize(`client "abc" at C:\x`); got != `client 'abc' at C:/x` {
		t.Fatalf("quotes and backslashes: %q", got)
	}
	if got := Sanitize("caf\u00e9\ttab\x00"); got != "caf tab" {
		t.Fatalf("non-ASCII and control characters: %q", got)
	}
	clean := "already clean 'value'"
	if testing.AllocsPerRun(100, func() { _ = Sanitize(clean) }) != 0 {
		t.Fatal("Sanitize allocates for a clean string")
	}
	// An Error built without WithHint is made safe where it is rendered.
	raw := &Error{Code: "invalid_request", Status: 400, Description: "x", Hint: "a \"b\" \u00e9"}
	if got := raw.FullDescription(); got != "x a 'b' " {
		t.Fatalf("FullDescription of a raw hint: %q", got)
	}
}

// isSubsequence reports whether every byte of sub appears in s in order.
func isSubsequence(sub, s string) bool {
	j := 0
	for i := 0; i < len(s) && j < len(sub); i++ {
		if s[i] == sub[j] {
			j++
		}
	}
	return j == len(sub)
}

// renderings returns what the wire carries of e: the JSON body's
// error_description and error_hint, the redirect's error_description, and
// the WWW-Authenticate header's quoted error_description.
func renderings(t *testing.T, e *Error) map[string]string {
	t.Helper()
	rec := httptest.NewRecorder()
	WriteJSON(rec, e)
	var body Body
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatal(err)
	}
	v := url.Values{}
	AddTo(v, e)
	header := WWWAuthenticate("Bearer", "sigil", e)
	desc := strings.TrimSuffix(header[strings.Index(header, `error_description="`)+len(`error_description="`):], `"`)
	return map[string]string{
		"JSON error_description": body.ErrorDescription, "JSON error_hint": body.ErrorHint,
		"redirect error_description": v.Get("error_description"), "WWW-Authenticate error_description": desc,
	}
}

func TestShown(t *testing.T) {
	for in, want := range map[string]string{
		"abc":                       "abc",
		`a"b`:                       "(a value with characters that cannot be shown)",
		"it's":                      "(a value with characters that cannot be shown)",
		"caf\u00e9":                 "(a value with characters that cannot be shown)",
		strings.Repeat("x", 101):    strings.Repeat("x", 100) + "...",
		"https://rp.example/cb?x=1": "https://rp.example/cb?x=1",
	} {
		if got := Shown(in); got != want {
			t.Errorf("Shown(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestWWWAuthenticate(t *testing.T) {
	if got := WWWAuthenticate("Bearer", "sigil", nil); got != `Bearer realm="sigil"` {
		t.Fatalf("without error: %s", got)
	}
	got := WWWAuthenticate("Bearer", "sigil", ErrTokenExpired.WithHint(`Token "x" is unknown.`))
	want := `Bearer realm="sigil", error="invalid_token", error_description="` + ErrTokenExpired.Description + ` Token 'x' is unknown."`
	if got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}
