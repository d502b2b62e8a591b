package config

import (
	"fmt"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// boolValues is how the help and the errors name the accepted booleans.
const boolValues = "true/false, 1/0, t/f, yes/no, on/off"

// ParseBool reads a boolean setting as strconv.ParseBool does, plus
// yes/no and on/off in any case, which operators write in environment
// files and YAML 1.1 reads as booleans. Anything else is an error rather
// than false, so that SIGIL_DEV=y does not quietly start a production
// server.
func ParseBool(s string) (bool, error) {
	switch strings.ToLower(s) {
	case "yes", "on":
		return true, nil
	case "no", "off":
		return false, nil
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		return false, fmt.Errorf("%q is not a boolean; use one of %s", s, boolValues)
	}
	return b, nil
}

// Bool is a boolean setting of the config file, read with ParseBool, so
// that the file accepts exactly what the environment accepts.
type Bool bool

// UnmarshalYAML implements yaml.Unmarshaler.
func (b *Bool) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("line %d: a boolean is needed; use one of %s", n.Line, boolValues)
	}
	v, err := ParseBool(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %w", n.Line, err)
	}
	*b = Bool(v)
	return nil
}
