package basicauth

import (
	"encoding/base64"
	"errors"
	"net/http/httptest"
	"testing"
)

func TestFromRequest(t *testing.T) {
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	for _, c := range []struct {
		name       string
		headers    []string
		id, secret string
		ok         bool
		err        error
	}{
		{"none", nil, "", "", false, nil},
		{"plain", []string{"Basic " + b64("app:s3cret")}, "app", "s3cret", true, nil},
		{"scheme in any case", []string{"bAsIc " + b64("app:s3cret")}, "app", "s3cret", true, nil},
		{"several spaces", []string{"Basic    " + b64("app:s3cret")}, "app", "s3cret", true, nil},
		{"form-urlencoded parts", []string{"Basic " + b64("my%3Aapp:a+b%25c")}, "my:app", "a b%c", true, nil},
		{"a colon in the secret", []string{"Basic " + b64("app:a:b")}, "app", "a:b", true, nil},
		{"empty secret", []string{"Basic " + b64("app:")}, "app", "", true, nil},
		{"two headers", []string{"Basic " + b64("a:b"), "Basic " + b64("c:d")}, "", "", false, ErrSeveralHeaders},
		{"Bearer", []string{"Bearer " + b64("app:s3cret")}, "", "", false, ErrScheme},
		{"no space", []string{"Basic" + b64("app:s3cret")}, "", "", false, ErrScheme},
		{"not base64", []string{"Basic !!!"}, "", "", false, ErrBase64},
		{"no colon", []string{"Basic " + b64("app")}, "", "", false, ErrNoColon},
		{"bad percent-encoding", []string{"Basic " + b64("app%zz:s")}, "", "", false, ErrEncoding},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/", nil)
			for _, h := range c.headers {
				r.Header.Add("Authorization", h)
			}
			id, secret, ok, err := FromRequest(r)
			if id != c.id || secret != c.secret || ok != c.ok || !errors.Is(err, c.err) || (c.err == nil) != (err == nil) {
				t.Fatalf("FromRequest = %q, %q, %v, %v; want %q, %q, %v, %v", id, secret, ok, err, c.id, c.secret, c.ok, c.err)
			}
		})
	}
}
