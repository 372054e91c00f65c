package needs

import (
	"fmt"
	"html/template"
	"io"
	"math"
	"strings"
	"unicode/utf8"
)

// WriteHTML writes the report as one self-contained page: inline CSS and
// inline SVG charts, no scripts, fonts or images from anywhere else, so
// that it can be mailed or opened offline. Every chart has a title and a
// description for screen readers and a table with the same figures.
func (r *Report) WriteHTML(w io.Writer) error {
	if err := pageTemplate.Execute(w, newPage(r)); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}

// Chart geometry, in SVG user units (the charts scale with the page).
const (
	chartWidth = 1000
	rowHeight  = 30
	barHeight  = 20
	labelWidth = 300
	labelRunes = 34 // what fits in labelWidth at the charts' font size
)

// Colours distinguishable with common colour-blindness (Okabe–Ito).
var palette = []string{"#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#999999", "#F0E442"}

const (
	colourMatched   = "#0072B2"
	colourUnmatched = "#D55E00"
	colourUrgent    = "#D55E00"
	colourNormal    = "#0072B2"
)

type page struct {
	R      *Report
	Title  string
	Period string
	Tiles  []tile
	Unmet  *hbars
	Trend  *vbars
	Topics *hbars
	Search *hbars
	Langs  *hbars
	Crises *hbars
	Cases  *hbars
	Claim  *vbars
	Rating *vbars
	Served *hbars
	Langs2 []string // the trend's language columns
}

type tile struct{ Label, Value, Note string }

// hbars is a horizontal bar chart: a row per thing, bars of one or more
// segments.
type hbars struct {
	ID, Title, Desc string
	Width, Height   int
	Rows            []hrow
	Legend          []legendItem
	LegendY         int
}

type hrow struct {
	Label, Full   string
	Y, TextY      int
	Segs          []seg
	Value         string
	ValueX        int
	LabelX        int
	BarX, BarEndX int
}

type seg struct {
	X, Y, W, H int
	Colour     string
	Title      string
}

type legendItem struct {
	X      int
	Colour string
	Label  string
}

// vbars is a vertical bar chart over periods or classes, bars stacked.
type vbars struct {
	ID, Title, Desc string
	Width, Height   int
	Left, Right     int
	Base            int
	Bars            []vbar
	Grid            []gridLine
	Legend          []legendItem
	LegendY         int
}

type vbar struct {
	Segs   []seg
	Label  string
	LabelX int
	Value  string
	ValueY int
}

type gridLine struct {
	Y     int
	Label string
}

func newPage(r *Report) *page {
	pg := &page{R: r, Title: "Raport potrzeb mieszkańców", Period: r.From + " – " + r.To + " (" + daysPL(r.Days) + ")"}
	t := r.Totals
	pg.Tiles = []tile{
		{"Rozmowy", num(t.Conversations), ""},
		{"Wyszukiwania", num(t.Searches), ""},
		{"Bez dopasowania", num(t.Unmatched), pct(ratio(t.Unmatched, t.Searches)) + " wyszukiwań"},
		{"Sytuacje kryzysowe", num(t.Crises), ""},
		{"Sprawy dla pracowników", num(t.Cases), "pilne: " + num(t.UrgentCases)},
		{"Czas do podjęcia (mediana)", r.Claim.medianText(), "podjęto " + num(r.Claim.Claimed)},
		{"Ocena pomocy", ratingTile(r.Ratings), ratingsPL(r.Ratings.Count)},
	}

	if len(r.Unmet) > 0 {
		var rows []barRow
		for i, g := range r.Unmet {
			if i == 15 {
				break
			}
			rows = append(rows, barRow{label: g.Label, parts: []part{{g.Queries, colourUnmatched, "zapytania"}}})
		}
		pg.Unmet = newHBars("ch-unmet", "Niezaspokojone potrzeby: najczęstsze słowa zapytań bez dopasowania",
			"Liczba wyszukiwań bez dobrze pasującej usługi, w których padło dane słowo (w dowolnej odmianie).", rows, nil)
	}

	langColour := map[string]string{}
	for i, it := range r.Languages {
		langColour[it.Key] = palette[i%len(palette)]
		pg.Langs2 = append(pg.Langs2, it.Key)
	}
	if t.Conversations > 0 {
		var bars []barRow
		for _, p := range r.Trend {
			br := barRow{label: shortPeriod(p), full: p.Label}
			for _, it := range r.Languages {
				br.parts = append(br.parts, part{p.ByLanguage[it.Key], langColour[it.Key], it.Label})
			}
			bars = append(bars, br)
		}
		var legend []legendItem
		for _, it := range r.Languages {
			legend = append(legend, legendItem{Colour: langColour[it.Key], Label: it.Label})
		}
		step := "dzień"
		if r.Period == "week" {
			step = "tydzień"
		}
		pg.Trend = newVBars("ch-trend", "Rozmowy w czasie (na "+step+", według języka)",
			"Liczba rozmów rozpoczętych w każdym okresie, słupki podzielone według języka rozmowy.", bars, legend)
	}

	pg.Topics = itemBars("ch-topics", "Wybrane tematy", "Ile razy mieszkańcy wybrali dany temat.", r.Topics, palette[0])
	if len(r.Searches) > 0 {
		var rows []barRow
		for _, s := range r.Searches {
			rows = append(rows, barRow{label: s.Label, parts: []part{
				{s.Searches - s.Unmatched, colourMatched, "z dopasowaniem"},
				{s.Unmatched, colourUnmatched, "bez dopasowania"},
			}, value: num(s.Searches) + " · " + pct(s.Share) + " bez"})
		}
		pg.Search = newHBars("ch-search", "Wyszukiwania według tematu",
			"Wyszukiwania w katalogu w każdym temacie; część pomarańczowa to wyszukiwania bez dobrze pasującej usługi.", rows,
			[]legendItem{{Colour: colourMatched, Label: "z dopasowaniem"}, {Colour: colourUnmatched, Label: "bez dopasowania"}})
	}
	pg.Langs = itemBars("ch-langs", "Języki rozmów", "Liczba rozmów rozpoczętych w każdym języku.", r.Languages, palette[2])
	pg.Crises = itemBars("ch-crises", "Sytuacje kryzysowe", "Liczba wiadomości rozpoznanych jako sytuacja kryzysowa, według rodzaju.", r.Crises, colourUrgent)
	if len(r.Cases) > 0 {
		var rows []barRow
		for _, c := range r.Cases {
			rows = append(rows, barRow{label: c.Label, parts: []part{{c.Normal, colourNormal, "zwykłe"}, {c.Urgent, colourUrgent, "pilne"}}})
		}
		pg.Cases = newHBars("ch-cases", "Sprawy przekazane pracownikom, według tematu",
			"Sprawy zwykłe i pilne w każdym temacie.", rows,
			[]legendItem{{Colour: colourNormal, Label: "zwykłe"}, {Colour: colourUrgent, Label: "pilne"}})
	}
	if r.Claim.Claimed > 0 {
		var bars []barRow
		for _, b := range r.Claim.Buckets {
			bars = append(bars, barRow{label: b.Label, parts: []part{{b.Count, palette[0], "sprawy"}}})
		}
		pg.Claim = newVBars("ch-claim", "Czas od przekazania sprawy do jej podjęcia",
			"Liczba spraw podjętych przez pracownika w danym przedziale czasu od przekazania.", bars, nil)
	}
	if r.Ratings.Count > 0 {
		var bars []barRow
		for _, it := range r.Ratings.Dist {
			bars = append(bars, barRow{label: it.Label, parts: []part{{it.Count, palette[2], "oceny"}}})
		}
		pg.Rating = newVBars("ch-rating", "Oceny pomocy (1 — źle, 5 — bardzo dobrze)",
			"Liczba ocen każdej wartości wystawionych przez mieszkańców po zakończeniu sprawy.", bars, nil)
	}
	pg.Served = itemBars("ch-served", "Usługi proponowane najczęściej", "Ile razy usługa została pokazana mieszkańcowi.", r.ServicesMost, palette[0])
	return pg
}

func ratingTile(r RatingStats) string {
	if r.Count == 0 {
		return "—"
	}
	return decimal(r.Mean) + " / 5"
}

// shortPeriod labels a bar of the trend with its first day ("17.11").
func shortPeriod(p PeriodRow) string { return p.Start[8:10] + "." + p.Start[5:7] }

type part struct {
	n      int64
	colour string
	name   string
}

type barRow struct {
	label, full, value string
	parts              []part
}

func itemBars(id, title, desc string, items []Item, colour string) *hbars {
	if len(items) == 0 {
		return nil
	}
	var rows []barRow
	for _, it := range items {
		rows = append(rows, barRow{label: it.Label, parts: []part{{it.Count, colour, ""}}, value: num(it.Count) + " · " + pct(it.Share) + " · " + trendText(it.First, it.Second)})
	}
	return newHBars(id, title, desc, rows, nil)
}

func newHBars(id, title, desc string, rows []barRow, legend []legendItem) *hbars {
	h := &hbars{ID: id, Title: title, Desc: desc, Width: chartWidth}
	var most int64
	margin := 0
	for i, r := range rows {
		most = max(most, total(r.parts))
		if r.value == "" {
			rows[i].value = num(total(r.parts))
		}
		margin = max(margin, 8*utf8.RuneCountInString(rows[i].value)+16)
	}
	scale := float64(chartWidth-labelWidth-margin) / float64(max(most, 1))
	y := 8
	if len(legend) > 0 {
		h.Legend, h.LegendY = layoutLegend(legend, labelWidth), 14
		y = 30
	}
	for _, r := range rows {
		row := hrow{Label: clip(r.label, labelRunes), Full: r.label, Y: y, TextY: y + barHeight/2 + 5, LabelX: labelWidth - 10, BarX: labelWidth}
		x := float64(labelWidth)
		for _, p := range r.parts {
			if p.n == 0 {
				continue
			}
			w := float64(p.n) * scale
			title := r.label + ": " + num(p.n)
			if p.name != "" {
				title = r.label + " — " + p.name + ": " + num(p.n)
			}
			row.Segs = append(row.Segs, seg{X: int(math.Round(x)), Y: y, W: max(int(math.Round(w)), 1), H: barHeight, Colour: p.colour, Title: title})
			x += w
		}
		row.ValueX = int(math.Round(x)) + 6
		row.Value = r.value
		h.Rows = append(h.Rows, row)
		y += rowHeight
	}
	h.Height = y + 4
	return h
}

func newVBars(id, title, desc string, bars []barRow, legend []legendItem) *vbars {
	const plotHeight, left, right = 240, 60, 20
	top := 20 // room for the tallest bar's value
	if len(legend) > 0 {
		top = 40
	}
	v := &vbars{ID: id, Title: title, Desc: desc, Width: chartWidth, Left: left, Right: chartWidth - right, Base: top + plotHeight}
	var most int64
	for _, b := range bars {
		most = max(most, total(b.parts))
	}
	ceiling := niceCeiling(most)
	for i := 0; i <= 4; i++ {
		val := ceiling * int64(i) / 4
		v.Grid = append(v.Grid, gridLine{Y: v.Base - int(math.Round(float64(plotHeight)*float64(i)/4)), Label: num(val)})
	}
	slot := float64(v.Right-left) / float64(max(len(bars), 1))
	barW := max(int(slot*0.7), 2)
	every := 1
	if slot < 44 {
		every = int(math.Ceil(44 / slot))
	}
	for i, b := range bars {
		x := left + int(slot*float64(i)+(slot-float64(barW))/2)
		bar := vbar{LabelX: x + barW/2}
		if i%every == 0 {
			bar.Label = b.label
		}
		y := float64(v.Base)
		for _, p := range b.parts {
			if p.n == 0 {
				continue
			}
			h := float64(plotHeight) * float64(p.n) / float64(ceiling)
			y -= h
			name := b.full
			if name == "" {
				name = b.label
			}
			t := name + ": " + num(p.n)
			if p.name != "" {
				t = name + " — " + p.name + ": " + num(p.n)
			}
			bar.Segs = append(bar.Segs, seg{X: x, Y: int(math.Round(y)), W: barW, H: max(int(math.Round(h)), 1), Colour: p.colour, Title: t})
		}
		if n := total(b.parts); n > 0 && slot >= 24 {
			bar.Value, bar.ValueY = num(n), int(math.Round(y))-5
		}
		v.Bars = append(v.Bars, bar)
	}
	v.Height = v.Base + 28
	if len(legend) > 0 {
		v.Legend, v.LegendY = layoutLegend(legend, left), 14
	}
	return v
}

func layoutLegend(items []legendItem, x int) []legendItem {
	out := make([]legendItem, len(items))
	for i, it := range items {
		it.X = x
		out[i] = it
		x += 30 + 8*utf8.RuneCountInString(it.Label)
	}
	return out
}

func total(parts []part) int64 {
	var n int64
	for _, p := range parts {
		n += p.n
	}
	return n
}

// niceCeiling is the smallest of 1, 2, 2.5, 5 × 10^k (and a multiple of 4
// for whole grid steps) not below n.
func niceCeiling(n int64) int64 {
	if n <= 4 {
		return 4
	}
	for mag := int64(1); ; mag *= 10 {
		for _, m := range []int64{4, 8, 10, 20, 40, 80} {
			if m*mag >= n {
				return m * mag
			}
		}
	}
}

// clip shortens a label for a chart; the full text is in its tooltip and
// the table.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return strings.TrimSpace(string([]rune(s)[:n-1])) + "…"
}

var pageTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
	"num":      num,
	"pct":      pct,
	"trend":    trendText,
	"lang":     languageLabel,
	"examples": exampleText,
	"join":     strings.Join,
	"get":      func(c Counts, k string) string { return num(c[k]) },
	"inc":      func(i int) int { return i + 1 },
	"add":      add,
	"len64":    func(items []Item) int64 { return int64(len(items)) },
	"median":   ClaimStats.medianText,
	"p90":      ClaimStats.p90Text,
	"mean":     ClaimStats.meanText,
	"ratings":  RatingStats.text,
	"args": func(what, counted string, items []Item) itemsTable {
		return itemsTable{What: what, Counted: counted, Items: items}
	},
}).Parse(pageHTML))

// itemsTable is a table of counts in the page.
type itemsTable struct {
	What, Counted string
	Items         []Item
}

// add sums two ints or two int64s for the template.
func add(a, b any) (any, error) {
	switch x := a.(type) {
	case int:
		if y, ok := b.(int); ok {
			return x + y, nil
		}
	case int64:
		if y, ok := b.(int64); ok {
			return x + y, nil
		}
	}
	return nil, fmt.Errorf("add %T and %T", a, b)
}

func exampleText(e Example) string {
	s := "„" + e.Text + "”"
	if e.Count > 1 {
		s += " ×" + num(e.Count)
	}
	return s
}

const pageHTML = `<!DOCTYPE html>
<html lang="pl">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}{{with .R.Title}} — {{.}}{{end}}, {{.Period}}</title>
<style>
:root { --ink: #1d2430; --muted: #5a6472; --line: #d9dee5; --bg: #ffffff; --panel: #f4f6f9; --accent: #0072B2; --warn: #D55E00; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--ink); font: 16px/1.5 system-ui, "DejaVu Sans", "Segoe UI", Roboto, sans-serif; }
main { max-width: 1100px; margin: 0 auto; padding: 24px 28px 48px; }
header { border-bottom: 3px solid var(--accent); padding-bottom: 12px; margin-bottom: 20px; }
h1 { font-size: 30px; margin: 0 0 4px; }
h2 { font-size: 22px; margin: 36px 0 8px; padding-top: 8px; border-top: 1px solid var(--line); }
h2.first { border-top: none; margin-top: 8px; }
h3 { font-size: 17px; margin: 20px 0 6px; }
.sub { color: var(--muted); margin: 0; }
.lead { color: var(--muted); margin: 4px 0 12px; max-width: 75ch; }
.tiles { display: grid; grid-template-columns: repeat(auto-fill, minmax(220px, 1fr)); gap: 12px; margin: 8px 0 4px; padding: 0; list-style: none; }
.tile { background: var(--panel); border-radius: 10px; padding: 12px 16px; border-left: 5px solid var(--accent); }
.tile .label { color: var(--muted); font-size: 14px; }
.tile .value { font-size: 28px; font-weight: 700; line-height: 1.2; }
.tile .note { color: var(--muted); font-size: 13px; }
.tile.warn { border-left-color: var(--warn); }
figure { margin: 16px 0 4px; }
figcaption { font-weight: 600; font-size: 17px; margin-bottom: 6px; }
svg { width: 100%; height: auto; display: block; }
svg text { font-family: system-ui, "DejaVu Sans", sans-serif; font-size: 14px; fill: var(--ink); }
svg .axis { font-size: 12px; fill: var(--muted); }
svg .grid { stroke: var(--line); stroke-width: 1; }
table { border-collapse: collapse; width: 100%; margin: 8px 0 16px; font-size: 15px; }
th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: var(--panel); font-weight: 600; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
details { margin: 4px 0 12px; }
summary { cursor: pointer; color: var(--accent); }
.need { font-weight: 700; }
.forms { color: var(--muted); font-size: 14px; }
.empty { color: var(--muted); font-style: italic; }
footer { margin-top: 40px; color: var(--muted); font-size: 14px; border-top: 1px solid var(--line); padding-top: 12px; }
@media print { details { display: block; } summary { display: none; } h2 { break-after: avoid; } figure, table { break-inside: avoid; } }
</style>
</head>
<body>
<main>
<header>
<h1>{{.Title}}</h1>
<p class="sub">{{with .R.Title}}{{.}} · {{end}}Okres: {{.Period}} · wygenerowano {{.R.Generated}}</p>
</header>

<section aria-labelledby="s-summary">
<h2 id="s-summary" class="first">Podsumowanie</h2>
<ul class="tiles">
{{range $i, $t := .Tiles}}<li class="tile{{if or (eq $i 2) (eq $i 3)}} warn{{end}}"><div class="label">{{$t.Label}}</div><div class="value">{{$t.Value}}</div>{{with $t.Note}}<div class="note">{{.}}</div>{{end}}</li>
{{end}}</ul>
</section>

<section aria-labelledby="s-unmet">
<h2 id="s-unmet">Niezaspokojone potrzeby</h2>
<p class="lead">Czego mieszkańcy szukali, a katalog nie miał dobrze pasującej usługi. Słowa zapytań zebrano według rdzenia: odmiany („mieszkania”, „mieszkaniem”) i pisownia bez polskich znaków liczą się razem. To wskazówka, czego w katalogu brakuje.</p>
{{with .Unmet}}{{template "hbars" .}}{{end}}
{{if .R.Unmet}}<table>
<caption class="lead" style="text-align:left">Zapytania bez dopasowania według słowa</caption>
<thead><tr><th class="n" scope="col">#</th><th scope="col">Potrzeba</th><th class="n" scope="col">Zapytania</th><th scope="col">Przykłady</th></tr></thead>
<tbody>{{range $i, $g := .R.Unmet}}<tr><td class="n">{{inc $i}}</td><td><span class="need">{{$g.Label}}</span><br><span class="forms">{{join $g.Forms ", "}}{{with $g.Related}}; w tych samych zapytaniach: {{join . ", "}}{{end}}</span></td><td class="n">{{num $g.Queries}}</td><td>{{range $j, $e := $g.Examples}}{{if $j}}<br>{{end}}{{examples $e}}{{end}}</td></tr>
{{end}}</tbody></table>{{else}}<p class="empty">Brak zapytań bez dopasowania w tym okresie.</p>{{end}}
</section>

<section aria-labelledby="s-trend">
<h2 id="s-trend">Rozmowy w czasie</h2>
{{with .Trend}}{{template "vbars" .}}{{else}}<p class="empty">Brak rozmów w tym okresie.</p>{{end}}
<details><summary>Tabela: {{if eq .R.Period "week"}}tygodnie{{else}}dni{{end}}</summary>
<table><thead><tr><th scope="col">Okres</th><th class="n" scope="col">Rozmowy</th>{{range .Langs2}}<th class="n" scope="col">{{lang .}}</th>{{end}}<th class="n" scope="col">Wyszukiwania</th><th class="n" scope="col">Bez dopasowania</th><th class="n" scope="col">Kryzysy</th><th class="n" scope="col">Sprawy</th></tr></thead>
<tbody>{{$langs := .Langs2}}{{range .R.Trend}}<tr><td>{{.Label}}</td><td class="n">{{num .Conversations}}</td>{{$row := .}}{{range $langs}}<td class="n">{{get $row.ByLanguage .}}</td>{{end}}<td class="n">{{num .Searches}}</td><td class="n">{{num .Unmatched}}</td><td class="n">{{num .Crises}}</td><td class="n">{{num .Cases}}</td></tr>
{{end}}</tbody></table></details>
</section>

<section aria-labelledby="s-topics">
<h2 id="s-topics">Tematy i wyszukiwania</h2>
{{with .Topics}}{{template "hbars" .}}{{end}}
<details><summary>Tabela: tematy</summary>{{template "items" (args "Temat" "Wybory" .R.Topics)}}</details>
{{with .Search}}{{template "hbars" .}}{{end}}
{{if .R.Searches}}<details><summary>Tabela: wyszukiwania według tematu</summary>
<table><thead><tr><th scope="col">Temat</th><th class="n" scope="col">Wyszukiwania</th><th class="n" scope="col">Bez dopasowania</th><th class="n" scope="col">Odsetek</th></tr></thead>
<tbody>{{range .R.Searches}}<tr><td>{{.Label}}</td><td class="n">{{num .Searches}}</td><td class="n">{{num .Unmatched}}</td><td class="n">{{pct .Share}}</td></tr>
{{end}}</tbody></table></details>{{end}}
</section>

<section aria-labelledby="s-langs">
<h2 id="s-langs">Języki</h2>
{{with .Langs}}{{template "hbars" .}}{{end}}
<details><summary>Tabela: języki</summary>{{template "items" (args "Język" "Rozmowy" .R.Languages)}}</details>
{{if .R.LanguageSwitches}}<h3>Zmiany języka w trakcie rozmowy</h3>{{template "items" (args "Na język" "Zmiany" .R.LanguageSwitches)}}{{end}}
</section>

<section aria-labelledby="s-crises">
<h2 id="s-crises">Sytuacje kryzysowe</h2>
{{with .Crises}}{{template "hbars" .}}
<details><summary>Tabela: sytuacje kryzysowe</summary>{{template "items" (args "Rodzaj" "Liczba" $.R.Crises)}}</details>{{else}}<p class="empty">Brak sytuacji kryzysowych w tym okresie.</p>{{end}}
</section>

<section aria-labelledby="s-cases">
<h2 id="s-cases">Sprawy dla pracowników</h2>
{{with .Cases}}{{template "hbars" .}}{{else}}<p class="empty">Brak spraw w tym okresie.</p>{{end}}
{{if .R.Cases}}<details><summary>Tabela: sprawy według tematu</summary>
<table><thead><tr><th scope="col">Temat</th><th class="n" scope="col">Zwykłe</th><th class="n" scope="col">Pilne</th><th class="n" scope="col">Razem</th></tr></thead>
<tbody>{{range .R.Cases}}<tr><td>{{.Label}}</td><td class="n">{{num .Normal}}</td><td class="n">{{num .Urgent}}</td><td class="n">{{num (add .Normal .Urgent)}}</td></tr>
{{end}}</tbody></table></details>{{end}}
<h3>Czas do podjęcia sprawy</h3>
<p>Podjęto {{num .R.Claim.Claimed}} spraw; mediana: {{median .R.Claim}}, 90% spraw: {{p90 .R.Claim}}, średnio: {{mean .R.Claim}}.</p>
{{with .Claim}}{{template "vbars" .}}
<details><summary>Tabela: czas do podjęcia</summary>
<table><thead><tr><th scope="col">Czas</th><th class="n" scope="col">Sprawy</th></tr></thead>
<tbody>{{range $.R.Claim.Buckets}}<tr><td>{{.Label}}</td><td class="n">{{num .Count}}</td></tr>
{{end}}</tbody></table></details>{{end}}
{{if .R.Closed}}<h3>Zakończenie spraw</h3>{{template "items" (args "Jak" "Sprawy" .R.Closed)}}{{end}}
</section>

<section aria-labelledby="s-rating">
<h2 id="s-rating">Ocena pomocy</h2>
<p>{{ratings .R.Ratings}}</p>
{{with .Rating}}{{template "vbars" .}}
<details><summary>Tabela: oceny</summary>
{{template "items" (args "Ocena" "Liczba" $.R.Ratings.Dist)}}</details>{{end}}
</section>

<section aria-labelledby="s-services">
<h2 id="s-services">Usługi proponowane mieszkańcom</h2>
{{with .Served}}{{template "hbars" .}}
<details><summary>Tabela: usługi proponowane najczęściej</summary>{{template "items" (args "Usługa" "Razy" $.R.ServicesMost)}}</details>{{else}}<p class="empty">Nie zaproponowano żadnej usługi w tym okresie.</p>{{end}}
{{if .R.ServicesLeast}}<h3>Najrzadziej (spośród proponowanych)</h3>
{{template "items" (args "Usługa" "Razy" .R.ServicesLeast)}}{{end}}
{{if .R.ServicesNever}}<h3>Ani razu</h3>
<details><summary>{{num (len64 .R.ServicesNever)}} usług z katalogu nie zaproponowano ani razu</summary>
<ul>{{range .R.ServicesNever}}<li>{{.Label}} <span class="forms">({{.Key}})</span></li>{{end}}</ul></details>{{end}}
</section>

<footer>Dane są anonimowe: dzienne liczniki bez identyfikatorów rozmów i bez godzin; zapytania bez dopasowania przechowywane wyłącznie po usunięciu numerów telefonów, adresów e-mail, numerów PESEL i kont, imion i adresów, i kasowane po okresie przechowywania. Raport wygenerował Okienko.</footer>
</main>
</body>
</html>
{{define "items"}}{{if .Items}}<table><thead><tr><th scope="col">{{.What}}</th><th class="n" scope="col">{{.Counted}}</th><th class="n" scope="col">Udział</th><th scope="col">Zmiana (2. połowa okresu wobec 1.)</th></tr></thead>
<tbody>{{range .Items}}<tr><td>{{.Label}}</td><td class="n">{{num .Count}}</td><td class="n">{{pct .Share}}</td><td>{{trend .First .Second}}</td></tr>
{{end}}</tbody></table>{{else}}<p class="empty">Brak danych w tym okresie.</p>{{end}}{{end}}
{{define "hbars"}}<figure>
<figcaption>{{.Title}}</figcaption>
<svg viewBox="0 0 {{.Width}} {{.Height}}" role="img" aria-labelledby="{{.ID}}-t {{.ID}}-d" xmlns="http://www.w3.org/2000/svg">
<title id="{{.ID}}-t">{{.Title}}</title>
<desc id="{{.ID}}-d">{{.Desc}}</desc>
{{range .Legend}}<rect x="{{.X}}" y="{{$.LegendY}}" width="14" height="14" fill="{{.Colour}}"/><text x="{{add .X 20}}" y="{{add $.LegendY 12}}">{{.Label}}</text>
{{end}}{{range .Rows}}<text x="{{.LabelX}}" y="{{.TextY}}" text-anchor="end">{{.Label}}<title>{{.Full}}</title></text>
{{range .Segs}}<rect x="{{.X}}" y="{{.Y}}" width="{{.W}}" height="{{.H}}" fill="{{.Colour}}" rx="2"><title>{{.Title}}</title></rect>
{{end}}<text x="{{.ValueX}}" y="{{.TextY}}" class="axis">{{.Value}}</text>
{{end}}</svg>
</figure>{{end}}
{{define "vbars"}}<figure>
<figcaption>{{.Title}}</figcaption>
<svg viewBox="0 0 {{.Width}} {{.Height}}" role="img" aria-labelledby="{{.ID}}-t {{.ID}}-d" xmlns="http://www.w3.org/2000/svg">
<title id="{{.ID}}-t">{{.Title}}</title>
<desc id="{{.ID}}-d">{{.Desc}}</desc>
{{range .Legend}}<rect x="{{.X}}" y="{{$.LegendY}}" width="14" height="14" fill="{{.Colour}}"/><text x="{{add .X 20}}" y="{{add $.LegendY 12}}">{{.Label}}</text>
{{end}}{{range .Grid}}<line class="grid" x1="{{$.Left}}" x2="{{$.Right}}" y1="{{.Y}}" y2="{{.Y}}"/><text class="axis" x="{{add $.Left -8}}" y="{{add .Y 4}}" text-anchor="end">{{.Label}}</text>
{{end}}{{range .Bars}}{{range .Segs}}<rect x="{{.X}}" y="{{.Y}}" width="{{.W}}" height="{{.H}}" fill="{{.Colour}}"><title>{{.Title}}</title></rect>
{{end}}{{end}}{{range .Bars}}{{if .Value}}<text class="axis" x="{{.LabelX}}" y="{{.ValueY}}" text-anchor="middle">{{.Value}}</text>
{{end}}{{if .Label}}<text class="axis" x="{{.LabelX}}" y="{{add $.Base 18}}" text-anchor="middle">{{.Label}}</text>
{{end}}{{end}}</svg>
</figure>{{end}}
`
