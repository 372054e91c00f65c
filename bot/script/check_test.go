package script

import (
	"fmt"
	"strings"
	"testing"
	"testing/fstest"
)

// base is a minimal valid script; cases append to it or replace parts.
const base = `start: a
triggers:
  - id: person
    commands: [/czlowiek]
    goto: a
steps:
  a:
    ask: {pl: Pytanie?, uk: Питання?, en: Question?}
    choices:
      - id: x
        label: {pl: X, uk: X, en: X}
        next: b
  b:
    say: {pl: Koniec, uk: Кінець, en: End}
    action: end
`

func TestCheckReportsEachProblemAtItsPosition(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want string // the first error, as printed
	}{
		{"yaml syntax", "start: a\nsteps: [\n", "d/f.yaml:2:8: a list opened with [ is not closed: end it with ] on the same line"},
		{"unknown field", base + "    colour: red\n", `d/f.yaml:16:5: unknown field "colour" (check the spelling; see dialogs/schema.json)`},
		{"wrong type", strings.Replace(base, "start: a", "start: [a, b]", 1), "d/f.yaml:1:8: wrong type: expected a string, found a list"},
		{"duplicate key", base + "  b:\n    say: X\n", `d/f.yaml:16:3: duplicate key "b": it is already written at line 13; keep one`},
		{"missing step", strings.Replace(base, "next: b", "next: c", 1), `d/f.yaml:12:15: transition to a missing step "c" (did you mean "a"?)`},
		{"unreachable step", base + "  lost:\n    say: {pl: X, uk: X, en: X}\n    next: a\n", "d/f.yaml:16:3: unreachable step lost: no step, trigger or start leads to it"},
		{"dead end", strings.Replace(base, "    action: end\n", "", 1), "d/f.yaml:13:3: dead end: step b does not wait for an answer and has no next"},
		{"missing polish", strings.Replace(base, "{pl: Koniec, uk: Кінець, en: End}", "{uk: Кінець, en: End}", 1), "d/f.yaml:14:5: missing Polish text (pl)"},
		{"choice without target", strings.Replace(base, "        next: b\n", "", 1), "d/f.yaml:10:9: choice x has no target: add next to the choice or to the step"},
		{"bad regular expression", strings.Replace(base, "next: b", "next: k", 1) + "  k:\n    ask: {pl: Kod?, uk: Код?, en: Code?}\n    expect: pattern\n    pattern: \"[0-9\"\n    save: kod\n    next: b\n", "d/f.yaml:19:14: bad regular expression: missing closing ]: `[0-9`"},
		{"unknown template variable", strings.Replace(base, "{pl: Koniec, uk: Кінець, en: End}", "\"Koniec {{imie}}\"", 1), `d/f.yaml:14:10: template uses unknown variable "imie"`},
		{"template typo suggests", strings.Replace(base, "{pl: Koniec, uk: Кінець, en: End}", "\"Koniec {{centre_phon}}\"", 1), `d/f.yaml:14:10: template uses unknown variable "centre_phon" (did you mean "centre_phone"?)`},
		{"unknown action", strings.Replace(base, "action: end", "action: fly", 1), `d/f.yaml:15:13: unknown action "fly" (use search, show_results, handoff, end, restart, erase)`},
		{"alias", strings.Replace(base, "label: {pl: X, uk: X, en: X}", "label: &l {pl: X, uk: X, en: X}", 1), "d/f.yaml:11:16: anchors and aliases (&name, *name, <<) are not allowed: write the text out"},
		{"unknown language", strings.Replace(base, "en: End}", "en: End, de: Ende}", 1), `d/f.yaml:14:44: unknown language "de" (use pl, uk or en)`},
		{"missing start step", strings.Replace(base, "start: a", "start: zz", 1), `d/f.yaml:1:8: start names a missing step "zz"`},
		{"unknown condition variable", strings.Replace(base, "        next: b\n", "        next:\n          - when: {wiek: \">= 60\"}\n            goto: b\n          - goto: b\n", 1), `d/f.yaml:13:20: condition uses unknown variable "wiek"`},
		{"too deep", "start: a\nsteps: " + strings.Repeat("[", 30) + strings.Repeat("]", 30) + "\n", "d/f.yaml:2:32: nested too deeply (at most 24 levels)"},
		{"too large", "start: a\n#" + strings.Repeat("x", MaxFileSize) + "\n", "d/f.yaml:1:1: file too large: 1048587 bytes (at most 1048576)"},
		{"bad crisis phrase", base + "crisis:\n  reply: \"{{numbers}}\"\n  numbers: [{number: \"112\", label: alarm}]\n  groups:\n    - name: x\n      phrases: [ratunku, \"za*bic sie\"]\n", `d/f.yaml:21:26: "za*bic": '*' may only end a word`},
		{"bad crisis concern rule", base + "crisis:\n  reply: \"{{numbers}}\"\n  numbers: [{number: \"112\", label: alarm}]\n  groups:\n    - name: x\n      phrases: [ratunku]\n      concern: [ok, \"nie|tak sensu\"]\n", `d/f.yaml:22:21: "nie|tak": do not mix a negation with other words`},
		{"crisis group number unknown", base + "crisis:\n  reply: \"{{numbers}}\"\n  numbers: [{number: \"112\", label: alarm}, {id: street, number: \"55 1\", label: ulica}]\n  groups:\n    - name: x\n      phrases: [ratunku]\n      numbers: [street, \"987\"]\n", `d/f.yaml:22:25: "987" is not among crisis.numbers (give its number or id)`},
		{"bad crisis safe answer", base + "crisis:\n  reply: \"{{numbers}}\"\n  numbers: [{number: \"112\", label: alarm}]\n  groups:\n    - name: x\n      phrases: [ratunku]\n  safe: [tak, \"ok*\"]\n", `d/f.yaml:22:15: "ok*": a stem before '*' needs at least 3 letters`},
		{"bad crisis past rule", base + "crisis:\n  reply: \"{{numbers}}\"\n  numbers: [{number: \"112\", label: alarm}]\n  groups:\n    - name: x\n      phrases: [ratunku]\n      past: [\"rok temu\", \"ok*\"]\n", `d/f.yaml:22:26: "ok*": a stem before '*' needs at least 3 letters`},
		{"bad crisis except phrase", base + "crisis:\n  reply: \"{{numbers}}\"\n  numbers: [{number: \"112\", label: alarm}]\n  groups:\n    - name: x\n      phrases: [ratunku]\n      except: [\"zb* temu\"]\n", `d/f.yaml:22:16: "zb*": a stem before '*' needs at least 3 letters`},
		{"bad office hours", base + "office_hours:\n  week:\n    mon: \"8-16\"\n", `d/f.yaml:18:10: time "8" should look like 08:00`},
		{"unknown office day", base + "office_hours:\n  week:\n    pon: \"08:00-16:00\"\n", `d/f.yaml:18:10: unknown day "pon" (use mon, tue, wed, thu, fri, sat, sun)`},
		{"multi-line text in a trigger", strings.Replace(base, "commands: [/czlowiek]", "commands: [czlowiek]", 1), "d/f.yaml:4:16: a command starts with / and has no spaces, e.g. /czlowiek"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := fstest.MapFS{"f.yaml": {Data: []byte(tt.yaml)}}
			sc, probs := Load(fsys, "d")
			if probs.Errors() == 0 {
				t.Fatalf("no error; problems: %v", probs)
			}
			if sc != nil {
				t.Errorf("a script with errors was returned")
			}
			var got []string
			for _, p := range probs {
				if !p.Warning {
					got = append(got, p.String())
				}
			}
			for _, g := range got {
				if g == tt.want {
					return
				}
			}
			t.Errorf("problems:\n%s\nwant among them:\n%s", strings.Join(got, "\n"), tt.want)
		})
	}
}

func TestCheckAcceptsBaseScript(t *testing.T) {
	sc, probs := Load(fstest.MapFS{"f.yaml": {Data: []byte(base)}}, "d")
	if sc == nil || probs.Errors() > 0 {
		t.Fatalf("base script rejected: %v", probs)
	}
}

func TestWarningsForMissingTranslations(t *testing.T) {
	src := strings.Replace(base, "{pl: Koniec, uk: Кінець, en: End}", "Koniec", 1)
	sc, probs := Load(fstest.MapFS{"f.yaml": {Data: []byte(src)}}, "d")
	if sc == nil {
		t.Fatalf("script with missing translations rejected: %v", probs)
	}
	want := []string{
		"d/f.yaml:14:10: warning: no Ukrainian text (uk): Polish is shown instead",
		"d/f.yaml:14:10: warning: no English text (en): Polish is shown instead",
	}
	var got []string
	for _, p := range probs {
		got = append(got, p.String())
	}
	for _, w := range want {
		if !strings.Contains(strings.Join(got, "\n"), w) {
			t.Errorf("missing warning %q in:\n%s", w, strings.Join(got, "\n"))
		}
	}
}

func TestFilesMergeAndConflict(t *testing.T) {
	extra := "steps:\n  c:\n    say: {pl: C, uk: C, en: C}\n    next: a\n"
	fsys := fstest.MapFS{"a.yaml": {Data: []byte(base)}, "b.yaml": {Data: []byte(extra)}}
	_, probs := Load(fsys, "d")
	want := "d/b.yaml:2:3: unreachable step c: no step, trigger or start leads to it"
	if fmt.Sprint(probs) == "" || !strings.Contains(fmt.Sprint(probs), want) {
		t.Errorf("problems %v, want %q", probs, want)
	}
	dup := "start: a\n"
	_, probs = Load(fstest.MapFS{"a.yaml": {Data: []byte(base)}, "b.yaml": {Data: []byte(dup)}}, "d")
	want = "d/b.yaml:1:1: start is already defined in d/a.yaml"
	if !strings.Contains(fmt.Sprint(probs), want) {
		t.Errorf("problems %v, want %q", probs, want)
	}
}

func TestATopicFileAddsItsChoiceToAMenu(t *testing.T) {
	menu := strings.Replace(base, "        next: b\n", "        next: b\n      - id: y\n        label: {pl: Y, uk: Y, en: Y}\n        next: b\n", 1)
	topic := `menu:
  - step: a
    order: 15
    choice:
      id: zdrowie
      label: {pl: Zdrowie, uk: Здоров'я, en: Health}
      next: zdrowie_start
steps:
  zdrowie_start:
    say: {pl: Zdrowie, uk: Здоров'я, en: Health}
    action: end
`
	sc, probs := Load(fstest.MapFS{"a.yaml": {Data: []byte(menu)}, "zdrowie.yaml": {Data: []byte(topic)}}, "d")
	if sc == nil {
		t.Fatalf("rejected: %v", probs)
	}
	var ids []string
	for _, ch := range sc.Steps["a"].Choices {
		ids = append(ids, ch.ID)
	}
	if strings.Join(ids, ",") != "x,zdrowie,y" {
		t.Errorf("menu a = %v, want x,zdrowie,y (order 15 between 10 and 20)", ids)
	}
	// Its mistakes are reported in the topic file, where it was written.
	tests := []struct{ edit, to, want string }{
		{"next: zdrowie_start", "next: zdrowie_stat", `d/zdrowie.yaml:7:13: transition to a missing step "zdrowie_stat" (did you mean "zdrowie_start"?)`},
		{"id: zdrowie\n", "id: x\n", `d/zdrowie.yaml:5:11: duplicate choice id "x"`},
		{"step: a", "step: q", `d/zdrowie.yaml:2:11: menu names a missing step "q"`},
		{"step: a", "step: b", `d/zdrowie.yaml:2:11: step b has no buttons (choices), so it is not a menu`},
		{"      label: {pl: Zdrowie, uk: Здоров'я, en: Health}\n", "", `d/zdrowie.yaml:4:5: choice zdrowie needs a label`},
	}
	for _, tt := range tests {
		bad := strings.Replace(topic, tt.edit, tt.to, 1)
		sc, probs := Load(fstest.MapFS{"a.yaml": {Data: []byte(menu)}, "zdrowie.yaml": {Data: []byte(bad)}}, "d")
		if sc != nil || !strings.Contains(probs.Err().Error(), tt.want) {
			t.Errorf("%s → %s: problems\n%v\nwant %q", tt.edit, tt.to, probs.Err(), tt.want)
		}
	}
}
