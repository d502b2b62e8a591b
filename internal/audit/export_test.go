package audit

// ThrottleKeys is how many keys t remembers, for tests.
func ThrottleKeys(t *Throttle) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.keys)
}
