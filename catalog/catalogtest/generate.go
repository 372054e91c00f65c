// Package catalogtest generates large, realistic catalogues for benchmarks
// and tests of regional scale (thousands of services from every NGO and
// the city), built from the bundled sample so the texts are real Polish,
// Ukrainian and English.
package catalogtest

import (
	"fmt"
	"math/rand/v2"
	"strings"

	yaml "github.com/goccy/go-yaml"

	"okienko/catalog"
)

// Generate builds a catalogue of n services from the sample: each copy gets
// its own id, a district in its name and shuffled extra words in its
// description, so an index holds n distinct documents of realistic text.
// The same n always gives the same catalogue.
func Generate(n int) *catalog.Catalog {
	base, probs := catalog.Sample()
	if base == nil {
		panic(fmt.Sprint("catalogtest: the sample catalogue has errors: ", probs))
	}
	rng := rand.New(rand.NewPCG(1, 2))
	districts := []string{"Śródmieście", "Zatorze", "Nowe Osiedle", "Stare Miasto", "Podgórze", "Lotnisko", "Wschód", "Zachód"}
	var vocab []string
	for _, s := range base.Services {
		vocab = append(vocab, strings.Fields(s.Description)...)
	}
	out := &catalog.Catalog{Services: make([]catalog.Service, 0, n)}
	for i := range n {
		s := base.Services[i%len(base.Services)]
		s.ID = fmt.Sprintf("%s-%d", s.ID, i)
		s.Name = s.Name + " — " + districts[rng.IntN(len(districts))]
		extra := make([]string, 12)
		for j := range extra {
			extra[j] = vocab[rng.IntN(len(vocab))]
		}
		s.Description = s.Description + " " + strings.Join(extra, " ")
		out.Services = append(out.Services, s)
	}
	return out
}

// YAML writes the catalogue the way organizers do: block mappings with
// lists in flow style ([a, b]) and long texts on one line.
func YAML(c *catalog.Catalog) []byte {
	var b strings.Builder
	b.WriteString("services:\n")
	field := func(indent, key, v string) {
		if v != "" {
			fmt.Fprintf(&b, "%s%s: %s\n", indent, key, scalar(v))
		}
	}
	list := func(indent, key string, vs []string) {
		if len(vs) == 0 {
			return
		}
		out, err := yaml.MarshalWithOptions(vs, yaml.Flow(true))
		if err != nil {
			panic(fmt.Sprint("catalogtest: marshal: ", err))
		}
		fmt.Fprintf(&b, "%s%s: %s\n", indent, key, strings.TrimSpace(string(out)))
	}
	for _, s := range c.Services {
		fmt.Fprintf(&b, "  - id: %s\n", scalar(s.ID))
		const in = "    "
		field(in, "name", s.Name)
		field(in, "category", s.Category)
		field(in, "summary", s.Summary)
		field(in, "description", s.Description)
		list(in, "audience", s.Audience)
		list(in, "keywords", s.Keywords)
		field(in, "eligibility", s.Eligibility)
		field(in, "cost", s.Cost)
		b.WriteString(in + "provider:\n")
		p := s.Provider
		for _, kv := range [][2]string{{"name", p.Name}, {"address", p.Address}, {"phone", p.Phone}, {"email", p.Email}, {"hours", p.Hours}, {"url", p.URL}} {
			field(in+"  ", kv[0], kv[1])
		}
		if len(s.Translations) > 0 {
			b.WriteString(in + "translations:\n")
			for _, lang := range catalog.Languages {
				t, ok := s.Translations[lang]
				if !ok {
					continue
				}
				fmt.Fprintf(&b, "%s  %s:\n", in, lang)
				const tin = in + "    "
				field(tin, "name", t.Name)
				field(tin, "summary", t.Summary)
				field(tin, "description", t.Description)
				list(tin, "keywords", t.Keywords)
				field(tin, "eligibility", t.Eligibility)
				field(tin, "cost", t.Cost)
			}
		}
	}
	return []byte(b.String())
}

// scalar writes one text value, quoted when YAML needs it.
func scalar(v string) string {
	out, err := yaml.Marshal(v)
	if err != nil {
		panic(fmt.Sprint("catalogtest: marshal: ", err))
	}
	return strings.TrimSuffix(string(out), "\n")
}

// Files splits a generated catalogue of n services into files of at most
// per services each, named name-000.yaml, name-001.yaml… in dir order.
func Files(n, per int) []catalog.File {
	c := Generate(n)
	var out []catalog.File
	for i := 0; i*per < n; i++ {
		part := &catalog.Catalog{Services: c.Services[i*per : min((i+1)*per, n)]}
		out = append(out, catalog.File{Name: fmt.Sprintf("services-%03d.yaml", i), Data: YAML(part)})
	}
	return out
}
