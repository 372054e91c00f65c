package script

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"okienko/bot/orgtext"
)

// Graph formats for WriteGraph.
const (
	GraphMermaid = "mermaid"
	GraphDot     = "dot"
)

// GraphOptions choose what WriteGraphWith draws.
type GraphOptions struct {
	Format string // GraphMermaid or GraphDot
	// Step, when set, draws only the part of the flow that starts there
	// (one topic): the steps reachable from it without passing through
	// the start or a step global triggers lead to, which are drawn as
	// exits.
	Step string
}

// WriteGraph draws the whole flow in format.
func (sc *Script) WriteGraph(w io.Writer, format string) error {
	return sc.WriteGraphWith(w, GraphOptions{Format: format})
}

// WriteGraphWith draws the flow: steps as boxes (questions as rounded
// boxes, actions as hexagons), transitions as arrows labelled with the
// choices or conditions that lead there (one arrow per pair of steps), and
// the global triggers as a legend rather than arrows from every step.
func (sc *Script) WriteGraphWith(w io.Writer, o GraphOptions) error {
	if o.Step != "" {
		if _, ok := sc.Steps[o.Step]; !ok {
			return orgtext.Errorf("no step %q%v", o.Step, didYouMeanStep(sc, o.Step))
		}
	}
	g := sc.graph(o.Step)
	switch o.Format {
	case GraphMermaid:
		return g.writeMermaid(w)
	case GraphDot:
		return g.writeDot(w)
	}
	return orgtext.Errorf("unknown graph format %q (use mermaid or dot)", o.Format)
}

func didYouMeanStep(sc *Script, id string) orgtext.Msg {
	best, bestD := "", 3
	for _, k := range sc.Order {
		if d := editDistance(k, id); d < bestD {
			best, bestD = k, d
		}
	}
	if best == "" {
		return orgtext.Msg{}
	}
	return orgtext.Msg{Format: " (did you mean %q?)", Args: []any{best}}
}

// edge is one arrow of the picture; labels are the choices and conditions
// of every transition between the two steps.
type edge struct {
	from, to string
	labels   []string
}

type node struct {
	id, label, kind string // kind: ask, action, say, exit
}

type graph struct {
	start    string // "" when drawing a part
	nodes    []node
	edges    []*edge
	triggers []string // legend lines
}

// graph collects the nodes and merged edges to draw; from, when set,
// limits them to one topic.
func (sc *Script) graph(from string) graph {
	var g graph
	include := map[string]bool{}
	exit := map[string]bool{}
	if from == "" {
		g.start = sc.Start
		for _, id := range sc.Order {
			include[id] = true
		}
	} else {
		// Hubs: the start and the steps it passes through to the first
		// question (the main menu), and where triggers lead.
		hubs := map[string]bool{sc.AfterCase: true}
		for id, n := sc.Start, 0; id != "" && !hubs[id] && n < len(sc.Steps); n++ {
			hubs[id] = true
			st, ok := sc.Steps[id]
			if !ok || st.Waits() || !unconditional(st.Next) {
				break
			}
			id = st.Next[len(st.Next)-1].Goto
		}
		for _, t := range sc.Triggers {
			hubs[t.Goto] = true
		}
		delete(hubs, from)
		queue := []string{from}
		include[from] = true
		for len(queue) > 0 {
			id := queue[0]
			queue = queue[1:]
			for _, t := range sc.Steps[id].StepTargets() {
				if include[t.Step] || exit[t.Step] {
					continue
				}
				if _, ok := sc.Steps[t.Step]; !ok {
					continue
				}
				if hubs[t.Step] {
					exit[t.Step] = true
					continue
				}
				include[t.Step] = true
				queue = append(queue, t.Step)
			}
		}
	}
	for _, id := range sc.Order {
		switch {
		case include[id]:
			st := sc.Steps[id]
			kind := "say"
			switch {
			case st.Waits():
				kind = "ask"
			case st.Action != "":
				kind = "action"
			}
			g.nodes = append(g.nodes, node{id, sc.nodeLabel(st), kind})
		case exit[id]:
			g.nodes = append(g.nodes, node{id, id, "exit"})
		}
	}
	byPair := map[[2]string]*edge{}
	add := func(from, to, label string) {
		if !include[from] || !(include[to] || exit[to]) {
			return
		}
		e, ok := byPair[[2]string{from, to}]
		if !ok {
			e = &edge{from: from, to: to}
			byPair[[2]string{from, to}] = e
			g.edges = append(g.edges, e)
		}
		if label != "" && !slices.Contains(e.labels, label) {
			e.labels = append(e.labels, label)
		}
	}
	for _, id := range sc.Order {
		st := sc.Steps[id]
		for _, ch := range st.Choices {
			next := ch.Next
			if len(next) == 0 {
				next = st.Next
			}
			for _, b := range next {
				label := ch.Label.In(Polish)
				switch l := b.label(); {
				case l != "" && len(ch.Next) == 0:
					label = l // the step's own branch, the same for every choice
				case l != "":
					label += " [" + l + "]"
				}
				add(id, b.Goto, label)
			}
		}
		if st.FreeText != nil {
			next := st.FreeText.Next
			if len(next) == 0 {
				next = st.Next
			}
			for _, b := range next {
				add(id, b.Goto, "własne słowa")
			}
		}
		if s := st.Search; s != nil {
			add(id, s.Found, "znaleziono")
			add(id, s.Maybe, "może")
			add(id, s.None, "brak")
		}
		if len(st.Choices) == 0 {
			for _, b := range st.Next {
				add(id, b.Goto, b.label())
			}
		}
	}
	for _, t := range sc.Triggers {
		words := append(append([]string(nil), t.Commands...), t.Phrases...)
		if len(words) > 4 {
			words = append(words[:4], "…")
		}
		what := t.Goto
		if t.Action != "" {
			what = t.Action
		}
		if len(words) == 0 {
			words = []string{t.ID}
		}
		g.triggers = append(g.triggers, strings.Join(words, ", ")+" → "+what)
	}
	return g
}

// edgeLabel joins the labels of an arrow, shortened to stay readable.
func (e *edge) label() string {
	const most = 3
	l := e.labels
	if len(l) > most {
		return strings.Join(l[:most], ", ") + fmt.Sprintf(" +%d", len(l)-most)
	}
	return strings.Join(l, ", ")
}

func (sc *Script) nodeLabel(st *Step) string {
	text := st.Ask.In(Polish)
	if text == "" {
		text = st.Say.In(Polish)
	}
	if r := []rune(text); len(r) > 40 {
		text = string(r[:40]) + "…"
	}
	label := st.ID
	if st.Action != "" {
		label += " (" + st.Action + ")"
	}
	if text != "" {
		label += ": " + text
	}
	return label
}

// mermaidID keeps step ids clear of Mermaid's keywords ("end", "graph")
// and edge syntax ("o", "x" after "--").
func mermaidID(id string) string { return "s_" + id }

func (g graph) writeMermaid(w io.Writer) error {
	var b strings.Builder
	b.WriteString("flowchart TD\n")
	if g.start != "" {
		fmt.Fprintf(&b, "  start_((start)) --> %s\n", mermaidID(g.start))
	}
	for _, n := range g.nodes {
		label := mermaidText(n.label)
		switch n.kind {
		case "ask":
			fmt.Fprintf(&b, "  %s(\"%s\")\n", mermaidID(n.id), label)
		case "action":
			fmt.Fprintf(&b, "  %s{{\"%s\"}}\n", mermaidID(n.id), label)
		case "exit":
			fmt.Fprintf(&b, "  %s[/\"%s\"/]\n", mermaidID(n.id), label)
		default:
			fmt.Fprintf(&b, "  %s[\"%s\"]\n", mermaidID(n.id), label)
		}
	}
	for _, e := range g.edges {
		if l := e.label(); l != "" {
			fmt.Fprintf(&b, "  %s -->|\"%s\"| %s\n", mermaidID(e.from), mermaidText(l), mermaidID(e.to))
		} else {
			fmt.Fprintf(&b, "  %s --> %s\n", mermaidID(e.from), mermaidID(e.to))
		}
	}
	if len(g.triggers) > 0 {
		b.WriteString("  subgraph legend_[\"W każdym kroku\"]\n")
		for i, t := range g.triggers {
			fmt.Fprintf(&b, "    trigger_%d[\"%s\"]\n", i, mermaidText(t))
		}
		b.WriteString("  end\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// mermaidText makes a label safe inside Mermaid's quotes.
func mermaidText(s string) string {
	return strings.NewReplacer(`"`, "#quot;", "\n", " ", "<", "#lt;", ">", "#gt;").Replace(s)
}

func (g graph) writeDot(w io.Writer) error {
	var b strings.Builder
	b.WriteString("digraph okienko {\n  rankdir=TB;\n  node [fontname=\"sans-serif\"];\n")
	if g.start != "" {
		fmt.Fprintf(&b, "  \"start\" [shape=circle];\n  \"start\" -> %q;\n", g.start)
	}
	for _, n := range g.nodes {
		shape := "box"
		switch n.kind {
		case "ask":
			shape = "box, style=rounded"
		case "action":
			shape = "hexagon"
		case "exit":
			shape = "parallelogram"
		}
		fmt.Fprintf(&b, "  %q [shape=%s, label=%q];\n", n.id, shape, n.label)
	}
	for _, e := range g.edges {
		fmt.Fprintf(&b, "  %q -> %q [label=%q];\n", e.from, e.to, e.label())
	}
	if len(g.triggers) > 0 {
		b.WriteString("  subgraph cluster_legend {\n    label=\"W każdym kroku\";\n")
		for i, t := range g.triggers {
			fmt.Fprintf(&b, "    \"trigger_%d\" [shape=note, label=%q];\n", i, t)
		}
		b.WriteString("  }\n")
	}
	b.WriteString("}\n")
	_, err := io.WriteString(w, b.String())
	return err
}
