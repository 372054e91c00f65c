package bleve

import (
	"sync"

	"okienko/catalog"
)

// headTerms caches, per service, the light stems of what residents read
// first: name, keywords and summary (with their translations).
type headTerms struct{ m sync.Map } // service id → termSet

// headTermsOf returns the light stems of a service's name, keywords and
// summary, computed once per index.
func (ix *Index) headTermsOf(id string) termSet {
	if ts, ok := ix.head.m.Load(id); ok {
		return ts.(termSet)
	}
	ts := serviceHeadTerms(ix.services[id])
	ix.head.m.Store(id, ts)
	return ts
}

func serviceHeadTerms(s catalog.Service) termSet {
	head := s
	head.Description = ""
	head.Translations = map[string]catalog.Translation{}
	for lang, t := range s.Translations {
		t.Description = ""
		head.Translations[lang] = t
	}
	return serviceTerms(head)
}
