package cache

import (
	"testing"
	"time"
)

// TestLRU: eviction of the least recently used entry, expiry, Remove and
// update in place.
func TestLRU(t *testing.T) {
	t.Parallel()
	c := New[string, int](2)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c.Add("a", 1, t0, time.Minute)
	c.Add("b", 2, t0, time.Minute)
	if _, ok := c.Get("a", t0); !ok { // a is now the most recently used
		t.Fatal("a missing")
	}
	c.Add("c", 3, t0, time.Minute) // evicts b
	if _, ok := c.Get("b", t0); ok {
		t.Error("b survived eviction although a was used more recently")
	}
	for k, want := range map[string]int{"a": 1, "c": 3} {
		if v, ok := c.Get(k, t0); !ok || v != want {
			t.Errorf("get(%s) = %d, %v; want %d", k, v, ok, want)
		}
	}
	if _, ok := c.Get("a", t0.Add(time.Minute)); ok {
		t.Error("a served at its expiry time")
	}
	if n := c.Len(); n != 1 {
		t.Errorf("len = %d after an expired entry was read, want 1", n)
	}
	c.Remove("c")
	if _, ok := c.Get("c", t0); ok {
		t.Error("c served after Remove")
	}
	c.Add("c", 30, t0, time.Hour)
	if v, _ := c.Get("c", t0.Add(time.Minute)); v != 30 {
		t.Errorf("get(c) = %d after an update, want 30", v)
	}
	if n := c.Len(); n > 2 {
		t.Errorf("len = %d, above the cap", n)
	}
}
