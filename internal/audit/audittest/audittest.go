// Package audittest captures audit lines and reads the audit counters in
// unit tests, so a test can check that an action emitted its event once
// with the right attributes.
package audittest

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// Line is one captured audit line: its level and its attributes, groups
// flattened, values as slog resolves them (strings, int64, bool, ...).
type Line struct {
	Level slog.Level
	Attrs map[string]any
}

// Recorder is a slog.Handler that keeps every record it handles.
type Recorder struct {
	mu    sync.Mutex
	lines []Line
	attrs []slog.Attr
	root  *Recorder
}

// NewLogger returns a logger, at every level, whose lines r keeps.
func NewLogger() (*slog.Logger, *Recorder) {
	r := &Recorder{}
	r.root = r
	return slog.New(r), r
}

// Enabled implements slog.Handler: every level is kept.
func (r *Recorder) Enabled(context.Context, slog.Level) bool { return true }

// Handle implements slog.Handler.
func (r *Recorder) Handle(_ context.Context, rec slog.Record) error {
	l := Line{Level: rec.Level, Attrs: map[string]any{"msg": rec.Message}}
	for _, a := range r.attrs {
		l.Attrs[a.Key] = a.Value.Resolve().Any()
	}
	rec.Attrs(func(a slog.Attr) bool {
		l.Attrs[a.Key] = a.Value.Resolve().Any()
		return true
	})
	r.root.mu.Lock()
	r.root.lines = append(r.root.lines, l)
	r.root.mu.Unlock()
	return nil
}

// WithAttrs implements slog.Handler.
func (r *Recorder) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &Recorder{attrs: append(append([]slog.Attr{}, r.attrs...), attrs...), root: r.root}
}

// WithGroup implements slog.Handler; groups are not kept apart.
func (r *Recorder) WithGroup(string) slog.Handler { return r }

// Events returns the captured audit lines whose event attribute is name.
func (r *Recorder) Events(name string) []Line {
	r.root.mu.Lock()
	defer r.root.mu.Unlock()
	var out []Line
	for _, l := range r.root.lines {
		if l.Attrs["msg"] == "audit" && l.Attrs["event"] == name {
			out = append(out, l)
		}
	}
	return out
}

// One fails t unless exactly one line for event name was captured, and
// unless it carries every attribute of want with that value (compared as
// formatted by %v); it returns the line.
func (r *Recorder) One(t testing.TB, name string, want map[string]any) Line {
	t.Helper()
	lines := r.Events(name)
	if len(lines) != 1 {
		t.Fatalf("audit event %s: %d lines, want 1: %v", name, len(lines), lines)
	}
	for k, v := range want {
		got, ok := lines[0].Attrs[k]
		if !ok || fmtValue(got) != fmtValue(v) {
			t.Errorf("audit event %s: %s = %v, want %v (line %v)", name, k, got, v, lines[0].Attrs)
		}
	}
	return lines[0]
}

// HasSeries reports whether the default registry has a series of metric
// with label = value (at any value, zero included).
func HasSeries(t testing.TB, metric, label, value string) bool {
	t.Helper()
	_, ok := counter(t, metric, label, value)
	return ok
}

// Counter is the current value of the audit counter metric (for example
// sigil_security_events_total) with label = value in the default registry,
// or 0 when there is none.
func Counter(t testing.TB, metric, label, value string) float64 {
	t.Helper()
	v, _ := counter(t, metric, label, value)
	return v
}

func counter(t testing.TB, metric, label, value string) (float64, bool) {
	t.Helper()
	families, err := prometheus.DefaultGatherer.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != metric {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, lp := range m.GetLabel() {
				if lp.GetName() == label && lp.GetValue() == value {
					return m.GetCounter().GetValue(), true
				}
			}
		}
	}
	return 0, false
}

func fmtValue(v any) string { return fmt.Sprint(v) }
