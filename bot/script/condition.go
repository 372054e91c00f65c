package script

import (
	"strconv"
	"strings"

	"okienko/bot/textnorm"

	"okienko/bot/orgtext"
)

// Condition tests one variable's value in a branch's when.
//
// Forms organizers write:
//
//	seniorzy            the value is seniorzy (case and diacritics ignored)
//	seniorzy, rodzina   the value is one of these
//	"*"                 any answer was given
//	""                  no answer was given
//	"!= nie"            the value is anything but nie
//	">= 65", "< 18"     a number compared (also >, <=)
type Condition struct {
	op     string // "=", "!=", "<", "<=", ">", ">=", "*", "empty"
	values []string
	number float64
}

// ParseCondition reads a condition value.
func ParseCondition(s string) (Condition, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "*":
		return Condition{op: "*"}, nil
	case s == "":
		return Condition{op: "empty"}, nil
	}
	for _, op := range []string{">=", "<=", "!=", ">", "<"} {
		rest, ok := strings.CutPrefix(s, op)
		if !ok {
			continue
		}
		rest = strings.TrimSpace(rest)
		if op == "!=" {
			return Condition{op: op, values: []string{textnorm.Normalize(rest)}}, nil
		}
		n, err := strconv.ParseFloat(strings.ReplaceAll(rest, ",", "."), 64)
		if err != nil {
			return Condition{}, orgtext.Errorf("condition %q compares with %q, which is not a number", s, rest)
		}
		return Condition{op: op, number: n}, nil
	}
	var vals []string
	for _, v := range strings.Split(s, ",") {
		if v = textnorm.Normalize(v); v != "" {
			vals = append(vals, v)
		}
	}
	return Condition{op: "=", values: vals}, nil
}

// Holds reports whether value satisfies the condition.
func (c Condition) Holds(value string) bool {
	norm := textnorm.Normalize(value)
	switch c.op {
	case "*":
		return norm != ""
	case "empty":
		return norm == ""
	case "=":
		for _, v := range c.values {
			if v == norm {
				return true
			}
		}
		return false
	case "!=":
		return norm != c.values[0]
	}
	n, err := strconv.ParseFloat(strings.ReplaceAll(strings.TrimSpace(value), ",", "."), 64)
	if err != nil {
		return false
	}
	switch c.op {
	case "<":
		return n < c.number
	case "<=":
		return n <= c.number
	case ">":
		return n > c.number
	case ">=":
		return n >= c.number
	}
	return false
}

// Matches reports whether every condition of the branch holds for vars
// (looked up through get, which also knows built-in variables).
func (b Branch) Matches(get func(name string) string) bool {
	for name, cond := range b.When {
		c, err := ParseCondition(cond)
		if err != nil || !c.Holds(get(name)) {
			return false
		}
	}
	return true
}
