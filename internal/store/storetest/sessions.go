package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/sigil-oidc/sigil"
)

// sessions checks the login sessions and the consents as the person and the
// operator manage them: a session ended once is ended for every reader,
// single sign-on records each client once and reads the consent in the same
// statement, and revoking a consent revokes what was issued under it.
func (s suite) sessions(t *testing.T) {
	t.Run("RoundTrip", s.sessionRoundTrip)
	t.Run("RequiredAndDuplicate", s.sessionRequiredAndDuplicate)
	t.Run("Resume", s.sessionResume)
	t.Run("ResumeWildcardClient", s.sessionResumeWildcard)
	t.Run("ListAndEnd", s.sessionListAndEnd)
	t.Run("EndAll", s.sessionEndAll)
	t.Run("DeleteExpired", s.sessionDeleteExpired)
	t.Run("Statements", s.sessionStatements)
	t.Run("ListConsents", s.consentList)
	t.Run("RevokeConsent", s.consentRevoke)
}

// newSession is a session of subject signed in at t0 to client, live for a
// day.
func newSession(id, subject, client string) sigil.Session {
	return sigil.Session{ID: id, Subject: subject, Address: "0x00000000000000000000000000000000000A11CE",
		AuthTime: t0, ExpiresAt: t0.Add(24 * time.Hour), Clients: []string{client}}
}

func mustSession(t *testing.T, st sigil.Store, sess sigil.Session) {
	t.Helper()
	if err := st.CreateSession(context.Background(), sess); err != nil {
		t.Fatalf("CreateSession(%s): %v", sess.ID, err)
	}
}

func (s suite) sessionRoundTrip(t *testing.T) {
	st := s.open(t)
	want := newSession("sid-1", "alice.crypto", "rp")
	mustSession(t, st, want)
	got, err := st.GetSession(context.Background(), "sid-1")
	if err != nil {
		t.Fatalf("GetSession: %v", err)
	}
	equalFields(t, "session", *got, want)
	_, err = st.GetSession(context.Background(), "nope")
	wantErr(t, "GetSession(missing)", err, sigil.ErrNotFound)
}

func (s suite) sessionRequiredAndDuplicate(t *testing.T) {
	st := s.open(t)
	ctx := context.Background()
	for name, sess := range map[string]sigil.Session{
		"no id":       {Subject: "a.crypto", AuthTime: t0, ExpiresAt: t0.Add(time.Hour)},
		"no subject":  {ID: "x", AuthTime: t0, ExpiresAt: t0.Add(time.Hour)},
		"no times":    {ID: "x", Subject: "a.crypto"},
		"no expiry":   {ID: "x", Subject: "a.crypto", AuthTime: t0},
		"no authtime": {ID: "x", Subject: "a.crypto", ExpiresAt: t0.Add(time.Hour)},
	} {
		if err := st.CreateSession(ctx, sess); err == nil {
			t.Errorf("CreateSession(%s) succeeded", name)
		}
	}
	mustSession(t, st, newSession("sid-1", "alice.crypto", "rp"))
	wantErr(t, "CreateSession(duplicate)", st.CreateSession(ctx, newSession("sid-1", "bob.crypto", "rp")), sigil.ErrConflict)
}

func (s suite) sessionResume(t *testing.T) {
	st := s.open(t)
	ctx := context.Background()
	for _, id := range []string{"rp", "other", "third"} {
		mustClient(t, st, id)
	}
	mustSession(t, st, newSession("sid-1", "alice.crypto", "rp"))
	// A consent the domain's previous owner gave is not this session's.
	if err := st.SaveConsent(ctx, sigil.Consent{Subject: "alice.crypto", Address: "0x00000000000000000000000000000000000B0B00",
		ClientID: "third", Scope: sigil.Scopes{"openid"}, GrantedAt: t0}); err != nil {
		t.Fatal(err)
	}
	if _, remembered, err := st.ResumeSession(ctx, "sid-1", "third", t0.Add(time.Minute)); err != nil || remembered != nil {
		t.Fatalf("ResumeSession(third) = %q, %v; want no remembered consent (a previous owner's)", remembered, err)
	}
	if err := st.SaveConsent(ctx, sigil.Consent{Subject: "alice.crypto", Address: newSession("", "", "").Address,
		ClientID: "other", Scope: sigil.Scopes{"openid", "wallet"}, GrantedAt: t0}); err != nil {
		t.Fatal(err)
	}
	// Another subject's consent is not this session's.
	if err := st.SaveConsent(ctx, sigil.Consent{Subject: "bob.crypto", ClientID: "third", Scope: sigil.Scopes{"openid"}, GrantedAt: t0}); err != nil {
		t.Fatal(err)
	}
	now := t0.Add(time.Hour)
	got, remembered, err := st.ResumeSession(ctx, "sid-1", "other", now)
	// third is not recorded: the person never consented to it (the
	// consent is the previous owner's), so it must learn nothing of them,
	// not even from this session's back-channel logout.
	if err != nil || remembered.String() != "openid wallet" || !reflect.DeepEqual(got.Clients, []string{"rp", "other"}) {
		t.Fatalf("ResumeSession(other) = %+v, %q, %v; want clients [rp other] and the remembered consent", got, remembered, err)
	}
	// A client already there is not added twice; a client without consent
	// reads nil and is not recorded.
	for _, c := range []string{"rp", "other", "third", "rp"} {
		got, remembered, err = st.ResumeSession(ctx, "sid-1", c, now)
		if err != nil {
			t.Fatalf("ResumeSession(%s): %v", c, err)
		}
		if c == "third" && remembered != nil {
			t.Errorf("ResumeSession(third) remembered %q, want nil (the consent is bob's)", remembered)
		}
	}
	if want := []string{"rp", "other"}; !reflect.DeepEqual(got.Clients, want) {
		t.Errorf("clients %q, want %q", got.Clients, want)
	}
	if stored, _ := st.GetSession(ctx, "sid-1"); !reflect.DeepEqual(stored.Clients, got.Clients) {
		t.Errorf("stored clients %q, returned %q", stored.Clients, got.Clients)
	}
	// Not live: missing, expired, ended. Nothing changes.
	_, _, err = st.ResumeSession(ctx, "nope", "rp", now)
	wantErr(t, "ResumeSession(missing)", err, sigil.ErrNotFound)
	_, _, err = st.ResumeSession(ctx, "sid-1", "rp", t0.Add(24*time.Hour))
	wantErr(t, "ResumeSession(at expiry)", err, sigil.ErrNotFound)
	if _, err := st.EndSession(ctx, "sid-1", now); err != nil {
		t.Fatal(err)
	}
	_, _, err = st.ResumeSession(ctx, "sid-1", "late", now)
	wantErr(t, "ResumeSession(ended)", err, sigil.ErrNotFound)
	if stored, _ := st.GetSession(ctx, "sid-1"); len(stored.Clients) != 2 {
		t.Errorf("an ended session gained a client: %q", stored.Clients)
	}
}

// sessionResumeWildcard: client ids may hold LIKE's wildcard "_"; "a_c"
// must not count as present because "abc" is.
func (s suite) sessionResumeWildcard(t *testing.T) {
	st := s.open(t)
	ctx := context.Background()
	mustSession(t, st, newSession("sid-1", "alice.crypto", "abc"))
	for _, id := range []string{"abc", "a_c", "a%"} {
		mustClient(t, st, id)
		if err := st.SaveConsent(ctx, sigil.Consent{Subject: "alice.crypto", Address: newSession("", "", "").Address,
			ClientID: id, Scope: sigil.Scopes{"openid"}, GrantedAt: t0}); err != nil {
			t.Fatal(err)
		}
	}
	got, _, err := st.ResumeSession(ctx, "sid-1", "a_c", t0.Add(time.Minute))
	if err != nil || !reflect.DeepEqual(got.Clients, []string{"abc", "a_c"}) {
		t.Fatalf("ResumeSession(a_c) = %v, %v; want [abc a_c]", got, err)
	}
	got, _, err = st.ResumeSession(ctx, "sid-1", "a%", t0.Add(time.Minute))
	if err != nil || !reflect.DeepEqual(got.Clients, []string{"abc", "a_c", "a%"}) {
		t.Fatalf("ResumeSession(a%%) = %v, %v", got, err)
	}
}

func (s suite) sessionListAndEnd(t *testing.T) {
	st := s.open(t)
	ctx := context.Background()
	older := newSession("sid-old", "alice.crypto", "rp")
	newer := newSession("sid-new", "alice.crypto", "rp")
	newer.AuthTime = t0.Add(time.Hour)
	expired := newSession("sid-expired", "alice.crypto", "rp")
	expired.ExpiresAt = t0.Add(time.Minute)
	for _, sess := range []sigil.Session{older, newer, expired, newSession("sid-bob", "bob.crypto", "rp")} {
		mustSession(t, st, sess)
	}
	now := t0.Add(2 * time.Hour)
	list, err := st.ListSessions(ctx, "alice.crypto", now)
	if err != nil || len(list) != 2 || list[0].ID != "sid-new" || list[1].ID != "sid-old" {
		t.Fatalf("ListSessions = %+v, %v; want sid-new, sid-old", list, err)
	}
	if list, err := st.ListSessions(ctx, "nobody.crypto", now); err != nil || list == nil || len(list) != 0 {
		t.Fatalf("ListSessions(nobody) = %#v, %v; want an empty slice", list, err)
	}
	ended, err := st.EndSession(ctx, "sid-old", now)
	if err != nil || ended.ID != "sid-old" || !ended.EndedAt.Equal(now) || !reflect.DeepEqual(ended.Clients, []string{"rp"}) {
		t.Fatalf("EndSession = %+v, %v", ended, err)
	}
	_, err = st.EndSession(ctx, "sid-old", now)
	wantErr(t, "EndSession(again)", err, sigil.ErrNotFound)
	_, err = st.EndSession(ctx, "sid-expired", now)
	wantErr(t, "EndSession(expired)", err, sigil.ErrNotFound)
	_, err = st.EndSession(ctx, "nope", now)
	wantErr(t, "EndSession(missing)", err, sigil.ErrNotFound)
	if got, err := st.GetSession(ctx, "sid-old"); err != nil || !got.EndedAt.Equal(now) {
		t.Fatalf("GetSession(ended) = %+v, %v", got, err)
	}
	if list, _ := st.ListSessions(ctx, "alice.crypto", now); len(list) != 1 || list[0].ID != "sid-new" {
		t.Fatalf("after EndSession: %+v", list)
	}
}

func (s suite) sessionEndAll(t *testing.T) {
	st := s.open(t)
	ctx := context.Background()
	a, b := newSession("sid-a", "alice.crypto", "rp"), newSession("sid-b", "alice.crypto", "other")
	for _, sess := range []sigil.Session{a, b, newSession("sid-bob", "bob.crypto", "rp")} {
		mustSession(t, st, sess)
	}
	now := t0.Add(time.Hour)
	if _, err := st.EndSession(ctx, "sid-a", now); err != nil {
		t.Fatal(err)
	}
	ended, err := st.EndSessions(ctx, "alice.crypto", now.Add(time.Minute))
	// sid-a ended already, so it is not ended (nor reported) again.
	if err != nil || len(ended) != 1 || ended[0].ID != "sid-b" || !reflect.DeepEqual(ended[0].Clients, []string{"other"}) || ended[0].EndedAt.IsZero() {
		t.Fatalf("EndSessions = %+v, %v; want sid-b only", ended, err)
	}
	if again, err := st.EndSessions(ctx, "alice.crypto", now.Add(time.Minute)); err != nil || again == nil || len(again) != 0 {
		t.Fatalf("EndSessions(again) = %#v, %v; want an empty slice", again, err)
	}
	if list, _ := st.ListSessions(ctx, "bob.crypto", now); len(list) != 1 {
		t.Fatalf("bob's session was ended too: %+v", list)
	}
}

func (s suite) sessionDeleteExpired(t *testing.T) {
	st := s.open(t)
	ctx := context.Background()
	cutoff := t0.Add(48 * time.Hour)
	live := newSession("sid-live", "alice.crypto", "rp")
	live.ExpiresAt = cutoff.Add(time.Second)
	expired := newSession("sid-expired", "alice.crypto", "rp")
	endedEarly := newSession("sid-ended", "alice.crypto", "rp")
	endedEarly.ExpiresAt = cutoff.Add(time.Hour)
	for _, sess := range []sigil.Session{live, expired, endedEarly} {
		mustSession(t, st, sess)
	}
	if _, err := st.EndSession(ctx, "sid-ended", t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	n, err := st.DeleteExpired(ctx, cutoff)
	if err != nil || n != 2 {
		t.Fatalf("DeleteExpired = %d, %v; want the expired and the ended session", n, err)
	}
	if _, err := st.GetSession(ctx, "sid-live"); err != nil {
		t.Errorf("live session deleted: %v", err)
	}
	for _, id := range []string{"sid-expired", "sid-ended"} {
		_, err := st.GetSession(ctx, id)
		wantErr(t, "GetSession("+id+")", err, sigil.ErrNotFound)
	}

	// A wave larger than one cleanup batch (the SQL stores delete 100 or
	// 500 rows a statement) goes in one call all the same.
	const wave = 1234
	for i := range wave {
		mustSession(t, st, newSession(fmt.Sprintf("sid-wave-%d", i), "carol.crypto", "rp"))
	}
	n, err = st.DeleteExpired(ctx, cutoff)
	if err != nil || n != wave {
		t.Fatalf("DeleteExpired of a wave = %d, %v; want %d", n, err, wave)
	}
	if _, err := st.GetSession(ctx, "sid-live"); err != nil {
		t.Errorf("live session deleted with the wave: %v", err)
	}
}

// sessionStatements: every session method is one statement, so that
// sign-in (CreateSession) and single sign-on (ResumeSession, which replaces
// GetConsent) keep the flow's budget (docs/benchmarks.md).
func (s suite) sessionStatements(t *testing.T) {
	st := s.open(t)
	counter, ok := st.(StatementCounter)
	if !ok {
		t.Skip("store does not count statements")
	}
	ctx := context.Background()
	mustClient(t, st, "rp")
	now := t0.Add(time.Minute)
	for name, call := range map[string]func() error{
		"CreateSession": func() error { return st.CreateSession(ctx, newSession("sid-1", "alice.crypto", "rp")) },
	} {
		before := counter.Statements()
		if err := call(); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if n := counter.Statements() - before; n != 1 {
			t.Errorf("%s sent %d statements, want 1", name, n)
		}
	}
	steps := []struct {
		name string
		call func() error
	}{
		{"GetSession", func() error { _, err := st.GetSession(ctx, "sid-1"); return err }},
		{"ResumeSession", func() error { _, _, err := st.ResumeSession(ctx, "sid-1", "rp", now); return err }},
		{"ListSessions", func() error { _, err := st.ListSessions(ctx, "alice.crypto", now); return err }},
		{"ListConsents", func() error { _, err := st.ListConsents(ctx, "alice.crypto"); return err }},
		{"EndSession", func() error { _, err := st.EndSession(ctx, "sid-1", now); return err }},
		{"EndSessions", func() error { _, err := st.EndSessions(ctx, "alice.crypto", now); return err }},
	}
	for _, step := range steps {
		before := counter.Statements()
		if err := step.call(); err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		if n := counter.Statements() - before; n != 1 {
			t.Errorf("%s sent %d statements, want 1", step.name, n)
		}
	}
}

func (s suite) consentList(t *testing.T) {
	st := s.open(t)
	ctx := context.Background()
	for _, id := range []string{"zeta", "alpha"} {
		mustClient(t, st, id)
	}
	if list, err := st.ListConsents(ctx, "alice.crypto"); err != nil || list == nil || len(list) != 0 {
		t.Fatalf("ListConsents(none) = %#v, %v; want an empty slice", list, err)
	}
	for _, c := range []sigil.Consent{
		{Subject: "alice.crypto", ClientID: "zeta", Scope: sigil.Scopes{"openid", "email"}, GrantedAt: t0},
		{Subject: "alice.crypto", ClientID: "alpha", Scope: sigil.Scopes{"openid"}, GrantedAt: t0.Add(time.Hour)},
		{Subject: "bob.crypto", ClientID: "alpha", Scope: sigil.Scopes{"openid"}, GrantedAt: t0},
	} {
		if err := st.SaveConsent(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	list, err := st.ListConsents(ctx, "alice.crypto")
	want := []sigil.Consent{
		{Subject: "alice.crypto", ClientID: "alpha", Scope: sigil.Scopes{"openid"}, GrantedAt: t0.Add(time.Hour)},
		{Subject: "alice.crypto", ClientID: "zeta", Scope: sigil.Scopes{"openid", "email"}, GrantedAt: t0},
	}
	if err != nil || len(list) != 2 {
		t.Fatalf("ListConsents = %+v, %v", list, err)
	}
	for i := range want {
		equalFields(t, "consent "+want[i].ClientID, list[i], want[i])
	}
}

// consentRevoke: the consent is forgotten and the subject's codes and
// tokens at that client stop working; other subjects and clients keep
// theirs.
func (s suite) consentRevoke(t *testing.T) {
	st := s.open(t)
	ctx := context.Background()
	c := mustClient(t, st, "rp")
	other := mustClient(t, st, "other")
	// alice's exchanged grant at rp, with a refresh token.
	a := newRequest("flow-alice", c)
	mustCreate(t, st, a)
	ex, _ := refreshable(t, st, a)
	// alice's unredeemed code at rp.
	pending := newRequest("flow-pending", c)
	mustCreate(t, st, pending)
	pendingCode := codeIssued(t, st, pending)
	// alice at another client, and another subject at rp.
	elsewhere := newRequest("flow-elsewhere", other)
	mustCreate(t, st, elsewhere)
	elsewhereEx, _ := refreshable(t, st, elsewhere)
	bobEx := exchangedAs(t, st, newRequest("flow-bob", c), "bob.crypto")
	for _, cs := range []sigil.Consent{
		{Subject: "alice.crypto", ClientID: "rp", Scope: sigil.Scopes{"openid"}, GrantedAt: t0},
		{Subject: "alice.crypto", ClientID: "other", Scope: sigil.Scopes{"openid"}, GrantedAt: t0},
	} {
		if err := st.SaveConsent(ctx, cs); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.RevokeConsent(ctx, "alice.crypto", "rp"); err != nil {
		t.Fatalf("RevokeConsent: %v", err)
	}
	if _, err := st.GetConsent(ctx, "alice.crypto", "rp"); !errors.Is(err, sigil.ErrNotFound) {
		t.Errorf("consent still there: %v", err)
	}
	if _, err := st.GetConsent(ctx, "alice.crypto", "other"); err != nil {
		t.Errorf("the consent to another client went too: %v", err)
	}
	_, err := st.GetAuthorizationByAccessToken(ctx, ex.AccessTokenHash, exchangeNow)
	wantErr(t, "access token after RevokeConsent", err, sigil.ErrNotFound)
	_, err = st.GetAuthorizationByRefreshToken(ctx, ex.RefreshTokenHash, exchangeNow)
	wantErr(t, "refresh token after RevokeConsent", err, sigil.ErrNotFound)
	_, err = st.RefreshAuthorization(ctx, refreshFor(ex.RefreshFamily, c.ID, 0, exchangeNow), exchangeNow)
	if err == nil {
		t.Error("refresh after RevokeConsent succeeded")
	}
	wantState(t, st, pending.ID, sigil.StateRevoked)
	_, err = st.ExchangeCode(ctx, exchangeFor(pending, pendingCode, exchangeNow), exchangeNow)
	if err == nil {
		t.Error("a code issued before RevokeConsent was exchanged")
	}
	if _, err := st.GetAuthorizationByAccessToken(ctx, elsewhereEx.AccessTokenHash, exchangeNow); err != nil {
		t.Errorf("the token at another client was revoked: %v", err)
	}
	if _, err := st.GetAuthorizationByAccessToken(ctx, bobEx.AccessTokenHash, exchangeNow); err != nil {
		t.Errorf("another subject's token at the client was revoked: %v", err)
	}
	// Nothing left to revoke: ErrNotFound.
	wantErr(t, "RevokeConsent(again)", st.RevokeConsent(ctx, "alice.crypto", "rp"), sigil.ErrNotFound)
	wantErr(t, "RevokeConsent(nobody)", st.RevokeConsent(ctx, "nobody.crypto", "rp"), sigil.ErrNotFound)
	// Tokens without a remembered consent are revoked too (the person
	// consented without "remember").
	if err := st.RevokeConsent(ctx, "alice.crypto", "other"); err != nil {
		t.Fatal(err)
	}
	third := newRequest("flow-third", other)
	mustCreate(t, st, third)
	thirdEx, _ := refreshable(t, st, third)
	if err := st.RevokeConsent(ctx, "alice.crypto", "other"); err != nil {
		t.Fatalf("RevokeConsent(tokens, no consent): %v", err)
	}
	_, err = st.GetAuthorizationByAccessToken(ctx, thirdEx.AccessTokenHash, exchangeNow)
	wantErr(t, "access token without consent after RevokeConsent", err, sigil.ErrNotFound)
}

// exchangedAs runs a through challenge, sign-in, consent and code exchange
// with subject signing in, and returns the exchange.
func exchangedAs(t *testing.T, st sigil.Store, a *sigil.Authorization, subject string) sigil.CodeExchange {
	t.Helper()
	ctx := context.Background()
	mustCreate(t, st, a)
	now := t0.Add(3 * time.Minute) // the code is still valid at exchangeNow
	ch := challengeFor(a, 0, now)
	ch.Subject = subject
	if _, err := st.ChallengeAuthorization(ctx, a.ID, a.BrowserHash, ch, now); err != nil {
		t.Fatalf("ChallengeAuthorization: %v", err)
	}
	if _, err := st.AuthenticateAuthorization(ctx, a.ID, a.BrowserHash, authenticationFor(a, ch, now), now); err != nil {
		t.Fatalf("AuthenticateAuthorization: %v", err)
	}
	code := hash("code-" + a.ID)
	if _, err := st.GrantAuthorization(ctx, a.ID, a.BrowserHash, a.Scope, code, now.Add(codeTTL), now); err != nil {
		t.Fatalf("GrantAuthorization: %v", err)
	}
	ex := exchangeFor(a, code, exchangeNow)
	if _, err := st.ExchangeCode(ctx, ex, exchangeNow); err != nil {
		t.Fatalf("ExchangeCode: %v", err)
	}
	return ex
}

// authOpensSession: AuthenticateAuthorization with a Session stores it
// with the sign-in, for the authorization's subject, address and client
// whatever the Session says; a sign-in that does not match (a wrong nonce, a flow
// authenticated already) stores no session, and a Session without its
// required fields is refused before anything is written.
func (s suite) authOpensSession(t *testing.T) {
	st, a := s.setup(t)
	ctx := context.Background()
	ch := challenged(t, st, a)
	now := t0.Add(2 * time.Minute)
	opening := func(id string) sigil.Authentication {
		auth := authenticationFor(a, ch, now)
		auth.SessionID = id
		auth.Session = &sigil.Session{ID: id, Subject: "mallory.crypto", Address: "0x0000000000000000000000000000000000BADBAD",
			AuthTime: now, ExpiresAt: now.Add(24 * time.Hour), Clients: []string{"not-the-client"}}
		return auth
	}
	incomplete := opening("sid-incomplete")
	incomplete.Session.ExpiresAt = time.Time{}
	if _, err := st.AuthenticateAuthorization(ctx, a.ID, a.BrowserHash, incomplete, now); err == nil {
		t.Fatal("a session without ExpiresAt was accepted")
	}
	wantState(t, st, a.ID, sigil.StateChallenged)

	wrong := opening("sid-wrong-nonce")
	wrong.ChallengeNonce = "not-the-challenge"
	_, err := st.AuthenticateAuthorization(ctx, a.ID, a.BrowserHash, wrong, now)
	wantErr(t, "wrong nonce", err, sigil.ErrConflict)

	got, err := st.AuthenticateAuthorization(ctx, a.ID, a.BrowserHash, opening("sid-1"), now)
	if err != nil || got.State != sigil.StateAuthenticated || got.SessionID != "sid-1" {
		t.Fatalf("AuthenticateAuthorization: %v, %+v", err, got)
	}
	sess, err := st.GetSession(ctx, "sid-1")
	if err != nil {
		t.Fatalf("GetSession: %v", err)
	}
	// No code was issued (the person has not consented yet): the session
	// does not list the client, which learns nothing of the person until
	// the consent issues a code and records it.
	want := sigil.Session{ID: "sid-1", Subject: ch.Subject, Address: ch.Address, AuthTime: now,
		ExpiresAt: now.Add(24 * time.Hour)}
	equalFields(t, "session", *sess, want)
	granted := now.Add(time.Minute)
	if _, err := st.GrantAuthorization(ctx, a.ID, a.BrowserHash, a.Scope, hash("code-"+a.ID), granted.Add(codeTTL), granted); err != nil {
		t.Fatalf("GrantAuthorization: %v", err)
	}
	if sess, err := st.GetSession(ctx, "sid-1"); err != nil || !reflect.DeepEqual(sess.Clients, []string{a.ClientID}) {
		t.Fatalf("the session after the grant: %+v, %v; want it to list %s", sess, err, a.ClientID)
	}

	_, err = st.AuthenticateAuthorization(ctx, a.ID, a.BrowserHash, opening("sid-twice"), now)
	wantErr(t, "second sign-in", err, sigil.ErrConflict)
	for _, id := range []string{"sid-incomplete", "sid-wrong-nonce", "sid-twice"} {
		if _, err := st.GetSession(ctx, id); !errors.Is(err, sigil.ErrNotFound) {
			t.Errorf("GetSession(%s) after a sign-in that failed: %v, want ErrNotFound", id, err)
		}
	}
}

// authRenewsSession: a sign-in with RenewSession renews the live session
// it names (sign-in time, expiry, the client added once) in the same write,
// and keeps its id. A session that has ended, or another person's, is not
// renewed: the whole sign-in changes nothing and fails with ErrConflict,
// the flow still challenged, so that the caller can sign in with a new
// session.
func (s suite) authRenewsSession(t *testing.T) {
	st := s.open(t)
	ctx := context.Background()
	first, second := mustClient(t, st, "rp"), mustClient(t, st, "rp_2")
	now := t0.Add(2 * time.Minute)
	signIn := func(flow string, c *sigil.Client, sid string, renew bool, at time.Time) (*sigil.Authorization, error) {
		t.Helper()
		a := newRequest(flow, c)
		mustCreate(t, st, a)
		ch := challengeFor(a, 0, at.Add(-time.Second))
		if _, err := st.ChallengeAuthorization(ctx, a.ID, a.BrowserHash, ch, at.Add(-time.Second)); err != nil {
			t.Fatalf("ChallengeAuthorization: %v", err)
		}
		auth := authenticationFor(a, ch, at)
		auth.SessionID = sid
		auth.Session = &sigil.Session{ID: sid, AuthTime: at, ExpiresAt: at.Add(24 * time.Hour)}
		auth.RenewSession = renew
		// A remembered consent: the sign-in issues a code, so the session
		// lists the client.
		auth.GrantedScope, auth.CodeHash, auth.CodeExpiresAt = a.Scope, hash("code-"+flow), at.Add(codeTTL)
		got, err := st.AuthenticateAuthorization(ctx, a.ID, a.BrowserHash, auth, at)
		if err == nil && got.SessionID != sid {
			t.Fatalf("AuthenticateAuthorization(%s): session %q, want %q", flow, got.SessionID, sid)
		}
		return got, err
	}
	mustSignIn := func(flow string, c *sigil.Client, sid string, renew bool, at time.Time) *sigil.Authorization {
		t.Helper()
		got, err := signIn(flow, c, sid, renew, at)
		if err != nil {
			t.Fatalf("AuthenticateAuthorization(%s): %v", flow, err)
		}
		return got
	}
	opened := mustSignIn("flow-open", first, "sid-1", false, now)
	if sess, _ := st.GetSession(ctx, "sid-1"); !reflect.DeepEqual(sess.Clients, []string{first.ID}) {
		t.Fatalf("a sign-in that issued a code: session clients %q, want [%s]", sess.Clients, first.ID)
	}

	// Signed in again, for another client (its id holds a LIKE wildcard):
	// renewed, the client added.
	later := now.Add(time.Minute)
	mustSignIn("flow-again", second, "sid-1", true, later)
	sess, err := st.GetSession(ctx, "sid-1")
	if err != nil {
		t.Fatal(err)
	}
	want := sigil.Session{ID: "sid-1", Subject: opened.Subject, Address: opened.Address, AuthTime: later,
		ExpiresAt: later.Add(24 * time.Hour), Clients: []string{first.ID, second.ID}}
	equalFields(t, "renewed session", *sess, want)
	// Again for a client it has: listed once.
	mustSignIn("flow-third", first, "sid-1", true, later.Add(time.Minute))
	if sess, _ := st.GetSession(ctx, "sid-1"); len(sess.Clients) != 2 || !sess.AuthTime.Equal(later.Add(time.Minute)) {
		t.Fatalf("renewed for a client it lists: %+v", sess)
	}
	if live, err := st.ListSessions(ctx, opened.Subject, later); err != nil || len(live) != 1 {
		t.Fatalf("live sessions after renewals: %v, %v; want the one", live, err)
	}

	// An ended session is not revived, nor another person's renewed; the
	// sign-in changes nothing and can go on with a new session.
	if _, err := st.EndSession(ctx, "sid-1", later.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	mustSession(t, st, sigil.Session{ID: "sid-bob", Subject: "bob.crypto", Address: "0x0000000000000000000000000000000000000B0B",
		AuthTime: now, ExpiresAt: now.Add(24 * time.Hour), Clients: []string{"other"}})
	for _, tc := range []struct{ flow, sid string }{{"flow-ended", "sid-1"}, {"flow-bob", "sid-bob"}} {
		at := later.Add(3 * time.Minute)
		before, _ := st.GetSession(ctx, tc.sid)
		_, err := signIn(tc.flow, second, tc.sid, true, at)
		wantErr(t, tc.flow+": renewing", err, sigil.ErrConflict)
		wantState(t, st, tc.flow, sigil.StateChallenged)
		if after, _ := st.GetSession(ctx, tc.sid); !reflect.DeepEqual(before, after) {
			t.Errorf("%s: the session changed: %+v, was %+v", tc.flow, after, before)
		}
		auth := authenticationFor(&sigil.Authorization{ID: tc.flow}, challengeFor(&sigil.Authorization{ID: tc.flow}, 0, at.Add(-time.Second)), at)
		auth.SessionID = "sid-new-" + tc.flow
		auth.Session = &sigil.Session{ID: auth.SessionID, AuthTime: at, ExpiresAt: at.Add(24 * time.Hour)}
		if got, err := st.AuthenticateAuthorization(ctx, tc.flow, hash("browser-"+tc.flow), auth, at); err != nil || got.SessionID != auth.SessionID {
			t.Fatalf("%s: signing in with a new session after: %v, %+v", tc.flow, err, got)
		}
	}
}

// grantNeedsLiveSession: the consent's grant issues no code once the
// session the flow signed in with has ended (signed out, revoked) or
// expired: it fails with ErrSessionEnded (wrapped with ErrConflict), and
// the flow stays where it was. A flow waiting at the consent step must not
// outlive its session, or its code would name a sid no back-channel logout
// will ever be sent for.
func (s suite) grantNeedsLiveSession(t *testing.T) {
	st := s.open(t)
	ctx := context.Background()
	c := mustClient(t, st, "rp")
	signedIn := func(id string, sessionTTL time.Duration) *sigil.Authorization {
		t.Helper()
		a := newRequest(id, c)
		mustCreate(t, st, a)
		ch := challenged(t, st, a)
		now := t0.Add(2 * time.Minute)
		auth := authenticationFor(a, ch, now)
		auth.Session.ExpiresAt = now.Add(sessionTTL)
		if _, err := st.AuthenticateAuthorization(ctx, a.ID, a.BrowserHash, auth, now); err != nil {
			t.Fatalf("AuthenticateAuthorization(%s): %v", id, err)
		}
		return a
	}
	grant := func(a *sigil.Authorization, at time.Time) error {
		_, err := st.GrantAuthorization(ctx, a.ID, a.BrowserHash, a.Scope, hash("code-"+a.ID), at.Add(codeTTL), at)
		return err
	}
	at := t0.Add(5 * time.Minute)

	ended := signedIn("ended", time.Hour)
	if _, err := st.EndSession(ctx, "session-ended", t0.Add(3*time.Minute)); err != nil {
		t.Fatalf("EndSession: %v", err)
	}
	err := grant(ended, at)
	wantErr(t, "grant after the session ended", err, sigil.ErrSessionEnded)
	wantErr(t, "grant after the session ended", err, sigil.ErrConflict)
	wantState(t, st, ended.ID, sigil.StateAuthenticated)

	expired := signedIn("expired", time.Minute)
	wantErr(t, "grant after the session expired", grant(expired, at), sigil.ErrSessionEnded)
	wantState(t, st, expired.ID, sigil.StateAuthenticated)

	live := signedIn("live", time.Hour)
	if err := grant(live, at); err != nil {
		t.Fatalf("grant with a live session: %v", err)
	}
	// The grant's own failures are not read as an ended session.
	err = grant(live, at)
	wantErr(t, "second grant", err, sigil.ErrConflict)
	if errors.Is(err, sigil.ErrSessionEnded) {
		t.Errorf("second grant with a live session: %v, want no ErrSessionEnded", err)
	}
}

// revokeConsentEndsWaitingFlows: revoking a person's consent to a client
// also revokes their flows to it that wait at the consent step, which need
// no wallet signature any more: whoever holds the browser's cookies could
// otherwise consent again afterwards.
func (s suite) revokeConsentEndsWaitingFlows(t *testing.T) {
	st, a := s.setup(t)
	ctx := context.Background()
	ch := challenged(t, st, a)
	now := t0.Add(2 * time.Minute)
	if _, err := st.AuthenticateAuthorization(ctx, a.ID, a.BrowserHash, authenticationFor(a, ch, now), now); err != nil {
		t.Fatalf("AuthenticateAuthorization: %v", err)
	}
	if err := st.RevokeConsent(ctx, ch.Subject, a.ClientID); err != nil {
		t.Fatalf("RevokeConsent: %v", err)
	}
	wantState(t, st, a.ID, sigil.StateRevoked)
	_, err := st.GrantAuthorization(ctx, a.ID, a.BrowserHash, a.Scope, hash("code"), now.Add(codeTTL), now)
	wantErr(t, "grant after the consent was revoked", err, sigil.ErrConflict)
}
