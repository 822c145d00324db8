package meilitest

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// node is a parsed filter expression.
type node interface{ eval(doc map[string]any) bool }

type and []node
type or []node
type not struct{ n node }
type cond struct{ attr, op, value string }

func (a and) eval(d map[string]any) bool {
	for _, n := range a {
		if !n.eval(d) {
			return false
		}
	}
	return true
}

func (o or) eval(d map[string]any) bool {
	for _, n := range o {
		if n.eval(d) {
			return true
		}
	}
	return false
}

func (n not) eval(d map[string]any) bool { return !n.n.eval(d) }

// eval is true when any of the attribute's values satisfies the comparison,
// as Meilisearch treats arrays.
func (c cond) eval(d map[string]any) bool {
	for _, v := range values(d[c.attr]) {
		var cmp int
		want, err := strconv.ParseFloat(c.value, 64)
		if f, ok := v.(float64); ok && err == nil {
			cmp = compare(f, want)
		} else {
			cmp = strings.Compare(fmt.Sprint(v), c.value)
		}
		if ok := map[string]bool{"=": cmp == 0, "!=": cmp != 0, "<": cmp < 0, "<=": cmp <= 0, ">": cmp > 0, ">=": cmp >= 0}[c.op]; ok {
			return true
		}
	}
	return c.op == "!=" && len(values(d[c.attr])) == 0
}

// parseFilters reads the filter parameter: a string or an array of strings
// (ANDed), each in Meilisearch's filter syntax.
func parseFilters(raw json.RawMessage) ([]node, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var list []string
	if err := json.Unmarshal(raw, &list); err != nil {
		var one string
		if err := json.Unmarshal(raw, &one); err != nil {
			return nil, fmt.Errorf("filter must be a string or an array of strings")
		}
		list = []string{one}
	}
	var out []node
	for _, s := range list {
		p := &parser{toks: lex(s)}
		n, err := p.expr()
		if err != nil {
			return nil, fmt.Errorf("filter %q: %w", s, err)
		}
		if p.i != len(p.toks) {
			return nil, fmt.Errorf("filter %q: unexpected %q", s, p.toks[p.i])
		}
		out = append(out, n)
	}
	return out, nil
}

func lex(s string) []string {
	var toks []string
	for i := 0; i < len(s); {
		switch ch := s[i]; {
		case ch == ' ':
			i++
		case ch == '(' || ch == ')':
			toks = append(toks, string(ch))
			i++
		case ch == '"':
			j := i + 1
			for j < len(s) && s[j] != '"' {
				if s[j] == '\\' {
					j++
				}
				j++
			}
			toks = append(toks, s[i:min(j+1, len(s))])
			i = j + 1
		case strings.ContainsRune("=!<>", rune(ch)):
			j := i + 1
			if j < len(s) && s[j] == '=' {
				j++
			}
			toks = append(toks, s[i:j])
			i = j
		default:
			j := i
			for j < len(s) && !strings.ContainsRune(" ()\"=!<>", rune(s[j])) {
				j++
			}
			toks = append(toks, s[i:j])
			i = j
		}
	}
	return toks
}

type parser struct {
	toks []string
	i    int
}

func (p *parser) peek() string {
	if p.i < len(p.toks) {
		return p.toks[p.i]
	}
	return ""
}

func (p *parser) next() string { t := p.peek(); p.i++; return t }

func (p *parser) expr() (node, error) {
	return p.list("OR", p.term, func(ns []node) node { return or(ns) })
}

func (p *parser) term() (node, error) {
	return p.list("AND", p.factor, func(ns []node) node { return and(ns) })
}

func (p *parser) list(sep string, item func() (node, error), mk func([]node) node) (node, error) {
	n, err := item()
	if err != nil {
		return nil, err
	}
	ns := []node{n}
	for strings.EqualFold(p.peek(), sep) {
		p.next()
		if n, err = item(); err != nil {
			return nil, err
		}
		ns = append(ns, n)
	}
	if len(ns) == 1 {
		return ns[0], nil
	}
	return mk(ns), nil
}

func (p *parser) factor() (node, error) {
	switch t := p.peek(); {
	case strings.EqualFold(t, "NOT"):
		p.next()
		n, err := p.factor()
		return not{n}, err
	case t == "(":
		p.next()
		n, err := p.expr()
		if err != nil {
			return nil, err
		}
		if p.next() != ")" {
			return nil, fmt.Errorf("missing )")
		}
		return n, nil
	}
	attr, op, val := p.next(), p.next(), p.next()
	if attr == "" || !map[string]bool{"=": true, "!=": true, "<": true, "<=": true, ">": true, ">=": true}[op] || val == "" {
		return nil, fmt.Errorf("expected `attribute operator value` near %q", attr)
	}
	if strings.HasPrefix(val, `"`) {
		uq, err := strconv.Unquote(val)
		if err != nil {
			return nil, err
		}
		val = uq
	}
	return cond{attr: attr, op: op, value: val}, nil
}
