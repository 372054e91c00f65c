package needs

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Format is a rendering of the report.
type Format string

// The renderings of the report.
const (
	Markdown Format = "markdown" // for reading in a terminal, a wiki or an e-mail
	CSV      Format = "csv"      // for spreadsheets: one tidy table of every figure
	JSON     Format = "json"     // for other programs: the Report as it is
	HTML     Format = "html"     // one self-contained page with charts, for people who would rather look
)

// Formats lists the renderings, for help texts.
var Formats = []Format{Markdown, CSV, JSON, HTML}

// ParseFormat reads a format's name ("md" is Markdown).
func ParseFormat(s string) (Format, error) {
	switch f := Format(strings.ToLower(strings.TrimSpace(s))); f {
	case Markdown, CSV, JSON, HTML:
		return f, nil
	case "md":
		return Markdown, nil
	}
	return "", fmt.Errorf("unknown report format %q: use markdown, csv, json or html", s)
}

// Render writes the report in the format.
func (r *Report) Render(w io.Writer, f Format) error {
	switch f {
	case Markdown:
		return r.WriteMarkdown(w)
	case CSV:
		return r.WriteCSV(w)
	case JSON:
		return r.WriteJSON(w)
	case HTML:
		return r.WriteHTML(w)
	}
	return fmt.Errorf("unknown report format %q", f)
}

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}

// WriteCSV writes every figure of the report as one table with the
// columns sekcja (section), okres (period), klucz (key), etykieta
// (label), liczba (count), udzial (share, 0–1) and uwagi (notes).
func (r *Report) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	row := func(section, period, key, label string, n int64, share float64, note string) {
		s := ""
		if share > 0 {
			s = strconv.FormatFloat(share, 'f', 4, 64)
		}
		_ = cw.Write([]string{cellSafe(section), cellSafe(period), cellSafe(key), cellSafe(label), strconv.FormatInt(n, 10), s, cellSafe(note)})
	}
	_ = cw.Write([]string{"sekcja", "okres", "klucz", "etykieta", "liczba", "udzial", "uwagi"})
	all := r.From + "/" + r.To
	t := r.Totals
	for _, s := range []struct {
		key, label string
		n          int64
	}{
		{"conversations", "rozmowy", t.Conversations}, {"searches", "wyszukiwania", t.Searches},
		{"unmatched", "wyszukiwania bez dopasowania", t.Unmatched}, {"crises", "sytuacje kryzysowe", t.Crises},
		{"cases", "sprawy dla pracowników", t.Cases}, {"urgent_cases", "w tym pilne", t.UrgentCases},
		{"claimed", "sprawy podjęte", t.Claimed}, {"ratings", "oceny", t.Ratings}, {"suggested", "proponowane usługi", t.Suggested},
	} {
		row("podsumowanie", all, s.key, s.label, s.n, 0, "")
	}
	topicNames := map[string]string{}
	for _, it := range r.Topics {
		topicNames[it.Key] = it.Label
	}
	for _, p := range r.Trend {
		period := p.Start + "/" + p.End
		row("trend", period, "conversations", "rozmowy", p.Conversations, 0, "")
		for _, k := range sortedKeys(p.ByLanguage) {
			row("trend_jezyki", period, k, languageLabel(k), p.ByLanguage[k], 0, "")
		}
		for _, k := range sortedKeys(p.ByTopic) {
			row("trend_tematy", period, k, topicNames[k], p.ByTopic[k], 0, "")
		}
		row("trend", period, "searches", "wyszukiwania", p.Searches, 0, "")
		row("trend", period, "unmatched", "bez dopasowania", p.Unmatched, 0, "")
		row("trend", period, "crises", "sytuacje kryzysowe", p.Crises, 0, "")
		row("trend", period, "cases", "sprawy", p.Cases, 0, "")
	}
	items := func(section string, list []Item) {
		for _, it := range list {
			row(section, all, it.Key, it.Label, it.Count, it.Share, trendText(it.First, it.Second))
		}
	}
	items("jezyki", r.Languages)
	items("zmiany_jezyka", r.LanguageSwitches)
	items("tematy", r.Topics)
	for _, s := range r.Searches {
		row("wyszukiwania", all, s.Key, s.Label, s.Searches, 0, "")
		row("wyszukiwania_bez_dopasowania", all, s.Key, s.Label, s.Unmatched, s.Share, "")
	}
	items("kryzysy", r.Crises)
	for _, c := range r.Cases {
		row("sprawy_zwykle", all, c.Key, c.Label, c.Normal, 0, "")
		row("sprawy_pilne", all, c.Key, c.Label, c.Urgent, 0, "")
	}
	for _, b := range r.Claim.Buckets {
		row("czas_podjecia", all, strconv.FormatInt(b.To, 10), b.Label, b.Count, ratio(b.Count, r.Claim.Claimed), "")
	}
	items("zakonczenia", r.Closed)
	items("oceny", r.Ratings.Dist)
	for _, g := range r.Unmet {
		var ex []string
		for _, e := range g.Examples {
			ex = append(ex, fmt.Sprintf("%s (%d)", e.Text, e.Count))
		}
		row("niezaspokojone_potrzeby", all, g.Label, strings.Join(g.Forms, ", "), g.Queries, ratio(g.Queries, r.Totals.Unmatched), strings.Join(append(ex, g.Related...), " | "))
	}
	for _, q := range r.UnmatchedQueries {
		row("zapytania_bez_dopasowania", all, "", q.Text, q.Count, 0, "")
	}
	items("uslugi_najczesciej", r.ServicesMost)
	items("uslugi_najrzadziej", r.ServicesLeast)
	items("uslugi_nigdy", r.ServicesNever)
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}

// cellSafe neutralises a cell a spreadsheet would take for a formula (a
// resident's "=HYPERLINK(…)", "+48…", "@SUM(…)", or a tab or carriage
// return first): it gets a leading apostrophe, which Excel and LibreOffice
// show as text. Every text cell of every CSV export goes through it.
func cellSafe(s string) string {
	if s != "" && strings.IndexByte("=+-@\t\r", s[0]) >= 0 {
		return "'" + s
	}
	return s
}

// WriteMarkdown writes the report for reading, in Polish.
func (r *Report) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	title := "Raport potrzeb mieszkańców"
	if r.Title != "" {
		title += " — " + r.Title
	}
	p("# %s\n\n", mdEscape(title))
	p("Okres: %s – %s (%s) · wygenerowano %s\n\n", r.From, r.To, daysPL(r.Days), r.Generated)
	p("Dane są anonimowe: liczniki dzienne bez identyfikatorów rozmów; zapytania bez dopasowania zapisane po usunięciu danych osobowych.\n\n")

	p("## Podsumowanie\n\n| | |\n|---|--:|\n")
	t := r.Totals
	p("| Rozmowy | %s |\n", num(t.Conversations))
	p("| Wyszukiwania w katalogu | %s |\n", num(t.Searches))
	p("| Wyszukiwania bez dopasowania | %s (%s) |\n", num(t.Unmatched), pct(ratio(t.Unmatched, t.Searches)))
	p("| Sytuacje kryzysowe | %s |\n", num(t.Crises))
	p("| Sprawy dla pracowników | %s (pilne: %s) |\n", num(t.Cases), num(t.UrgentCases))
	p("| Sprawy podjęte | %s |\n", num(t.Claimed))
	p("| Czas do podjęcia sprawy (mediana) | %s |\n", r.Claim.medianText())
	p("| Ocena pomocy | %s |\n\n", r.Ratings.text())

	p("## Niezaspokojone potrzeby\n\n")
	p("Czego szukano, a katalog nie miał dobrze pasującej usługi — słowa zapytań zebrane według rdzenia (odmiany i pisownia bez polskich znaków razem), najczęstsze najpierw.\n\n")
	if len(r.Unmet) == 0 {
		p("_Brak zapytań bez dopasowania w tym okresie._\n\n")
	} else {
		p("| # | Potrzeba | Zapytania | Odmiany | Przykłady |\n|--:|---|--:|---|---|\n")
		for i, g := range r.Unmet {
			var ex []string
			for _, e := range g.Examples {
				s := "„" + mdEscape(e.Text) + "”"
				if e.Count > 1 {
					s += " ×" + num(e.Count)
				}
				ex = append(ex, s)
			}
			forms := strings.Join(g.Forms, ", ")
			if len(g.Related) > 0 {
				forms += "; w tych samych zapytaniach: " + strings.Join(g.Related, ", ")
			}
			p("| %d | **%s** | %s | %s | %s |\n", i+1, mdEscape(g.Label), num(g.Queries), mdEscape(forms), strings.Join(ex, "; "))
		}
		p("\n")
	}

	p("## Tematy\n\n")
	itemTable(&b, "Temat", "Wybory", r.Topics)
	p("## Wyszukiwania według tematu\n\n")
	if len(r.Searches) == 0 {
		p("_Brak danych._\n\n")
	} else {
		p("| Temat | Wyszukiwania | Bez dopasowania | Odsetek |\n|---|--:|--:|--:|\n")
		for _, s := range r.Searches {
			p("| %s | %s | %s | %s |\n", mdEscape(s.Label), num(s.Searches), num(s.Unmatched), pct(s.Share))
		}
		p("\n")
	}
	p("## Języki rozmów\n\n")
	itemTable(&b, "Język", "Rozmowy", r.Languages)
	if len(r.LanguageSwitches) > 0 {
		p("Zmiany języka w trakcie rozmowy:\n\n")
		itemTable(&b, "Na język", "Zmiany", r.LanguageSwitches)
	}

	if r.Period == "week" {
		p("## Trend tygodniowy\n\n")
	} else {
		p("## Trend dzienny\n\n")
	}
	langs := trendLanguages(r)
	p("| Okres | Rozmowy |")
	for _, l := range langs {
		p(" %s |", languageLabel(l))
	}
	p(" Wyszukiwania | Bez dopasowania | Kryzysy | Sprawy |\n|---|--:|")
	for range langs {
		p("--:|")
	}
	p("--:|--:|--:|--:|\n")
	for _, row := range r.Trend {
		p("| %s | %s |", row.Label, num(row.Conversations))
		for _, l := range langs {
			p(" %s |", num(row.ByLanguage[l]))
		}
		p(" %s | %s | %s | %s |\n", num(row.Searches), num(row.Unmatched), num(row.Crises), num(row.Cases))
	}
	p("\n")

	p("## Sytuacje kryzysowe\n\n")
	itemTable(&b, "Rodzaj", "Liczba", r.Crises)

	p("## Sprawy dla pracowników\n\n")
	if len(r.Cases) == 0 {
		p("_Brak spraw w tym okresie._\n\n")
	} else {
		p("| Temat | Zwykłe | Pilne | Razem |\n|---|--:|--:|--:|\n")
		for _, c := range r.Cases {
			p("| %s | %s | %s | %s |\n", mdEscape(c.Label), num(c.Normal), num(c.Urgent), num(c.Normal+c.Urgent))
		}
		p("\n")
	}
	p("Czas od przekazania sprawy do jej podjęcia przez pracownika: podjęto %s, średnio %s, mediana %s, 90%% spraw w %s.\n\n",
		num(r.Claim.Claimed), r.Claim.meanText(), r.Claim.medianText(), r.Claim.p90Text())
	if r.Claim.Claimed > 0 {
		p("| Czas do podjęcia | Sprawy |\n|---|--:|\n")
		for _, bk := range r.Claim.Buckets {
			if bk.Count > 0 {
				p("| %s | %s |\n", bk.Label, num(bk.Count))
			}
		}
		p("\n")
	}
	if len(r.Closed) > 0 {
		itemTable(&b, "Zakończenie sprawy", "Sprawy", r.Closed)
	}

	p("## Ocena pomocy\n\n")
	p("%s\n\n", r.Ratings.text())
	if r.Ratings.Count > 0 {
		p("| Ocena | Liczba | Udział |\n|--:|--:|--:|\n")
		for _, it := range r.Ratings.Dist {
			p("| %s | %s | %s |\n", it.Label, num(it.Count), pct(it.Share))
		}
		p("\n")
	}

	p("## Usługi proponowane mieszkańcom\n\n")
	p("Najczęściej:\n\n")
	itemTable(&b, "Usługa", "Razy", r.ServicesMost)
	if len(r.ServicesLeast) > 0 {
		p("Najrzadziej (spośród proponowanych):\n\n")
		itemTable(&b, "Usługa", "Razy", r.ServicesLeast)
	}
	if len(r.ServicesNever) > 0 {
		p("Ani razu (%s z katalogu):\n\n", num(int64(len(r.ServicesNever))))
		for _, it := range r.ServicesNever {
			p("- %s (`%s`)\n", mdEscape(it.Label), it.Key)
		}
		p("\n")
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}

// itemTable writes a list of counts with shares and the trend.
func itemTable(b *strings.Builder, what, counted string, items []Item) {
	if len(items) == 0 {
		b.WriteString("_Brak danych._\n\n")
		return
	}
	fmt.Fprintf(b, "| %s | %s | Udział | Zmiana (2. połowa okresu wobec 1.) |\n|---|--:|--:|---|\n", what, counted)
	for _, it := range items {
		fmt.Fprintf(b, "| %s | %s | %s | %s |\n", mdEscape(it.Label), num(it.Count), pct(it.Share), trendText(it.First, it.Second))
	}
	b.WriteString("\n")
}

// trendLanguages are the languages of the trend's columns, most used first.
func trendLanguages(r *Report) []string {
	var out []string
	for _, it := range r.Languages {
		out = append(out, it.Key)
	}
	return out
}

func (c ClaimStats) medianText() string {
	if c.Claimed == 0 || c.Median.Label == "" {
		return "—"
	}
	return c.Median.Label
}

func (c ClaimStats) p90Text() string {
	if c.Claimed == 0 || c.P90.Label == "" {
		return "—"
	}
	return c.P90.Label
}

func (c ClaimStats) meanText() string {
	if c.Claimed == 0 {
		return "—"
	}
	return durationPL(int64(math.Round(c.MeanSeconds)))
}

func (r RatingStats) text() string {
	if r.Count == 0 {
		return "brak ocen"
	}
	return decimal(r.Mean) + " / 5 (" + ratingsPL(r.Count) + ")"
}

// trendText compares the second half of the period with the first.
func trendText(first, second int64) string {
	switch {
	case first == 0 && second == 0:
		return "–"
	case first == 0:
		return "↑ nowe"
	}
	change := float64(second-first) / float64(first)
	switch {
	case math.Abs(change) < 0.05:
		return "→ bez zmian"
	case change > 0:
		return "↑ +" + strconv.Itoa(int(math.Round(change*100))) + "%"
	}
	return "↓ −" + strconv.Itoa(int(math.Round(-change*100))) + "%"
}

// num writes a count the Polish way: a space between thousands from five
// digits on ("12 345", but "1234").
func num(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	if len(s) > 4 {
		var b strings.Builder
		for i, c := range s {
			if i > 0 && (len(s)-i)%3 == 0 {
				b.WriteString("\u00a0")
			}
			b.WriteRune(c)
		}
		s = b.String()
	}
	if neg {
		s = "−" + s
	}
	return s
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// pct writes a share as a whole percent ("12%"), "<1%" for a small one.
func pct(share float64) string {
	switch {
	case share == 0:
		return "0%"
	case share < 0.005:
		return "<1%"
	}
	return strconv.Itoa(int(math.Round(share*100))) + "%"
}

// decimal writes a number with one decimal and a comma ("4,3").
func decimal(v float64) string {
	return strings.Replace(strconv.FormatFloat(v, 'f', 1, 64), ".", ",", 1)
}

// daysPL: "1 dzień", "30 dni".
func daysPL(n int) string {
	if n == 1 {
		return "1 dzień"
	}
	return strconv.Itoa(n) + " dni"
}

// ratingsPL: "1 ocena", "3 oceny", "5 ocen", "22 oceny".
func ratingsPL(n int64) string {
	word := "ocen"
	switch {
	case n == 1:
		word = "ocena"
	case n%10 >= 2 && n%10 <= 4 && (n%100 < 12 || n%100 > 14):
		word = "oceny"
	}
	return num(n) + " " + word
}

// mdEscape keeps a resident's words from being read as Markdown or HTML.
func mdEscape(s string) string { return markdownEscaper.Replace(s) }

var markdownEscaper = strings.NewReplacer(`\`, `\\`, "|", `\|`, "*", `\*`, "_", `\_`, "`", "\\`", "<", "&lt;", ">", "&gt;", "[", `\[`, "]", `\]`)

func sortedKeys(c Counts) []string {
	keys := make([]string, 0, len(c))
	for k := range c {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// WriteSlackSummary writes a short summary of the report in Slack mrkdwn,
// for the staff channel (bot/slack.PostSummary): the headline figures, the
// five most frequent unmet needs with an example each, the top topics.
func (r *Report) WriteSlackSummary(w io.Writer) error {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	esc := slackEscaper.Replace
	title := "Potrzeby mieszkańców"
	if r.Title != "" {
		title += " — " + r.Title
	}
	p("*%s* (%s – %s)\n", esc(title), r.From, r.To)
	t := r.Totals
	var langs []string
	for _, it := range r.Languages {
		langs = append(langs, it.Label+" "+num(it.Count))
	}
	p("• Rozmowy: %s", num(t.Conversations))
	if len(langs) > 0 {
		p(" (%s)", strings.Join(langs, ", "))
	}
	p("\n• Wyszukiwania: %s, bez dopasowania: %s (%s)\n", num(t.Searches), num(t.Unmatched), pct(ratio(t.Unmatched, t.Searches)))
	p("• Sytuacje kryzysowe: %s\n", num(t.Crises))
	p("• Sprawy dla pracowników: %s (pilne: %s); czas do podjęcia, mediana: %s\n", num(t.Cases), num(t.UrgentCases), r.Claim.medianText())
	p("• Ocena pomocy: %s\n", r.Ratings.text())
	if len(r.Unmet) > 0 {
		p("*Czego brakowało w katalogu* (słowa zapytań bez dopasowania):\n")
		for i, g := range r.Unmet {
			if i == 5 {
				break
			}
			p("%d. %s — %s", i+1, esc(g.Label), num(g.Queries))
			if len(g.Examples) > 0 {
				p(" (np. „%s”)", esc(g.Examples[0].Text))
			}
			p("\n")
		}
	}
	if len(r.Topics) > 0 {
		var top []string
		for i, it := range r.Topics {
			if i == 5 {
				break
			}
			top = append(top, esc(it.Label)+" "+num(it.Count))
		}
		p("*Najczęstsze tematy:* %s\n", strings.Join(top, ", "))
	}
	p("Pełny raport: `okienko report --since %s --until %s --format html`\n", r.From, r.To)
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write summary: %w", err)
	}
	return nil
}

// slackEscaper escapes what Slack's mrkdwn reads as markup.
var slackEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")
