package bleve

import (
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"okienko/catalog"
)

// A resident who names a service ("teleopieka — jak to działa?", "Karta
// Dużej Rodziny") means that service: it comes first and the search is
// confident, whatever else the message says.

// namePhrase is a service's name, or one part of it, as light stems.
type namePhrase struct {
	id    string
	stems []string
}

type lazyNames struct {
	once    sync.Once
	phrases []namePhrase
	byStem  map[string][]int // first stem → phrases starting with it
}

// names lists the phrases that name exactly one service: the parts of its
// name (split at dashes, brackets, commas) and its keywords, when no other
// service has the same, with a telling word (8 letters or more) or two
// words or more.
func (ix *Index) names() []namePhrase {
	ix.named.once.Do(func() {
		// Names and keywords repeat their words, and often whole phrases,
		// across services: each word is judged once (the thesaurus' weak
		// phrases are many) and each phrase read once. Nothing is kept per
		// occurrence: 20,000 services hold hundreds of thousands.
		type judged struct {
			weak, skip bool
			stem       string
		}
		known := map[string]judged{}
		judge := func(w word) judged {
			j, ok := known[w.folded]
			if !ok {
				j.weak = ix.cfg.Thesaurus.Weak(w.folded)
				j.skip = w.cyrillic || polishStop[w.folded] || questionWords[w.folded]
				if !j.weak && !j.skip {
					j.stem = lightForm(w.folded)
				}
				known[w.folded] = j
			}
			return j
		}
		keys := map[string]string{} // phrase → its stems joined by spaces; "": names nothing
		key := func(text string) string {
			k, ok := keys[text]
			if ok {
				return k
			}
			var stems []string
			for _, w := range words(text) {
				j := judge(w)
				if j.weak {
					stems = nil // "pomoc w domu" names no one service
					break
				}
				if !j.skip {
					stems = append(stems, j.stem)
				}
			}
			k = strings.Join(stems, " ") // stems hold no spaces: words split at them
			keys[text] = k
			return k
		}
		phrases := func(s catalog.Service, visit func(key string)) {
			for _, part := range strings.FieldsFunc(s.Name, func(r rune) bool { return strings.ContainsRune("—–-()„”\",:;", r) }) {
				if k := key(part); k != "" {
					visit(k)
				}
			}
			for _, kw := range s.Keywords {
				if k := key(kw); k != "" {
					visit(k)
				}
			}
		}
		// owners: phrase → the one service holding it, "" when several do
		// (ids are never empty).
		owners := map[string]string{}
		for id, s := range ix.services {
			phrases(s, func(k string) {
				if owner, ok := owners[k]; !ok {
					owners[k] = id
				} else if owner != id {
					owners[k] = ""
				}
			})
		}
		for id, s := range ix.services {
			phrases(s, func(k string) {
				if owners[k] != id {
					return
				}
				owners[k] = "" // listed once
				stems := strings.Split(k, " ")
				if len(stems) < 2 && utf8.RuneCountInString(stems[0]) < 8 {
					return
				}
				ix.named.phrases = append(ix.named.phrases, namePhrase{id: id, stems: stems})
			})
		}
		ix.named.byStem = map[string][]int{}
		for i, p := range ix.named.phrases {
			ix.named.byStem[p.stems[0]] = append(ix.named.byStem[p.stems[0]], i)
		}
	})
	return ix.named.phrases
}

// namedService returns the id of the service the text names, or "" when
// it names none or more than one, or when the text says more than the
// service holds ("kurs prawa jazdy" names the licence office's keyword
// but asks for a driving school).
func (ix *Index) namedService(text string) string {
	have := map[string]bool{}
	var strong []string
	for _, w := range words(text) {
		have[lightForm(w.folded)] = true
		if !questionWords[w.folded] && !polishStop[w.folded] && !ix.cfg.Thesaurus.Weak(w.folded) && len([]rune(w.folded)) >= 3 {
			strong = append(strong, lightForm(w.folded))
		}
	}
	found := ix.namedAmong(have)
	if found == "" {
		return ""
	}
	terms := ix.termsOf(found)
	for _, s := range strong {
		if !terms[s] {
			return ""
		}
	}
	return found
}

func (ix *Index) namedAmong(have map[string]bool) string {
	found, longest := "", 0
	phrases := ix.names()
	var candidates []int
	for s := range have {
		candidates = append(candidates, ix.named.byStem[s]...)
	}
	slices.Sort(candidates) // the same answer whatever the map's order
	for _, c := range candidates {
		p := phrases[c]
		all := true
		for _, s := range p.stems {
			if !have[s] {
				all = false
				break
			}
		}
		if !all {
			continue
		}
		switch {
		case len(p.stems) > longest:
			found, longest = p.id, len(p.stems)
		case len(p.stems) == longest && p.id != found:
			found = "" // two services named alike: let the ranking decide
		}
	}
	return found
}

// preferNamed puts the service the text names first and makes the result
// confident.
func (ix *Index) preferNamed(text string, res Result, limit int) Result {
	id := ix.namedService(text)
	if id == "" {
		return res
	}
	s, ok := ix.services[id]
	if !ok {
		return res
	}
	top := 1.0
	out := []Hit{}
	for _, h := range res.Hits {
		top = max(top, h.Score)
		if h.Service.ID != id {
			out = append(out, h)
		}
	}
	out = append([]Hit{{Service: s, Score: top * 1.01}}, out...)
	if len(out) > limit {
		out = out[:limit]
	}
	return Result{Hits: out, Confident: true}
}
