package bleve

import (
	"context"
	"testing"
)

// TestNamedServiceIsConfident: a resident who names a service means it,
// whatever question comes with the name; generic words name nothing.
func TestNamedServiceIsConfident(t *testing.T) {
	ix := buildFrom(t, "../data/sample.yaml")
	for _, tt := range []struct{ text, want string }{
		{"teleopieka — jak to działa?", "teleopieka"},
		{"karta dużej rodziny kto może dostać", "karta-duzej-rodziny"},
		{"ile kosztuje teleopieka", "teleopieka"},
		{"niebieska karta co to jest", "niebieska-karta"},
	} {
		res, err := ix.Find(context.Background(), Query{Text: tt.text})
		if err != nil {
			t.Fatal(err)
		}
		if !res.Confident || len(res.Hits) == 0 || res.Hits[0].Service.ID != tt.want {
			t.Errorf("%q: %v (confident %v), want %s first", tt.text, res.Hits, res.Confident, tt.want)
		}
	}
	for _, text := range []string{"pomoc w domu", "kurs prawa jazdy"} {
		if id := ix.namedService(text); id != "" {
			t.Errorf("%q names %s", text, id)
		}
	}
}

// TestMainNeed: what a story mentions by the way does not decide.
func TestMainNeed(t *testing.T) {
	main, side := mainNeed("Mama ma demencję, potrzebuje opiekunki codziennie, słyszałam też o dofinansowaniu do łazienki")
	if main != "Mama ma demencję,  potrzebuje opiekunki codziennie" || side != " słyszałam też o dofinansowaniu do łazienki" {
		t.Errorf("main %q, side %q", main, side)
	}
	if main, side := mainNeed("a jeszcze mam też problem z długami"); side != "" || main == "" {
		t.Errorf("a story all by the way is all main: %q / %q", main, side)
	}
}
