// Package bleve is the catalogue's full-text search over bleve: Polish
// stemming and folding, typo tolerance, field boosts, the thesaurus of
// residents' words, Ukrainian and English translations, filters by
// category and audience, and a confidence signal. It is the only package
// that imports bleve.
package bleve

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"unicode"

	blevesearch "github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search/query"

	"okienko/bot"
	"okienko/bot/textnorm"
	"okienko/catalog"
)

var (
	_ bot.Searcher      = (*Index)(nil)
	_ bot.ServiceFinder = (*Index)(nil)
)

// Config says what to index.
type Config struct {
	Catalog   *catalog.Catalog
	Thesaurus *catalog.Thesaurus // nil: no everyday-word expansion
	// Limit is how many services Search returns when the query names no
	// limit; default 3.
	Limit int
	// MaxWords bounds how many of a query's strong words (the rarest in the
	// catalogue) and of its thesaurus words are searched, keeping long
	// stories fast. Default 12.
	MaxWords int
	// CacheSize is how many recent searches (bot queries) the index
	// remembers with their answers; default 512, negative: none.
	CacheSize int
	Logger    *slog.Logger
}

// Index is an immutable in-memory index of one catalogue. Build a new one
// to change the catalogue (see Live).
type Index struct {
	cfg      Config
	idx      blevesearch.Index
	services map[string]catalog.Service
	vocab    map[string]*vocabulary // per field: the terms indexed
	terms    sync.Map               // service id → termSet, filled as services top a search
	updates  int                    // batches applied since the index was built whole (see update)
	results  *resultCache           // recent bot searches; nil: none
	lex      lazyLexicon            // correctly spelled words, never read as typos
	named    lazyNames              // phrases that name one service
	head     headTerms              // service id → stems of name, keywords, summary
}

// Fields of an indexed service. Name and keywords share the "head" fields
// (they carry the same weight); summary and description follow.
const (
	fHead, fSummary, fDescription = "head", "summary", "description"
	fCategory, fAudience          = "category", "audience"
	stemSuffix, lightSuffix       = "_s", "_l"
)

// New indexes the catalogue in batches of batchSize services (in-memory
// scorch never merges segments, so few batches keep queries fast).
// Batches bound the peak memory of a build: bleve keeps every token of a
// batch until it writes the batch's segment.
func New(cfg Config) (*Index, error) {
	if cfg.Catalog == nil {
		return nil, errors.New("build index: no catalogue")
	}
	if cfg.Limit <= 0 {
		cfg.Limit = 3
	}
	if cfg.MaxWords <= 0 {
		cfg.MaxWords = 12
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.CacheSize == 0 {
		cfg.CacheSize = defaultCacheSize
	}
	m, err := indexMapping()
	if err != nil {
		return nil, fmt.Errorf("build index: mapping: %w", err)
	}
	idx, err := blevesearch.NewUsing("", m, scorch.Name, scorch.Name, nil)
	if err != nil {
		return nil, fmt.Errorf("build index: %w", err)
	}
	ix := &Index{cfg: cfg, idx: idx, services: make(map[string]catalog.Service, len(cfg.Catalog.Services)), results: newResultCache(cfg.CacheSize)}
	for _, s := range cfg.Catalog.Services {
		ix.services[s.ID] = s
	}
	// The service names need only the services: they are found while
	// bleve builds the last batch (the first search waits for them).
	if err := indexAll(idx, cfg.Catalog.Services, func() { ix.names() }); err != nil {
		idx.Close()
		return nil, err
	}
	if ix.vocab, err = readVocabulary(idx, textFields()); err != nil {
		idx.Close()
		return nil, fmt.Errorf("build index: %w", err)
	}
	sealAnalysis(idx.Mapping())
	go ix.warm()
	return ix, nil
}

// update returns the index of cfg.Catalog built from ix by one batch that
// drops d.Removed and (re)indexes d.Changed: a reload of one changed file
// re-indexes that file's services, not the catalogue. The new index shares
// ix's bleve index (searches running on ix finish; ix must not be closed
// after this: the new index owns the bleve index). Each batch adds a
// segment that in-memory scorch never merges, so callers build whole again
// after a few updates (see Live).
func (ix *Index) update(cfg Config, d catalog.Delta) (*Index, error) {
	if cfg.Catalog == nil {
		return nil, errors.New("update index: no catalogue")
	}
	cfg.Limit, cfg.MaxWords, cfg.CacheSize, cfg.Logger = ix.cfg.Limit, ix.cfg.MaxWords, ix.cfg.CacheSize, ix.cfg.Logger
	n := &Index{cfg: cfg, idx: ix.idx, vocab: ix.vocab, updates: ix.updates, services: make(map[string]catalog.Service, len(cfg.Catalog.Services)),
		results: newResultCache(cfg.CacheSize)}
	for _, s := range cfg.Catalog.Services {
		n.services[s.ID] = s
	}
	if len(d.Removed) == 0 && len(d.Changed) == 0 {
		go n.warm()
		return n, nil // e.g. only the thesaurus changed: it works at query time
	}
	batch := ix.idx.NewBatch()
	for _, id := range d.Removed {
		batch.Delete(id)
	}
	for _, s := range d.Changed {
		if err := batch.Index(s.ID, document(s)); err != nil {
			return nil, fmt.Errorf("update index: service %s: %w", s.ID, err)
		}
	}
	if err := ix.idx.Batch(batch); err != nil {
		return nil, fmt.Errorf("update index: %w", err)
	}
	n.updates++
	var err error
	if n.vocab, err = readVocabulary(ix.idx, textFields()); err != nil {
		return nil, fmt.Errorf("update index: %w", err)
	}
	go n.warm()
	return n, nil
}

// indexAll indexes services in batches of batchSize, one after another:
// bleve holds every token of a batch until it writes the batch's segment,
// so the batch size bounds the peak memory of a build. (Mapping the next
// batch while bleve indexes the previous one saved no CPU time here and
// raised the peak heap by about 30 MB; preparing half of the next batch
// ahead, analysed, while bleve wrote the previous one saved about 40 ms of
// wall time on 5,000 services for 20-30 MB more peak RSS.) lastBatch runs
// in its own goroutine as the last batch starts: bleve writes a segment
// on one core, leaving the other free for it.
func indexAll(idx blevesearch.Index, services []catalog.Service, lastBatch func()) error {
	for start := 0; start < len(services); start += batchSize {
		if start+batchSize >= len(services) {
			go lastBatch()
		}
		batch := idx.NewBatch()
		for _, s := range services[start:min(start+batchSize, len(services))] {
			if err := batch.Index(s.ID, document(s)); err != nil {
				return fmt.Errorf("build index: service %s: %w", s.ID, err)
			}
		}
		if err := idx.Batch(batch); err != nil {
			return fmt.Errorf("build index: %w", err)
		}
		// A batch written leaves its tokens and field copies as garbage
		// and little alive: collecting here, where the heap is least
		// alive, keeps the next batch from growing on top of the last
		// one's garbage. 5,000 services: peak RSS 105–108 MB instead of
		// 128–166 MB, same CPU (README, regional scale).
		runtime.GC()
	}
	return nil
}

// batchSize is how many services one batch of a whole build indexes:
// 5,000 services in one batch peaked at about 230 MB of heap, in batches
// of 1,000 at about 120 MB, with the same query latency (README).
var batchSize = 1000 // a variable for the benchmark's one-batch baseline

// Close releases the index.
func (ix *Index) Close() error { return ix.idx.Close() }

// Len is the number of indexed services.
func (ix *Index) Len() int { return len(ix.services) }

// textFields maps every full-text field to its analyzer.
func textFields() map[string]string {
	return map[string]string{
		fHead + stemSuffix: analyzerStem, fSummary + stemSuffix: analyzerStem,
		fHead + lightSuffix: analyzerLight, fSummary + lightSuffix: analyzerLight, fDescription + lightSuffix: analyzerLight,
		"uk_" + fHead: analyzerUK, "uk_" + fSummary: analyzerUK,
		"en_" + fHead: analyzerEN, "en_" + fSummary: analyzerEN,
	}
}

func indexMapping() (*mapping.IndexMappingImpl, error) {
	m := blevesearch.NewIndexMapping()
	if err := addAnalyzers(m); err != nil {
		return nil, err
	}
	doc := blevesearch.NewDocumentStaticMapping()
	for name, analyzer := range textFields() {
		fm := blevesearch.NewTextFieldMapping()
		fm.Analyzer = analyzer
		fm.Store = false
		fm.IncludeTermVectors = false // confidence uses the index's own term sets
		fm.IncludeInAll = false
		fm.DocValues = false // nothing sorts or facets on text: doc values only cost build time and memory
		doc.AddFieldMappingsAt(name, fm)
	}
	for _, f := range []string{fCategory, fAudience} {
		km := blevesearch.NewKeywordFieldMapping()
		km.Store = false
		km.IncludeInAll = false
		km.DocValues = false
		doc.AddFieldMappingsAt(f, km)
	}
	// Every query names its fields: no composite "_all" field to build.
	doc.AddSubDocumentMapping("_all", blevesearch.NewDocumentDisabledMapping())
	m.DefaultMapping = doc
	m.DefaultAnalyzer = analyzerFold
	return m, nil
}

// document is what gets indexed for a service.
func document(s catalog.Service) map[string]any {
	head := s.Name + " ; " + strings.Join(s.Keywords, " ; ")
	d := map[string]any{
		fHead + stemSuffix: head, fSummary + stemSuffix: s.Summary,
		fHead + lightSuffix: head, fSummary + lightSuffix: s.Summary, fDescription + lightSuffix: s.Description,
		fCategory: s.Category,
	}
	if len(s.Audience) > 0 {
		d[fAudience] = s.Audience
	}
	for _, lang := range []string{"uk", "en"} {
		t, ok := s.Translations[lang]
		if !ok {
			continue
		}
		d[lang+"_"+fHead] = t.Name + " ; " + strings.Join(t.Keywords, " ; ")
		d[lang+"_"+fSummary] = t.Summary + " " + t.Description
	}
	return d
}

// Hit is one ranked service.
type Hit struct {
	Service catalog.Service
	Score   float64
}

// Query is a search as the catalogue commands and the bot ask it.
type Query struct {
	Text     string
	Lang     string // pl, uk, en: the language of the texts returned
	Category string // filter; falls back to no filter when nothing fits
	Audience string // filter; services for everyone always pass
	Limit    int    // 0: the index's default
}

// Result is a ranked list and whether the best hit fits the query well
// (Confident), or fits but could be another service (Tentative: the bot
// asks "czy chodzi o…?" rather than presenting it as the answer).
type Result struct {
	Hits      []Hit
	Confident bool
	Tentative bool
}

// Search implements bot.Searcher. Recent searches are answered from the
// index's cache (see resultCache).
func (ix *Index) Search(ctx context.Context, q bot.SearchQuery) (bot.SearchResult, error) {
	if out, ok := ix.results.get(q); ok {
		return out, nil
	}
	res, err := ix.Find(ctx, Query{Text: q.Text, Lang: q.Lang, Category: q.Category, Audience: q.Audience, Limit: q.Limit})
	if err != nil {
		return bot.SearchResult{}, err
	}
	out := bot.SearchResult{Confident: res.Confident, Tentative: res.Tentative}
	for _, h := range res.Hits {
		sv := botService(h.Service, q.Lang)
		sv.Score = h.Score
		out.Services = append(out.Services, sv)
	}
	ix.results.put(q, out)
	return out, nil
}

// Service implements bot.ServiceFinder.
func (ix *Index) Service(id, lang string) (bot.Service, bool) {
	s, ok := ix.services[id]
	if !ok {
		return bot.Service{}, false
	}
	return botService(s, lang), true
}

// botService is what the engine shows of a service, in lang.
func botService(s catalog.Service, lang string) bot.Service {
	s = s.In(lang)
	return bot.Service{
		ID: s.ID, Name: s.Name, Category: s.Category, Summary: s.Summary, Description: s.Description,
		Eligibility: s.Eligibility, Cost: s.Cost, HowToApply: s.HowToApply, Documents: s.Documents,
		Appointment: s.Appointment, Referral: s.Referral(), Provider: bot.Provider(s.Provider),
	}
}

// Find ranks services for q. With a category or audience filter that
// leaves nothing confident, it searches the whole catalogue instead: a
// resident who picked "seniorzy" and then wrote about debts should still
// find debt advice.
func (ix *Index) Find(ctx context.Context, q Query) (Result, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = ix.cfg.Limit
	}
	plan := ix.plan(q.Text)
	if plan.empty() {
		return ix.preferNamed(q.Text, Result{}, limit), nil
	}
	var filtered Result
	if q.Category != "" || q.Audience != "" {
		res, err := ix.run(ctx, plan, q.Category, q.Audience, limit)
		if err != nil || res.Confident {
			return ix.preferNamed(q.Text, res, limit), err
		}
		filtered = res
	}
	res, err := ix.run(ctx, plan, "", "", limit)
	if err == nil && !res.Confident && filtered.Tentative {
		res = filtered // unsure either way: the resident's topic decides
	}
	return ix.preferNamed(q.Text, res, limit), err
}

func (ix *Index) run(ctx context.Context, p *plan, category, audience string, limit int) (Result, error) {
	var q query.Query = p.query
	var filters []query.Query
	if category != "" {
		t := blevesearch.NewTermQuery(category)
		t.SetField(fCategory)
		t.SetBoost(0.001)
		filters = append(filters, t)
	}
	if audience != "" {
		a := blevesearch.NewTermQuery(audience)
		a.SetField(fAudience)
		all := blevesearch.NewTermQuery(catalog.ForEveryone)
		all.SetField(fAudience)
		d := blevesearch.NewDisjunctionQuery(a, all)
		d.SetBoost(0.001)
		filters = append(filters, d)
	}
	if len(filters) > 0 {
		q = blevesearch.NewConjunctionQuery(append([]query.Query{q}, filters...)...)
	}
	req := blevesearch.NewSearchRequestOptions(q, max(limit, 10), 0, false)
	res, err := ix.idx.SearchInContext(ctx, req)
	if err != nil {
		return Result{}, fmt.Errorf("search catalogue: %w", err)
	}
	var out Result
	if len(res.Hits) == 0 {
		return out, nil
	}
	top := res.Hits[0]
	f := p.fit(ix.termsOf(top.ID), ix.headTermsOf(top.ID))
	runnerUp := 0.0
	if len(res.Hits) > 1 {
		second := res.Hits[1].ID
		runnerUp = p.fit(ix.termsOf(second), ix.headTermsOf(second)).weightInHead
	}
	out.Confident = f.sure(p.services, runnerUp)
	out.Tentative = !out.Confident && f.fits()
	for _, h := range res.Hits {
		if len(out.Hits) == limit {
			break
		}
		// Weak tails are noise to a resident: keep hits near the best.
		if h.Score < top.Score*relativeFloor {
			break
		}
		if s, ok := ix.services[h.ID]; ok {
			out.Hits = append(out.Hits, Hit{Service: s, Score: h.Score})
		}
	}
	return out, nil
}

// termsOf returns a service's light stems, computed once.
func (ix *Index) termsOf(id string) termSet {
	if ts, ok := ix.terms.Load(id); ok {
		return ts.(termSet)
	}
	ts := serviceTerms(ix.services[id])
	ix.terms.Store(id, ts)
	return ts
}

// relativeFloor drops hits scoring below this share of the best one.
const relativeFloor = 0.3

// isCyrillic reports a word written in Cyrillic letters.
func isCyrillic(w string) bool {
	for _, r := range w {
		if unicode.Is(unicode.Cyrillic, r) {
			return true
		}
	}
	return false
}

// words splits a query keeping diacritics (for stemming) next to the
// folded form (for folded fields).
func words(text string) []word {
	var out []word
	for _, f := range strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsNumber(r) && r != '\'' && r != '’'
	}) {
		f = apostrophes.Replace(f)
		folded := textnorm.Fold(f)
		if folded == "" {
			continue
		}
		out = append(out, word{orig: f, folded: folded, cyrillic: isCyrillic(f)})
	}
	return out
}

// apostrophes are dropped inside words ("don't", Ukrainian "б'є").
var apostrophes = strings.NewReplacer("'", "", "’", "")

type word struct {
	orig, folded string
	cyrillic     bool
}
