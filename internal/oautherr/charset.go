package oautherr

import "strings"

// RFC 6749 sections 4.1.2.1 and 5.2 (and RFC 6750 section 3 for the
// WWW-Authenticate header) allow an error_description only the characters
// %x20-21 / %x23-5B / %x5D-7E: printable ASCII and space, without '"' and
// '\'. Hints name values the caller sent, which may hold anything, so every
// description passes through Sanitize before it leaves Sigil.

// Allowed reports whether c may appear in an error_description.
func Allowed(c byte) bool {
	return c >= 0x20 && c <= 0x7e && c != '"' && c != '\\'
}

// Sanitize returns s reduced to the error_description character set: a
// double quote becomes an apostrophe (hints quote values with one), a
// backslash becomes '/', tab, CR and LF become a space, and other control
// characters and every byte of a non-ASCII character are dropped. A string
// already inside the set is returned as is, without allocating.
func Sanitize(s string) string {
	i := 0
	for i < len(s) && Allowed(s[i]) {
		i++
	}
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	b.WriteString(s[:i])
	for ; i < len(s); i++ {
		switch c := s[i]; {
		case Allowed(c):
			b.WriteByte(c)
		case c == '"':
			b.WriteByte('\'')
		case c == '\\':
			b.WriteByte('/')
		case c == '\t' || c == '\n' || c == '\r':
			b.WriteByte(' ')
		}
	}
	return b.String()
}

// maxShown bounds how much of a caller's value a hint repeats: enough to
// recognise it, not enough to make a redirect URL or a log line huge.
const maxShown = 100

// Shown is v as a hint may quote it between single quotes: v itself when it
// is short and inside the character set (and holds no quote of its own),
// its beginning followed by "..." when it is only too long, and a
// placeholder when it holds characters that cannot be shown, so a hint
// never shows a mangled value as if the caller had sent it.
func Shown(v string) string {
	for i := 0; i < len(v); i++ {
		if !Allowed(v[i]) || v[i] == '\'' {
			return "(a value with characters that cannot be shown)"
		}
	}
	if len(v) > maxShown {
		return v[:maxShown] + "..."
	}
	return v
}

// WWWAuthenticate is the value of a WWW-Authenticate header for scheme
// (Bearer or Basic) in realm. With err it adds error and error_description
// (RFC 6750 section 3); without, for a request that sent no credentials,
// it names only the realm, as section 3.1 advises.
func WWWAuthenticate(scheme, realm string, err error) string {
	v := scheme + ` realm="` + Sanitize(realm) + `"`
	if err == nil {
		return v
	}
	e := From(err)
	return v + `, error="` + Sanitize(e.Code) + `", error_description="` + e.FullDescription() + `"`
}
