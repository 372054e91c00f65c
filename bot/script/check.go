package script

import (
	"errors"
	"fmt"

	"okienko/bot/orgtext"
	"regexp"
	"slices"
	"strings"

	"okienko/bot/crisis"
)

// Step actions.
const (
	ActionSearch      = "search"
	ActionShowResults = "show_results"
	ActionHandoff     = "handoff"
	ActionEnd         = "end"
	ActionRestart     = "restart"
	ActionErase       = "erase"
)

// Kinds of answers a question may expect.
const (
	ExpectText    = "text"
	ExpectPhone   = "phone"
	ExpectYesNo   = "yes_no"
	ExpectNumber  = "number"
	ExpectPattern = "pattern"
)

var (
	actions = []string{ActionSearch, ActionShowResults, ActionHandoff, ActionEnd, ActionRestart, ActionErase}
	expects = []string{ExpectText, ExpectPhone, ExpectYesNo, ExpectNumber, ExpectPattern}
	idRE    = regexp.MustCompile(`^[a-z0-9_]+$`)
	varRE   = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
)

// checker gathers problems found in a merged script.
type checker struct {
	sc      *Script
	bySteps map[string]*source // step id → file defining it
	bySect  map[string]*source // section → file defining it
	first   *source
	probs   Problems
	known   map[string]bool // variables a template or condition may use
}

// check finds semantic problems: missing targets, unreachable steps, dead
// ends, missing Polish, bad patterns and unknown template variables.
func check(sc *Script, sources []*source) Problems {
	c := &checker{sc: sc, bySteps: map[string]*source{}, bySect: map[string]*source{}, first: sources[0]}
	for _, src := range sources {
		for _, id := range src.ord {
			// The file whose definition was kept (see merge).
			if _, ok := c.bySteps[id]; !ok || src.f.Steps[id] == sc.Steps[id] {
				c.bySteps[id] = src
			}
		}
		for _, sect := range []string{"start", "centre", "messages", "office_hours", "triggers", "crisis"} {
			if _, ok := src.pos[sect]; ok {
				if _, seen := c.bySect[sect]; !seen {
					c.bySect[sect] = src
				}
			}
		}
	}
	c.collectVariables()
	c.checkStart()
	c.checkTriggers(sources)
	c.checkMessages()
	c.checkCrisis()
	c.checkOfficeHours()
	for _, id := range sc.Order {
		c.checkStep(sc.Steps[id])
	}
	c.checkReachable()
	return c.probs
}

func (c *checker) errAt(src *source, p, format string, args ...any) {
	c.probs = append(c.probs, src.problem(p, format, args...))
}

func (c *checker) warnAt(src *source, p, format string, args ...any) {
	pr := src.problem(p, format, args...)
	pr.Warning = true
	c.probs = append(c.probs, pr)
}

func (c *checker) sect(name string) *source {
	if s, ok := c.bySect[name]; ok {
		return s
	}
	return c.first
}

// collectVariables records every variable some step saves or sets.
func (c *checker) collectVariables() {
	c.sc.Variables = map[string]string{}
	c.known = map[string]bool{}
	for k := range Builtins {
		c.known[k] = true
	}
	add := func(name, step string) {
		if name == "" {
			return
		}
		if _, ok := c.sc.Variables[name]; !ok {
			c.sc.Variables[name] = step
		}
		c.known[name] = true
	}
	for _, id := range c.sc.Order {
		st := c.sc.Steps[id]
		add(st.Save, id)
		if st.FreeText != nil {
			add(st.FreeText.Save, id)
		}
		for k := range st.Set {
			add(k, id)
		}
		for _, ch := range st.Choices {
			for k := range ch.Set {
				add(k, id)
			}
		}
	}
}

func (c *checker) checkStart() {
	if c.sc.Start == "" {
		c.errAt(c.first, "", "missing start: name the step a conversation begins at (start: powitanie)")
		return
	}
	if _, ok := c.sc.Steps[c.sc.Start]; !ok {
		c.errAt(c.sect("start"), "start", "start names a missing step %q", c.sc.Start)
	}
	c.checkConversation()
	if a := c.sc.AfterCase; a != "" {
		if _, ok := c.sc.Steps[a]; !ok {
			c.errAt(c.sect("after_case"), "after_case", "after_case names a missing step %q", a)
		}
	}
}

func (c *checker) checkTriggers(sources []*source) {
	// Each file's triggers are numbered from 0 in that file.
	i := 0
	for _, src := range sources {
		for j := range src.f.Triggers {
			t := c.sc.Triggers[i]
			i++
			p := fmt.Sprintf("triggers[%d]", j)
			if t.ID == "" {
				c.errAt(src, p, "a trigger needs an id")
			}
			switch {
			case t.Action == "" && t.Goto == "":
				c.errAt(src, p, "trigger %s needs goto (a step) or action (restart, erase)", t.ID)
			case t.Action != "" && t.Goto != "":
				c.errAt(src, p+".action", "trigger %s has both goto and action: keep one", t.ID)
			case t.Action != "" && t.Action != ActionRestart && t.Action != ActionErase:
				c.errAt(src, p+".action", "unknown trigger action %q (use restart or erase)", t.Action)
			case t.Goto != "":
				if _, ok := c.sc.Steps[t.Goto]; !ok {
					c.errAt(src, p+".goto", "trigger %s goes to a missing step %q", t.ID, t.Goto)
				}
			}
			for k, cmd := range t.Commands {
				if !strings.HasPrefix(cmd, "/") || strings.ContainsAny(cmd, " \t") {
					c.errAt(src, fmt.Sprintf("%s.commands[%d]", p, k), "a command starts with / and has no spaces, e.g. /czlowiek")
				}
			}
			for k, ph := range t.Phrases {
				if strings.TrimSpace(ph) == "" {
					c.errAt(src, fmt.Sprintf("%s.phrases[%d]", p, k), "empty phrase")
				}
			}
		}
	}
	if c.sc.TriggerFor("person") == nil {
		c.warnAt(c.sect("triggers"), "triggers", "no trigger with id person: residents cannot ask for a person at any step")
	}
}

func (c *checker) checkMessages() {
	src := c.sect("messages")
	for key, t := range c.sc.Messages {
		p := "messages." + key
		if _, ok := DefaultMessages[key]; !ok {
			c.errAt(src, p+"#key", "unknown message %q", key)
			continue
		}
		c.checkText(src, p, t)
	}
}

func (c *checker) checkCrisis() {
	cr := c.sc.Crisis
	if cr == nil {
		c.warnAt(c.first, "", "no crisis section: messages about immediate danger will not be recognised")
		return
	}
	src := c.sect("crisis")
	c.checkText(src, "crisis.reply", cr.Reply)
	if len(cr.Numbers) == 0 {
		c.errAt(src, "crisis", "crisis needs numbers: the emergency lines to show")
	}
	for i, n := range cr.Numbers {
		p := fmt.Sprintf("crisis.numbers[%d]", i)
		if strings.TrimSpace(n.Number) == "" {
			c.errAt(src, p, "an emergency number needs number")
		}
		c.checkText(src, p+".label", n.Label)
	}
	if len(cr.Groups) == 0 {
		c.errAt(src, "crisis", "crisis needs groups of phrases")
	}
	for i, g := range cr.Groups {
		if g.Name == "" {
			c.errAt(src, fmt.Sprintf("crisis.groups[%d]", i), "a crisis group needs a name")
		}
		if len(g.Phrases) == 0 {
			c.errAt(src, fmt.Sprintf("crisis.groups[%d]", i), "crisis group %s has no phrases", g.Name)
		}
		for j, ref := range g.Numbers {
			if _, ok := cr.number(ref); !ok {
				c.errAt(src, fmt.Sprintf("crisis.groups[%d].numbers[%d]", i, j), "%q is not among crisis.numbers (give its number or id)", ref)
			}
		}
		if len(g.Reply) > 0 {
			c.checkText(src, fmt.Sprintf("crisis.groups[%d].reply", i), g.Reply)
		}
	}
	_, errSafety := cr.SafetyAnswers()
	_, errDismiss := cr.Dismissals()
	for _, e := range []struct {
		err   error
		lists []string
	}{{errSafety, []string{"unsafe", "safe"}}, {errDismiss, []string{"dismiss"}}} {
		var pe *crisis.PhraseError
		if errors.As(e.err, &pe) && pe.Group < len(e.lists) {
			c.errAt(src, fmt.Sprintf("crisis.%s[%d]", e.lists[pe.Group], pe.Index), "%v", pe.Err)
		}
	}
	if err := crisisPhraseError(cr); err != nil {
		c.errAt(src, fmt.Sprintf("crisis.groups[%d].%s[%d]", err.group, err.list, err.index), "%v", err.err)
	}
	if cr.Next != "" {
		if _, ok := c.sc.Steps[cr.Next]; !ok {
			c.errAt(src, "crisis.next", "crisis goes to a missing step %q", cr.Next)
		}
	}
}

func (c *checker) checkOfficeHours() {
	if c.sc.OfficeHours == nil {
		return
	}
	if field, err := officeHoursError(c.sc.OfficeHours); err != nil {
		c.errAt(c.sect("office_hours"), "office_hours."+field, "%v", err)
	}
}

// checkText reports a missing Polish text, unknown languages, missing
// translations (warnings) and unknown template variables.
func (c *checker) checkText(src *source, p string, t Text) {
	if len(t) == 0 {
		return
	}
	if strings.TrimSpace(t[Polish]) == "" {
		c.errAt(src, p, "missing Polish text (pl)")
	}
	for lang, s := range t {
		if lang == PolishInformal {
			c.checkTemplate(src, p+"."+lang, s)
			continue
		}
		if !slices.Contains(SupportedLanguages, lang) {
			c.errAt(src, p+"."+lang+"#key", "unknown language %q (use pl, uk or en)", lang)
			continue
		}
		if len(s) > maxTextBytes {
			c.errAt(src, p+"."+lang, "text too long: %d bytes (at most %d)", len(s), maxTextBytes)
		}
		c.checkTemplate(src, p+"."+lang, s)
	}
	for _, lang := range SupportedLanguages[1:] {
		if _, ok := t[lang]; !ok {
			c.warnAt(src, p, "no %s text (%s): Polish is shown instead", orgtext.Word(languageName(lang)), lang)
		}
	}
}

func (c *checker) checkTemplate(src *source, p, s string) {
	for _, v := range TemplateVars(s) {
		if !c.known[v] {
			c.errAt(src, p, "template uses unknown variable %q%s", v, c.suggest(v))
		}
	}
}

// suggest names a known variable close to v, for typos.
func (c *checker) suggest(v string) orgtext.Msg {
	best, bestD := "", 3
	for k := range c.known {
		if d := editDistance(k, v); d < bestD || (d == bestD && k < best) {
			best, bestD = k, d
		}
	}
	return didYouMean(best)
}

// didYouMean is " (did you mean "x"?)", or nothing when there is no x.
func didYouMean(best string) orgtext.Msg {
	if best == "" {
		return orgtext.Msg{}
	}
	return orgtext.Msg{Format: " (did you mean %q?)", Args: []any{best}}
}

func (c *checker) checkStep(st *Step) {
	src := c.bySteps[st.ID]
	p := "steps." + st.ID
	if !idRE.MatchString(st.ID) {
		c.errAt(src, p+"#key", "step id %q: use lower-case letters, digits and _", st.ID)
	}
	c.checkText(src, p+".say", st.Say)
	c.checkText(src, p+".ask", st.Ask)
	c.checkText(src, p+".invalid", st.Invalid)
	for k, v := range st.Set {
		c.checkVarName(src, p+".set."+k+"#key", k)
		c.checkTemplate(src, p+".set."+k, v)
	}
	for _, t := range st.StepTargets() {
		if _, ok := c.sc.Steps[t.Step]; !ok {
			tsrc, tp := src, p+"."+t.Path
			var i int
			if n, _ := fmt.Sscanf(t.Path, "choices[%d]", &i); n == 1 {
				var cp string
				tsrc, cp = c.choiceAt(st, src, p, i)
				tp = cp + t.Path[strings.Index(t.Path, "]")+1:]
			}
			c.errAt(tsrc, tp, "transition to a missing step %q%s", t.Step, c.suggestStep(t.Step))
		}
	}
	c.checkBranches(src, p+".next", st.Next)
	hasNext := len(st.Next) > 0
	switch {
	case st.Waits() && st.Action != "":
		c.errAt(src, p+".action", "step %s both asks and does %s: split it into two steps", st.ID, st.Action)
	case st.Waits():
		c.checkQuestion(src, p, st)
	case st.Action != "":
		c.checkAction(src, p, st)
	case len(st.Choices) > 0 || st.Expect != "" || st.FreeText != nil:
		c.errAt(src, p, "step %s has answers but no question: add ask", st.ID)
	case !hasNext && len(st.Say) == 0:
		c.errAt(src, p+"#key", "dead end: step %s says nothing, asks nothing and goes nowhere", st.ID)
	case !hasNext:
		c.errAt(src, p+"#key", "dead end: step %s does not wait for an answer and has no next", st.ID)
	}
	if st.Action == "" && !st.Waits() && hasNext && !unconditional(st.Next) {
		c.errAt(src, p+".next", "dead end: when no condition of next holds, step %s has nowhere to go: add a last branch without when", st.ID)
	}
}

func (c *checker) checkQuestion(src *source, p string, st *Step) {
	if len(st.Choices) == 0 && st.Expect == "" && st.FreeText == nil {
		c.errAt(src, p+".ask", "step %s asks but accepts no answer: add choices, expect or free_text", st.ID)
	}
	if st.Expect != "" {
		if !slices.Contains(expects, st.Expect) {
			c.errAt(src, p+".expect", "unknown expect %q (use %s)", st.Expect, strings.Join(expects, ", "))
		}
		if len(st.Choices) > 0 {
			c.errAt(src, p+".expect", "step %s has both choices and expect: use free_text to take words besides choices", st.ID)
		}
		if st.Save == "" {
			c.errAt(src, p+".expect", "step %s expects an answer but does not save it: add save", st.ID)
		}
		if len(st.Next) == 0 {
			c.errAt(src, p+"#key", "dead end: step %s has no next", st.ID)
		} else if !unconditional(st.Next) {
			c.errAt(src, p+".next", "dead end: when no condition of next holds, step %s has nowhere to go: add a last branch without when", st.ID)
		}
	}
	if st.Expect == ExpectPattern {
		if st.Pattern == "" {
			c.errAt(src, p+".expect", "expect: pattern needs pattern: a regular expression")
		} else if _, err := regexp.Compile(st.Pattern); err != nil {
			c.errAt(src, p+".pattern", "bad regular expression: %s", strings.TrimPrefix(err.Error(), "error parsing regexp: "))
		}
	} else if st.Pattern != "" {
		c.errAt(src, p+".pattern", "pattern is used only with expect: pattern")
	}
	if st.Save != "" {
		c.checkVarName(src, p+".save", st.Save)
	}
	ids := map[string]bool{}
	for i, ch := range st.Choices {
		src, cp := c.choiceAt(st, src, p, i)
		switch {
		case ch.ID == "":
			c.errAt(src, cp, "a choice needs an id")
		case !idRE.MatchString(ch.ID) || len(ch.ID) > 32:
			c.errAt(src, cp+".id", "choice id %q: use up to 32 lower-case letters, digits and _", ch.ID)
		case ids[ch.ID]:
			c.errAt(src, cp+".id", "duplicate choice id %q", ch.ID)
		}
		ids[ch.ID] = true
		if len(ch.Label) == 0 {
			c.errAt(src, cp, "choice %s needs a label", ch.ID)
		}
		c.checkText(src, cp+".label", ch.Label)
		for k, v := range ch.Set {
			c.checkVarName(src, cp+".set."+k+"#key", k)
			c.checkTemplate(src, cp+".set."+k, v)
		}
		if k, ok := ch.Set["lang"]; ok && !slices.Contains(SupportedLanguages, k) {
			c.errAt(src, cp+".set.lang", "unknown language %q (use pl, uk or en)", k)
		}
		if len(ch.Next) == 0 && len(st.Next) == 0 {
			c.errAt(src, cp, "choice %s has no target: add next to the choice or to the step", ch.ID)
		}
		c.checkBranches(src, cp+".next", ch.Next)
	}
	if ft := st.FreeText; ft != nil {
		if ft.Save == "" {
			c.errAt(src, p+".free_text", "free_text needs save: the variable for the resident's words")
		} else {
			c.checkVarName(src, p+".free_text.save", ft.Save)
		}
		if len(ft.Next) == 0 && len(st.Next) == 0 {
			c.errAt(src, p+".free_text", "free_text has no target: add next")
		}
		c.checkBranches(src, p+".free_text.next", ft.Next)
	}
}

// choiceAt is where the i-th choice of a step was written: in the step, or
// in the menu section of the topic file that added it.
func (c *checker) choiceAt(st *Step, src *source, p string, i int) (*source, string) {
	if i < len(st.choiceFrom) && st.choiceFrom[i].src != nil {
		return st.choiceFrom[i].src, st.choiceFrom[i].path
	}
	own := i
	for j := 0; j < i && j < len(st.choiceFrom); j++ {
		if st.choiceFrom[j].src != nil {
			own-- // added choices before it do not count in its file
		}
	}
	return src, fmt.Sprintf("%s.choices[%d]", p, own)
}

func (c *checker) checkAction(src *source, p string, st *Step) {
	if !slices.Contains(actions, st.Action) {
		c.errAt(src, p+".action", "unknown action %q (use %s)", st.Action, strings.Join(actions, ", "))
		return
	}
	needsNext := true
	switch st.Action {
	case ActionSearch:
		s := st.Search
		if s == nil {
			c.errAt(src, p+".action", "action search needs search: {query: ..., found: step, none: step}")
			return
		}
		for _, f := range []struct{ name, tpl string }{{"query", s.Query}, {"category", s.Category}, {"audience", s.Audience}} {
			c.checkTemplate(src, p+".search."+f.name, f.tpl)
		}
		if s.Query == "" {
			c.errAt(src, p+".search", "search needs query, e.g. \"{{opis}}\"")
		}
		if s.Found == "" || s.None == "" {
			c.errAt(src, p+".search", "search needs found and none: where to go with and without good results")
		}
		needsNext = false
	case ActionShowResults:
	case ActionHandoff:
		h := st.Handoff
		if h == nil {
			h = &Handoff{}
		}
		if h.Urgency != "" && h.Urgency != "normal" && h.Urgency != "urgent" {
			c.errAt(src, p+".handoff.urgency", "urgency is normal or urgent")
		}
		for i, v := range h.Summary {
			if !c.known[v] {
				c.errAt(src, fmt.Sprintf("%s.handoff.summary[%d]", p, i), "summary uses unknown variable %q%s", v, c.suggest(v))
			}
		}
		for _, f := range []struct{ name, v string }{{"consent", h.Consent}, {"words", h.Words}, {"for_whom", h.ForWhom}, {"topic", h.Topic}, {"phone", h.Phone}, {"contact", h.Contact}} {
			if f.v != "" && !c.known[f.v] {
				c.errAt(src, p+".handoff."+f.name, "handoff uses unknown variable %q%s", f.v, c.suggest(f.v))
			}
		}
	case ActionEnd, ActionRestart, ActionErase:
		needsNext = false
	}
	if st.Search != nil && st.Action != ActionSearch {
		c.errAt(src, p+".search", "search is used only with action: search")
	}
	if st.Handoff != nil && st.Action != ActionHandoff {
		c.errAt(src, p+".handoff", "handoff is used only with action: handoff")
	}
	if needsNext && len(st.Next) == 0 {
		c.errAt(src, p+"#key", "dead end: step %s (%s) has no next", st.ID, st.Action)
	} else if needsNext && !unconditional(st.Next) {
		c.errAt(src, p+".next", "dead end: when no condition of next holds, step %s has nowhere to go: add a last branch without when", st.ID)
	}
}

func (c *checker) checkBranches(src *source, p string, n Next) {
	for i, b := range n {
		for v := range b.When {
			if !c.known[v] {
				c.errAt(src, fmt.Sprintf("%s[%d].when.%s#key", p, i, v), "condition uses unknown variable %q%s", v, c.suggest(v))
			}
			if _, err := ParseCondition(b.When[v]); err != nil {
				c.errAt(src, fmt.Sprintf("%s[%d].when.%s", p, i, v), "%v", err)
			}
		}
	}
}

func (c *checker) checkVarName(src *source, p, name string) {
	if !varRE.MatchString(name) {
		c.errAt(src, p, "variable name %q: start with a letter; use lower-case letters, digits and _", name)
	}
	if _, builtin := Builtins[name]; builtin && name != "lang" {
		c.errAt(src, p, "%q is a built-in variable and cannot be set", name)
	}
}

// checkReachable reports steps no path leads to from start, a trigger or
// the crisis reply.
func (c *checker) checkReachable() {
	seen := map[string]bool{}
	var queue []string
	visit := func(id string) {
		if _, ok := c.sc.Steps[id]; ok && !seen[id] {
			seen[id] = true
			queue = append(queue, id)
		}
	}
	visit(c.sc.Start)
	visit(c.sc.AfterCase)
	for _, t := range c.sc.Triggers {
		visit(t.Goto)
	}
	if c.sc.Crisis != nil {
		visit(c.sc.Crisis.Next)
	}
	for len(queue) > 0 {
		id := queue[0]
		queue = queue[1:]
		for _, t := range c.sc.Steps[id].StepTargets() {
			visit(t.Step)
		}
	}
	for _, id := range c.sc.Order {
		if !seen[id] {
			c.errAt(c.bySteps[id], "steps."+id+"#key", "unreachable step %s: no step, trigger or start leads to it", id)
		}
	}
}

func (c *checker) suggestStep(id string) orgtext.Msg {
	best, bestD := "", 3
	for _, k := range c.sc.Order {
		if d := editDistance(k, id); d < bestD {
			best, bestD = k, d
		}
	}
	return didYouMean(best)
}

func unconditional(n Next) bool {
	return len(n) > 0 && len(n[len(n)-1].When) == 0
}

func languageName(lang string) string {
	switch lang {
	case Ukrainian:
		return "Ukrainian"
	case English:
		return "English"
	}
	return "Polish"
}

// editDistance is the Levenshtein distance, for "did you mean" hints.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
