package yamlpos

import (
	"errors"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// TestLocate: the errors yaml.v3 reports where the enclosing block starts
// get the line at fault; those it reports right, and errors that are not
// syntax errors, pass unchanged.
func TestLocate(t *testing.T) {
	cases := []struct {
		name, text   string
		yamlv3, want string
	}{
		{"bad indent in a nested mapping", "domains:\n  alice.crypto:\n    owner: \"0x5a\"\n   records:\n      profile.name: \"Alice\"\n",
			"yaml: line 1: did not find expected key", "yaml: line 4: did not find expected key"},
		{"key after a flow sequence", "dev: true\nissuer: [a,\n  b]\n  c: d\n",
			"yaml: line 3: did not find expected key", "yaml: line 4: did not find expected key"},
		{"reported right already", "a: 1\nb: 2\n  c: 3\n",
			"yaml: line 3: mapping values are not allowed in this context", "yaml: line 3: mapping values are not allowed in this context"},
		{"unterminated quote", "a: \"x\n\nb: 1\n",
			"yaml: line 4: found unexpected end of stream", "yaml: line 4: found unexpected end of stream"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := yaml.Unmarshal([]byte(tc.text), new(yaml.Node))
			if err == nil || err.Error() != tc.yamlv3 {
				t.Fatalf("yaml.v3 says %v, the test expects %q", err, tc.yamlv3)
			}
			got := Locate([]byte(tc.text), err)
			if got.Error() != tc.want {
				t.Fatalf("Locate: %q, want %q", got, tc.want)
			}
			if !errors.Is(got, err) {
				t.Fatal("the located error does not wrap yaml.v3's")
			}
		})
	}
	other := errors.New("open x.yaml: no such file or directory")
	if Locate([]byte("a: 1\n"), other) != other || Locate(nil, nil) != nil {
		t.Fatal("Locate changed an error that is not a YAML syntax error")
	}
	// A long file: the search stays a search (and finds the line).
	long := strings.Repeat("  k: v\n", 5000)
	text := "m:\n" + long[:7*2500] + " bad: indent\n" + long[7*2500:]
	err := yaml.Unmarshal([]byte(text), new(yaml.Node))
	if got := Locate([]byte(text), err); err == nil || !strings.Contains(got.Error(), "line 2502:") {
		t.Fatalf("long file: %v -> %v", err, got)
	}
}
