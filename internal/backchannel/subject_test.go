package backchannel

import (
	"testing"
	"time"

	"github.com/sigil-oidc/sigil"
)

// TestLogoutSubject: a public client's logout token names the domain; a
// pairwise client's names no sub (the domain is not its sub, and the
// owning wallet its pairwise sub is made of is not recorded), only the sid.
func TestLogoutSubject(t *testing.T) {
	notice := sigil.LogoutNotice{ClientID: "rp", SessionID: "sid-1", Subject: "alice.crypto"}
	for _, c := range []struct {
		subjectType, want string
	}{{"", "alice.crypto"}, {sigil.SubjectPublic, "alice.crypto"}, {sigil.SubjectPairwise, ""}} {
		if got := logoutSubject(&sigil.Client{ID: "rp", SubjectType: c.subjectType}, notice); got != c.want {
			t.Errorf("subject_type %q: sub %q, want %q", c.subjectType, got, c.want)
		}
	}
	claims := NewClaims("https://id.example", "rp", logoutSubject(&sigil.Client{ID: "rp", SubjectType: sigil.SubjectPairwise}, notice), notice.SessionID, time.Unix(1_800_000_000, 0))
	if claims.Subject != "" || claims.SessionID != "sid-1" {
		t.Errorf("pairwise logout token: sub %q sid %q, want no sub and sid-1 (section 2.4: sub, sid or both)", claims.Subject, claims.SessionID)
	}
}
