package oautherr

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
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
	WriteJSON(rec, ErrInvalidScope.WithHint("Scope %q is not allowed for client %q.", "email", "abc"))
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
	if body.Error != "invalid_scope" || !strings.HasSuffix(body.ErrorDescription, `Scope "email" is not allowed for client "abc".`) ||
		!strings.HasPrefix(body.ErrorDescription, ErrInvalidScope.Description) {
		t.Fatalf("body %+v", body)
	}
	if body.ErrorHint != `Scope "email" is not allowed for client "abc".` {
		t.Fatalf("error_hint %q", body.ErrorHint)
	}
	if ErrInvalidScope.Hint != "" {
		t.Fatal("WithHint modified the catalogue entry")
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
