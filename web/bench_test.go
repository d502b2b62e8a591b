package web

import (
	"net/http/httptest"
	"testing"
)

// BenchmarkRender is the cost of the two pages of every browser sign-in.
func BenchmarkRender(b *testing.B) {
	p, err := NewPages()
	if err != nil {
		b.Fatal(err)
	}
	data := samplePages()
	for _, name := range []string{PageLogin, PageConsent} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := p.Render(httptest.NewRecorder(), 200, name, data[name]); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
