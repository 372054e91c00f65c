package script

import (
	"fmt"
	"io"
	"strings"
)

// Graph formats for WriteGraph.
const (
	GraphMermaid = "mermaid"
	GraphDot     = "dot"
)

// WriteGraph draws the flow: steps as boxes (questions as rounded boxes,
// actions as hexagons), transitions as arrows labelled with the choice or
// condition, and global triggers as entry points.
func (sc *Script) WriteGraph(w io.Writer, format string) error {
	switch format {
	case GraphMermaid:
		return sc.writeMermaid(w)
	case GraphDot:
		return sc.writeDot(w)
	}
	return fmt.Errorf("unknown graph format %q (use mermaid or dot)", format)
}

// edge is one arrow of the picture.
type edge struct{ from, to, label string }

func (sc *Script) edges() []edge {
	var out []edge
	for _, id := range sc.Order {
		st := sc.Steps[id]
		for _, ch := range st.Choices {
			next := ch.Next
			if len(next) == 0 {
				next = st.Next
			}
			for _, b := range next {
				label := ch.Label.In(Polish)
				if l := b.label(); l != "" {
					label += " [" + l + "]"
				}
				out = append(out, edge{id, b.Goto, label})
			}
		}
		if st.FreeText != nil {
			next := st.FreeText.Next
			if len(next) == 0 {
				next = st.Next
			}
			for _, b := range next {
				out = append(out, edge{id, b.Goto, "własne słowa"})
			}
		}
		if s := st.Search; s != nil {
			out = append(out, edge{id, s.Found, "znaleziono"}, edge{id, s.None, "brak"})
		}
		if len(st.Choices) == 0 {
			for _, b := range st.Next {
				out = append(out, edge{id, b.Goto, b.label()})
			}
		}
	}
	return out
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

func (sc *Script) writeMermaid(w io.Writer) error {
	var b strings.Builder
	b.WriteString("flowchart TD\n")
	fmt.Fprintf(&b, "  start((start)) --> %s\n", sc.Start)
	for _, id := range sc.Order {
		st := sc.Steps[id]
		label := mermaidText(sc.nodeLabel(st))
		switch {
		case st.Waits():
			fmt.Fprintf(&b, "  %s(\"%s\")\n", id, label)
		case st.Action != "":
			fmt.Fprintf(&b, "  %s{{\"%s\"}}\n", id, label)
		default:
			fmt.Fprintf(&b, "  %s[\"%s\"]\n", id, label)
		}
	}
	for _, e := range sc.edges() {
		if e.label == "" {
			fmt.Fprintf(&b, "  %s --> %s\n", e.from, e.to)
		} else {
			fmt.Fprintf(&b, "  %s -->|\"%s\"| %s\n", e.from, mermaidText(e.label), e.to)
		}
	}
	for _, t := range sc.Triggers {
		if t.Goto == "" {
			continue
		}
		fmt.Fprintf(&b, "  trigger_%s([\"%s\"]) -.-> %s\n", t.ID, mermaidText(strings.Join(t.Commands, " ")), t.Goto)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func mermaidText(s string) string {
	return strings.NewReplacer(`"`, "#quot;", "\n", " ").Replace(s)
}

func (sc *Script) writeDot(w io.Writer) error {
	var b strings.Builder
	b.WriteString("digraph okienko {\n  rankdir=TB;\n  node [fontname=\"sans-serif\"];\n")
	fmt.Fprintf(&b, "  \"start\" [shape=circle];\n  \"start\" -> %q;\n", sc.Start)
	for _, id := range sc.Order {
		st := sc.Steps[id]
		shape := "box"
		switch {
		case st.Waits():
			shape = "box, style=rounded"
		case st.Action != "":
			shape = "hexagon"
		}
		fmt.Fprintf(&b, "  %q [shape=%s, label=%q];\n", id, shape, sc.nodeLabel(st))
	}
	for _, e := range sc.edges() {
		fmt.Fprintf(&b, "  %q -> %q [label=%q];\n", e.from, e.to, e.label)
	}
	for _, t := range sc.Triggers {
		if t.Goto == "" {
			continue
		}
		fmt.Fprintf(&b, "  %q [shape=note, label=%q];\n  %q -> %q [style=dashed];\n", "trigger_"+t.ID, strings.Join(t.Commands, " "), "trigger_"+t.ID, t.Goto)
	}
	b.WriteString("}\n")
	_, err := io.WriteString(w, b.String())
	return err
}
