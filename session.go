package sigil

import "time"

// Session is a person's sign-in in one browser, kept in the database so
// that it can really be ended: by RP-initiated logout, by the person ("sign
// out everywhere"), or by an operator. Its ID is the OpenID Connect "sid"
// (Front-Channel Logout 1.0 section 2, Back-Channel Logout 1.0 section 2.4);
// the browser's cookie refers to it and is honoured only while the record
// is live.
type Session struct {
	ID       string
	Subject  string
	Address  string
	AuthTime time.Time
	// ExpiresAt ends the session (--session-lifetime after sign-in).
	ExpiresAt time.Time
	// Clients are the clients this session signed in to, in the order of
	// their first sign-in: those Back-Channel Logout notifies when it ends.
	Clients []string
	// EndedAt is when the session was ended; zero while it is live.
	EndedAt time.Time
}
