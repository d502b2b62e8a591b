package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/sigil-oidc/sigil"
)

// racers is how many callers each concurrency test sets on one record: more
// than any pool has connections, so that writers also queue in the driver.
const racers = 100

// concurrency races many callers on one step of one authorization, as a
// fleet of nodes behind a load balancer may when a client retries or an
// attacker replays: exactly one caller wins, and every other one gets
// sigil.ErrNotFound or sigil.ErrConflict, never a database's busy, lock
// timeout, deadlock or serialization error (which the HTTP layer would turn
// into a 500).
func (s suite) concurrency(t *testing.T) {
	t.Run("ExchangeCode", s.raceExchange)
	t.Run("RefreshAuthorization", s.raceRefresh)
	t.Run("AuthenticateAuthorization", s.raceAuthenticate)
	t.Run("GrantAuthorization", s.raceGrant)
	t.Run("RejectVersusGrant", s.raceRejectGrant)
}

// race starts n calls of step at once and returns their errors.
func race(n int, step func(i int) error) []error {
	var (
		wg    sync.WaitGroup
		start = make(chan struct{})
		errs  = make([]error, n)
	)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs[i] = step(i)
		}()
	}
	close(start)
	wg.Wait()
	return errs
}

// oneWinner checks that exactly one call succeeded and that every other
// one lost with ErrNotFound or ErrConflict; it returns the winner's index.
func oneWinner(t *testing.T, what string, errs []error) int {
	t.Helper()
	winner, won := -1, 0
	for i, err := range errs {
		switch {
		case err == nil:
			winner = i
			won++
		case errors.Is(err, sigil.ErrConflict), errors.Is(err, sigil.ErrNotFound):
		default:
			t.Errorf("%s #%d: %v, want success, ErrConflict or ErrNotFound", what, i, err)
		}
	}
	if won != 1 {
		t.Errorf("%d of %d racing %s calls succeeded, want exactly 1", won, len(errs), what)
	}
	return winner
}

// raceExchange redeems one code 100 times at once: one token response;
// the replays find the code used and revoke the authorization (RFC 9700
// section 4.5), so it ends revoked.
func (s suite) raceExchange(t *testing.T) {
	st, a := s.setup(t)
	code := codeIssued(t, st, a)
	errs := race(racers, func(i int) error {
		ex := exchangeFor(a, code, exchangeNow)
		ex.AccessTokenHash = hash(fmt.Sprintf("token %d", i))
		_, err := st.ExchangeCode(context.Background(), ex, exchangeNow)
		return err
	})
	oneWinner(t, "ExchangeCode", errs)
	wantState(t, st, a.ID, sigil.StateRevoked)
}

// raceRefresh presents one refresh token 100 times at once: one rotation;
// to the store the rest are reuse of a rotated-out token, which revokes the
// family (RFC 9700 section 4.14.2).
func (s suite) raceRefresh(t *testing.T) {
	st, a := s.setup(t)
	refreshable(t, st, a)
	now := exchangeNow.Add(time.Minute)
	errs := race(racers, func(i int) error {
		ex := refreshFor("family-"+a.ID, a.ClientID, 0, now)
		ex.NewRefreshTokenHash = hash(fmt.Sprintf("refresh %d", i))
		ex.AccessTokenHash = hash(fmt.Sprintf("access %d", i))
		_, err := st.RefreshAuthorization(context.Background(), ex, now)
		return err
	})
	oneWinner(t, "RefreshAuthorization", errs)
	wantState(t, st, a.ID, sigil.StateRevoked)
}

// raceAuthenticate answers one challenge 100 times at once, each opening
// its own session: one sign-in, and one session.
func (s suite) raceAuthenticate(t *testing.T) {
	st, a := s.setup(t)
	ch := challenged(t, st, a)
	now := t0.Add(2 * time.Minute)
	errs := race(racers, func(i int) error {
		auth := authenticationFor(a, ch, now)
		auth.SessionID = fmt.Sprintf("session %d", i)
		auth.Session = &sigil.Session{ID: auth.SessionID, AuthTime: now, ExpiresAt: now.Add(time.Hour), Clients: []string{a.ClientID}}
		_, err := st.AuthenticateAuthorization(context.Background(), a.ID, a.BrowserHash, auth, now)
		return err
	})
	if live, err := st.ListSessions(context.Background(), ch.Subject, now); err != nil || len(live) != 1 {
		t.Errorf("after the race: %d sessions (%v), want 1", len(live), err)
	}
	winner := oneWinner(t, "AuthenticateAuthorization", errs)
	got, err := st.GetAuthorization(context.Background(), a.ID)
	if err != nil {
		t.Fatalf("GetAuthorization: %v", err)
	}
	if got.State != sigil.StateAuthenticated || got.SessionID != fmt.Sprintf("session %d", winner) {
		t.Errorf("after the race: state %s, session %q; want authenticated by #%d", got.State, got.SessionID, winner)
	}
}

// raceGrant consents to one flow 100 times at once, each with its own
// code: one code is issued, and it is the winner's.
func (s suite) raceGrant(t *testing.T) {
	st, a := s.setup(t)
	authenticated(t, st, a)
	now := t0.Add(3 * time.Minute)
	errs := race(racers, func(i int) error {
		_, err := st.GrantAuthorization(context.Background(), a.ID, a.BrowserHash, a.Scope,
			hash(fmt.Sprintf("code %d", i)), now.Add(codeTTL), now)
		return err
	})
	winner := oneWinner(t, "GrantAuthorization", errs)
	got, err := st.GetAuthorization(context.Background(), a.ID)
	if err != nil {
		t.Fatalf("GetAuthorization: %v", err)
	}
	if got.State != sigil.StateCodeIssued || string(got.CodeHash) != string(hash(fmt.Sprintf("code %d", winner))) {
		t.Errorf("after the race: state %s; want code_issued with #%d's code", got.State, winner)
	}
}

// raceRejectGrant races declining against consenting on one flow (two
// tabs, or a double click on both buttons): one decision wins and the
// stored state is that decision.
func (s suite) raceRejectGrant(t *testing.T) {
	st, a := s.setup(t)
	authenticated(t, st, a)
	now := t0.Add(3 * time.Minute)
	errs := race(racers, func(i int) error {
		var err error
		if i%2 == 0 {
			_, err = st.RejectAuthorization(context.Background(), a.ID, a.BrowserHash, now)
		} else {
			_, err = st.GrantAuthorization(context.Background(), a.ID, a.BrowserHash, a.Scope,
				hash(fmt.Sprintf("code %d", i)), now.Add(codeTTL), now)
		}
		return err
	})
	winner := oneWinner(t, "RejectAuthorization or GrantAuthorization", errs)
	want := sigil.StateCodeIssued
	if winner%2 == 0 {
		want = sigil.StateRejected
	}
	wantState(t, st, a.ID, want)
}
