package uns

import (
	"container/list"
	"sync"
	"time"
)

// cache is a bounded least-recently-used map whose entries also expire. It
// keeps Resolve from asking two networks on every sign-in step while the
// answer cannot have changed much, and its size cap keeps a stream of
// made-up names (each a cached "not found") from growing memory without
// limit: the least recently used entry is dropped first.
type cache[K comparable, V any] struct {
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

// newCache returns a cache holding at most size entries (size >= 1).
func newCache[K comparable, V any](size int) *cache[K, V] {
	return &cache[K, V]{size: size, ll: list.New(), items: make(map[K]*list.Element)}
}

// get returns the value for key if present and not expired at now. An
// expired entry is removed.
func (c *cache[K, V]) get(key K, now time.Time) (V, bool) {
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

// add stores value for key until now+ttl, evicting the least recently used
// entry when the cache is full.
func (c *cache[K, V]) add(key K, value V, now time.Time, ttl time.Duration) {
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

// len returns the number of entries, expired ones included.
func (c *cache[K, V]) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ll.Len()
}
