// Package cache is Sigil's one in-memory cache: a bounded least-recently-used
// map whose entries expire. Every cache in front of the database or the chain
// uses it, so each has a size cap (made-up keys cannot grow memory without
// limit) and a time-to-live (what another node changed reaches this one
// within a documented bound).
package cache

import (
	"container/list"
	"sync"
	"time"
)

// LRU is a bounded least-recently-used map whose entries also expire: when
// it is full, the least recently used entry is dropped first. It is safe for
// concurrent use.
type LRU[K comparable, V any] struct {
	mu    sync.Mutex
	size  int
	ll    *list.List // front = most recently used; values are *entry[K, V]
	items map[K]*list.Element
}

// entry is one cached value and the time after which it is stale.
type entry[K comparable, V any] struct {
	key     K
	value   V
	expires time.Time
}

// New returns a cache holding at most size entries (size >= 1).
func New[K comparable, V any](size int) *LRU[K, V] {
	return &LRU[K, V]{size: size, ll: list.New(), items: make(map[K]*list.Element)}
}

// Size is the most entries the cache holds.
func (c *LRU[K, V]) Size() int { return c.size }

// Get returns the value for key if present and not expired at now. An
// expired entry is removed.
func (c *LRU[K, V]) Get(key K, now time.Time) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.items[key]
	if !ok {
		var zero V
		return zero, false
	}
	e := el.Value.(*entry[K, V])
	if !now.Before(e.expires) {
		c.ll.Remove(el)
		delete(c.items, key)
		var zero V
		return zero, false
	}
	c.ll.MoveToFront(el)
	return e.value, true
}

// Add stores value for key until now+ttl, evicting the least recently used
// entry when the cache is full.
func (c *LRU[K, V]) Add(key K, value V, now time.Time, ttl time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[key]; ok {
		e := el.Value.(*entry[K, V])
		e.value, e.expires = value, now.Add(ttl)
		c.ll.MoveToFront(el)
		return
	}
	for c.ll.Len() >= c.size {
		oldest := c.ll.Back()
		c.ll.Remove(oldest)
		delete(c.items, oldest.Value.(*entry[K, V]).key)
	}
	c.items[key] = c.ll.PushFront(&entry[K, V]{key: key, value: value, expires: now.Add(ttl)})
}

// Remove drops key, so that the next Get misses (for example when this
// node changed what the entry caches).
func (c *LRU[K, V]) Remove(key K) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[key]; ok {
		c.ll.Remove(el)
		delete(c.items, key)
	}
}

// Len returns the number of entries, expired ones included.
func (c *LRU[K, V]) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ll.Len()
}
