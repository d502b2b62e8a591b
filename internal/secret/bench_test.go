package secret

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// sessionLike has the size and shape of the session cookie's content: the
// signed sign-in message is most of it.
type sessionLike struct {
	ID        string    `json:"sid"`
	Subject   string    `json:"sub"`
	Address   string    `json:"addr"`
	AuthTime  time.Time `json:"auth_time"`
	Hint      string    `json:"wth"`
	Message   string    `json:"msg"`
	Signature string    `json:"sig"`
}

func benchValue() sessionLike {
	return sessionLike{ID: strings.Repeat("a", 32), Subject: "bench.crypto", Address: "0x" + strings.Repeat("b", 40),
		AuthTime: time.Unix(1765000000, 0), Hint: "web3", Message: strings.Repeat("m", 420), Signature: "0x" + strings.Repeat("c", 130)}
}

// BenchmarkSeal and BenchmarkOpen are the cost of one sealed cookie: every
// sign-in seals two (challenge, session) and opens one.
func BenchmarkSeal(b *testing.B) {
	k, _ := Derive(bytes.Repeat([]byte{1}, 32))
	v, now := benchValue(), time.Now()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := k.Seal("session", v, time.Hour, now); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkOpen(b *testing.B) {
	k, _ := Derive(bytes.Repeat([]byte{1}, 32))
	now := time.Now()
	sealed, err := k.Seal("session", benchValue(), time.Hour, now)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		var v sessionLike
		if err := k.Open("session", sealed, &v, now); err != nil {
			b.Fatal(err)
		}
	}
}
