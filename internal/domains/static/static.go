// Package static is a domain registry read from a YAML file: a
// sigil.DomainResolver for development, tests and private deployments that
// do not want to depend on a blockchain RPC endpoint.
//
// The file looks like this:
//
//	domains:
//	  alice.crypto:
//	    owner: "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
//	    records:
//	      crypto.ETH.address: "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
//	      profile.name: "Alice"
//	  bob.polygon:
//	    owner: "0x..."
//	    chain_id: 137
//
// chain_id, optional, is the EIP-155 chain where the owner account lives,
// which the sign-in message names (EIP-4361); it is 1 (Ethereum mainnet)
// when left out.
//
// Names and owners are normalized on load (package domains), so the file
// may use any case; a mistake in it is reported with the file, line and
// field at fault rather than surfacing later as a failed sign-in.
package static

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/sigil-oidc/sigil"
	"github.com/sigil-oidc/sigil/internal/domains"
	"github.com/sigil-oidc/sigil/internal/yamlpos"
)

// file is the YAML document.
type file struct {
	Domains map[string]entry `yaml:"domains"`
}

// entry is one domain in the YAML document.
type entry struct {
	Owner   string            `yaml:"owner"`
	Records map[string]string `yaml:"records,omitempty"`
	ChainID int64             `yaml:"chain_id,omitempty"`
}

// DefaultChainID is the chain of a domain whose entry names none: Ethereum
// mainnet.
const DefaultChainID = 1

// outFile and outEntry are file and entry as Write writes them.
type outFile struct {
	Domains map[string]outEntry `yaml:"domains"`
}

type outEntry struct {
	Owner   quoted            `yaml:"owner"`
	Records map[string]quoted `yaml:"records,omitempty"`
	ChainID int64             `yaml:"chain_id,omitempty"`
}

// quoted is a string written in double quotes. An unquoted 0x... is a
// hexadecimal integer to YAML 1.1 and 1.2 readers (YAML 1.2.2 section
// 10.3.2), so addresses are quoted for any tool that reads the file.
type quoted string

// MarshalYAML implements yaml.Marshaler.
func (q quoted) MarshalYAML() (any, error) {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Style: yaml.DoubleQuotedStyle, Value: string(q)}, nil
}

// Registry is a fixed set of domains. It implements sigil.DomainResolver; it
// is immutable after Load or New and therefore safe for concurrent use.
type Registry struct {
	domains map[string]sigil.Domain // by normalized name
	names   []string                // sorted
}

var (
	_ sigil.DomainResolver  = (*Registry)(nil)
	_ sigil.ReverseResolver = (*Registry)(nil)
	_ domains.FreshResolver = (*Registry)(nil)
	_ domains.OwnerResolver = (*Registry)(nil)
)

// Load reads the registry file at path. Every name is normalized with
// domains.NormalizeName and every owner with domains.NormalizeAddress.
// Errors name the file, the line and the domain or field at fault. Unknown
// keys are errors (a misspelt "onwer" must not silently leave a domain
// without an owner), as are two names that are the same after lowercasing
// (which one would win would otherwise be arbitrary) and more than one YAML
// document.
func Load(path string) (*Registry, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("static registry: %w", err)
	}

	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var f file
	if err := dec.Decode(&f); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("static registry %s: the file is empty; it needs a top-level \"domains:\" mapping", path)
		}
		var te *yaml.TypeError
		if errors.As(err, &te) {
			return nil, fmt.Errorf("static registry %s: %s", path, describe(te))
		}
		return nil, fmt.Errorf("static registry %s: %w", path, yamlpos.Locate(data, err))
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("static registry %s: the file holds more than one YAML document", path)
	}

	// Decode again as a node tree, for the order and line of each domain.
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, fmt.Errorf("static registry %s: %w", path, yamlpos.Locate(data, err))
	}
	type at struct {
		name string
		line int
	}
	var order []at
	if len(root.Content) == 1 {
		doc := root.Content[0]
		for i := 0; i+1 < len(doc.Content); i += 2 {
			if doc.Content[i].Value != "domains" {
				continue
			}
			ds := doc.Content[i+1]
			for j := 0; j+1 < len(ds.Content); j += 2 {
				k := ds.Content[j]
				order = append(order, at{k.Value, k.Line})
			}
		}
	}
	if len(order) != len(f.Domains) {
		// Only anchors or merge keys could make the two decodings differ;
		// fall back to sorted order without line numbers.
		order = order[:0]
		for _, name := range slices.Sorted(maps.Keys(f.Domains)) {
			order = append(order, at{name, 0})
		}
	}

	r := &Registry{domains: make(map[string]sigil.Domain, len(f.Domains))}
	lines := make(map[string]at, len(f.Domains))
	for _, a := range order {
		e, ok := f.Domains[a.name]
		where := path
		if a.line > 0 {
			where = fmt.Sprintf("%s:%d", path, a.line)
		}
		if !ok {
			return nil, fmt.Errorf("static registry %s: domain %q could not be read", where, a.name)
		}
		d, err := normalize(a.name, e.Owner, e.Records, e.ChainID)
		if err != nil {
			return nil, fmt.Errorf("static registry %s: %w", where, err)
		}
		if prev, dup := lines[d.Name]; dup {
			prevAt := ""
			if prev.line > 0 {
				prevAt = fmt.Sprintf(" (line %d)", prev.line)
			}
			return nil, fmt.Errorf("static registry %s: domain %q is the same name as %q%s; names are case-insensitive", where, a.name, prev.name, prevAt)
		}
		lines[d.Name] = a
		r.domains[d.Name] = d
	}
	r.names = slices.Sorted(maps.Keys(r.domains))
	return r, nil
}

// describe rewrites yaml.v3's unmarshal errors in the file's terms rather
// than Go's ("field onwer not found in type static.entry").
func describe(te *yaml.TypeError) string {
	msgs := make([]string, len(te.Errors))
	for i, m := range te.Errors {
		msgs[i] = m
		line, rest, ok := strings.Cut(m, ": field ")
		if !ok {
			continue
		}
		if key, ok := strings.CutSuffix(rest, " not found in type static.file"); ok {
			msgs[i] = fmt.Sprintf("%s: unknown top-level key %q (the only one is \"domains\")", line, key)
		} else if key, ok := strings.CutSuffix(rest, " not found in type static.entry"); ok {
			msgs[i] = fmt.Sprintf("%s: unknown key %q in a domain (allowed: \"owner\", \"records\", \"chain_id\")", line, key)
		}
	}
	return strings.Join(msgs, "; ")
}

// New builds a registry from domains keyed by name, validating and
// normalizing exactly as Load does (it serves --dev, which has no file). A
// Domain's Name field may be empty; if set it must name the same domain as
// its key. The registry keeps its own copies of the records maps.
func New(domains map[string]sigil.Domain) (*Registry, error) {
	r := &Registry{domains: make(map[string]sigil.Domain, len(domains))}
	seen := make(map[string]string, len(domains))
	for _, key := range slices.Sorted(maps.Keys(domains)) {
		in := domains[key]
		d, err := normalize(key, in.Owner, in.Records, in.ChainID)
		if err != nil {
			return nil, fmt.Errorf("static registry: %w", err)
		}
		if in.Name != "" && in.Name != key {
			if n, err := normalizeName(in.Name); err != nil || n != d.Name {
				return nil, fmt.Errorf("static registry: domain %q has Name %q, a different domain", key, in.Name)
			}
		}
		if prev, dup := seen[d.Name]; dup {
			return nil, fmt.Errorf("static registry: domain %q is the same name as %q; names are case-insensitive", key, prev)
		}
		seen[d.Name] = key
		r.domains[d.Name] = d
	}
	r.names = slices.Sorted(maps.Keys(r.domains))
	return r, nil
}

// normalizeName is domains.NormalizeName, callable where a parameter named
// domains shadows the package.
func normalizeName(name string) (string, error) { return domains.NormalizeName(name) }

// normalize validates one domain and returns it in canonical form with a
// private, non-nil copy of its records and its chain id (DefaultChainID
// for 0).
func normalize(name, owner string, records map[string]string, chainID int64) (sigil.Domain, error) {
	n, err := domains.NormalizeName(name)
	if err != nil {
		return sigil.Domain{}, err
	}
	if owner == "" {
		return sigil.Domain{}, fmt.Errorf("domain %q: owner is missing", name)
	}
	o, err := domains.NormalizeAddress(owner)
	if err != nil {
		return sigil.Domain{}, fmt.Errorf("domain %q: owner: %w", name, err)
	}
	switch {
	case chainID == 0:
		chainID = DefaultChainID
	case chainID < 0:
		return sigil.Domain{}, fmt.Errorf("domain %q: chain_id %d is not a positive EIP-155 chain id", name, chainID)
	}
	recs := make(map[string]string, len(records))
	for k, v := range records {
		if k == "" {
			return sigil.Domain{}, fmt.Errorf("domain %q: records: a record has an empty key", name)
		}
		recs[k] = v
	}
	return sigil.Domain{Name: n, Owner: o, Records: recs, ChainID: chainID}, nil
}

// Resolve returns the domain called name, after normalizing name. A name
// that is not valid, or not in the registry, gives an error wrapping
// sigil.ErrDomainNotFound. The result's Records map is a fresh copy that the
// caller may change.
func (r *Registry) Resolve(_ context.Context, name string) (sigil.Domain, error) {
	n, err := domains.NormalizeName(name)
	if err != nil {
		return sigil.Domain{}, fmt.Errorf("%w: %w", sigil.ErrDomainNotFound, err)
	}
	d, ok := r.domains[n]
	if !ok {
		return sigil.Domain{}, fmt.Errorf("%w: %q is not in the static registry", sigil.ErrDomainNotFound, n)
	}
	d.Records = maps.Clone(d.Records)
	return d, nil
}

// ResolveFresh is Resolve (domains.FreshResolver): the registry has no
// cache to read past, it changes only when the file is loaded again.
func (r *Registry) ResolveFresh(ctx context.Context, name string) (sigil.Domain, error) {
	return r.Resolve(ctx, name)
}

// Owner returns the owner of name as Resolve would (domains.OwnerResolver),
// without copying the records; a name in canonical form (a stored subject)
// costs one map look-up.
func (r *Registry) Owner(ctx context.Context, name string) (string, error) {
	if d, ok := r.domains[name]; ok {
		return d.Owner, nil
	}
	d, err := r.Resolve(ctx, name)
	return d.Owner, err
}

// Names returns the normalized names of all domains, sorted. The slice is a
// fresh copy.
func (r *Registry) Names() []string { return slices.Clone(r.names) }

// Write validates domains as New does and writes them to path as a registry
// file that Load reads back. The file is written to a temporary file in the
// same directory and renamed into place, so a reader never sees half a file,
// and it ends up with mode 0600 whether or not it existed before: a registry
// is configuration that only Sigil's user should be able to change.
func Write(path string, domains map[string]sigil.Domain) error {
	r, err := New(domains)
	if err != nil {
		return err
	}
	f := outFile{Domains: make(map[string]outEntry, len(r.domains))}
	for n, d := range r.domains {
		e := outEntry{Owner: quoted(d.Owner)}
		if d.ChainID != DefaultChainID {
			e.ChainID = d.ChainID
		}
		if len(d.Records) > 0 {
			e.Records = make(map[string]quoted, len(d.Records))
			for k, v := range d.Records {
				e.Records[k] = quoted(v)
			}
		}
		f.Domains[n] = e
	}
	var buf bytes.Buffer
	buf.WriteString("# Sigil static domain registry: who owns which domain.\n")
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(f); err != nil {
		return fmt.Errorf("static registry %s: encoding: %w", path, err)
	}
	if err := enc.Close(); err != nil {
		return fmt.Errorf("static registry %s: encoding: %w", path, err)
	}

	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("static registry: %w", err)
	}
	defer os.Remove(tmp.Name()) // fails harmlessly after the rename
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("static registry: %w", err)
	}
	if _, err := tmp.Write(buf.Bytes()); err != nil {
		tmp.Close()
		return fmt.Errorf("static registry: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("static registry: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("static registry: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("static registry: %w", err)
	}
	return nil
}

// Reverse lists the domains address owns, sorted. A static registry has no
// reverse records, so ownership is the answer: the login page can offer a
// connected wallet's domains just as on chain.
func (r *Registry) Reverse(_ context.Context, address string) ([]string, error) {
	owner, err := domains.NormalizeAddress(address)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, name := range r.names {
		if r.domains[name].Owner == owner {
			out = append(out, name)
		}
	}
	return out, nil
}
