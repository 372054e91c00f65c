package script

import (
	"os"
	"strings"
	"testing"
	"testing/fstest"
)

// FuzzLoad feeds arbitrary bytes to the loader as a dialog file: it must
// never crash, and a script it accepts must have no errors.
func FuzzLoad(f *testing.F) {
	bundled, err := os.ReadFile("../../dialogs/okienko.yaml")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(bundled)
	f.Add([]byte(base))
	f.Add([]byte("a: &a [*a, *a]\n"))
	f.Add([]byte("steps: {a: {next: [{when: {x: '>= 1'}, goto: a}]}}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		sc, probs := Load(fstest.MapFS{"f.yaml": {Data: data}}, "d")
		if sc != nil && probs.Errors() > 0 {
			t.Errorf("script accepted with %d errors", probs.Errors())
		}
		if sc == nil && probs.Errors() == 0 {
			t.Errorf("script rejected without an error")
		}
		for _, p := range probs {
			if p.Line < 1 || p.Col < 1 {
				t.Errorf("problem without a position: %v", p)
			}
		}
	})
}

// FuzzLoadTests does the same for conversation test files.
func FuzzLoadTests(f *testing.F) {
	data, err := os.ReadFile("../../dialogs/tests/handoff.yaml")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	f.Fuzz(func(t *testing.T, data []byte) {
		LoadTests(fstest.MapFS{"t.yaml": {Data: data}}, "d")
	})
}

// FuzzRender holds Render's hand-written scanner to the regexp it replaced
// (templateVar): the same placeholders, the same text around them.
func FuzzRender(f *testing.F) {
	for _, s := range []string{"", "plain", "Hi {{name}}!", "{{ a }}{{b}}", "{{{x}}}", "{{ }}", "{{a b}}", "{{a}",
		"{{\ta\n}} {{ x}} {{y }}", "{{a{{b}}", "{{ą}} {{{}}}", "}}{{", "{{a}}}}", "x{{\vy}}", "{{x}}{{"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		lookup := func(name string) string { return "<" + name + ">" }
		want := s
		if strings.Contains(s, "{{") {
			want = templateVar.ReplaceAllStringFunc(s, func(m string) string {
				return lookup(templateVar.FindStringSubmatch(m)[1])
			})
		}
		if got := Render(s, lookup); got != want {
			t.Errorf("Render(%q) = %q, the regexp gives %q", s, got, want)
		}
	})
}
