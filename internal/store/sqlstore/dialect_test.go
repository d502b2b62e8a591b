package sqlstore

import (
	"strings"
	"testing"
)

// TestSchemaReady: a schema behind the binary is not ready and says which
// versions; one at or ahead of it is (the previous release keeps serving
// during a rolling upgrade).
func TestSchemaReady(t *testing.T) {
	for _, c := range []struct {
		have, want int64
		ready      bool
	}{
		{have: 3, want: 3, ready: true},
		{have: 4, want: 3, ready: true},
		{have: 2, want: 3, ready: false},
		{have: 0, want: 3, ready: false},
	} {
		err := SchemaReady("db", c.have, c.want)
		if (err == nil) != c.ready {
			t.Errorf("SchemaReady(have %d, want %d) = %v; want ready %v", c.have, c.want, err, c.ready)
		}
		if err != nil && !strings.Contains(err.Error(), "run sigil migrate") {
			t.Errorf("SchemaReady(have %d, want %d) = %q; want it to say what to run", c.have, c.want, err)
		}
	}
}
