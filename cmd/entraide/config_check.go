package main

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"github.com/agnivade/levenshtein"
	"gopkg.in/yaml.v3"
)

// A configuration error names the setting by its YAML path
// (communities[0].limits.floor), because that is what the volunteer edits;
// the line number alone is lost as soon as the file is templated.

// yamlPath joins a parent path and a key.
func yamlPath(parent, key string) string {
	if parent == "" {
		return key
	}
	return parent + "." + key
}

// expandEnv replaces ${NAME} by the environment variable NAME in the
// document's values only, after parsing: a secret full of YAML syntax stays
// one value and cannot add settings. A lone "$" stays as written. A
// variable that is not set is an error naming the setting and the
// variable: an empty token silently turning a platform off is what made
// the bot fall back to the console without a word.
func expandEnv(n *yaml.Node, path string, lookup func(string) (string, bool)) error {
	switch n.Kind {
	case yaml.ScalarNode:
		var missing []string
		n.Value = envReference.ReplaceAllStringFunc(n.Value, func(m string) string {
			name := envReference.FindStringSubmatch(m)[1]
			v, ok := lookup(name)
			if !ok {
				missing = append(missing, name)
			}
			return v
		})
		if len(missing) > 0 {
			return fmt.Errorf("config: %s: the environment variable %s is not set", path, strings.Join(missing, " and "))
		}
	case yaml.DocumentNode:
		for _, c := range n.Content {
			if err := expandEnv(c, path, lookup); err != nil {
				return err
			}
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			if err := expandEnv(c, path+"["+strconv.Itoa(i)+"]", lookup); err != nil {
				return err
			}
		}
	case yaml.MappingNode:
		// Keys are never expanded: a setting's name is not configuration.
		for i := 0; i+1 < len(n.Content); i += 2 {
			if err := expandEnv(n.Content[i+1], yamlPath(path, n.Content[i].Value), lookup); err != nil {
				return err
			}
		}
	}
	return nil
}

// keyChecker walks the document beside the Go type it decodes into,
// refusing unknown keys with the closest known one and remembering the
// settings of each line, to name the setting of a type error.
type keyChecker struct {
	lines map[int][]setting
}

// setting is a value of the document and its path.
type setting struct {
	path, value string
}

func (k *keyChecker) check(n *yaml.Node, t reflect.Type, path string) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if n.Kind == yaml.DocumentNode {
		for _, c := range n.Content {
			if err := k.check(c, t, path); err != nil {
				return err
			}
		}
		return nil
	}
	if n.Kind == yaml.AliasNode {
		return nil // checked where the anchor is
	}
	if path != "" {
		k.lines[n.Line] = append(k.lines[n.Line], setting{path, n.Value})
	}
	switch {
	case t.Kind() == reflect.Struct && n.Kind == yaml.MappingNode:
		fields := structKeys(t)
		for i := 0; i+1 < len(n.Content); i += 2 {
			key, value := n.Content[i], n.Content[i+1]
			if key.Value == "<<" {
				continue // a merge key: yaml checks its target's type
			}
			ft, ok := fields[key.Value]
			if !ok {
				known := make([]string, 0, len(fields))
				for name := range fields {
					known = append(known, name)
				}
				msg := fmt.Sprintf("config: %s: unknown setting (line %d)", yamlPath(path, key.Value), key.Line)
				if near := closest(key.Value, known); near != "" {
					msg += fmt.Sprintf("; did you mean %s?", yamlPath(path, near))
				}
				return errors.New(msg)
			}
			if err := k.check(value, ft, yamlPath(path, key.Value)); err != nil {
				return err
			}
		}
	case (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) && n.Kind == yaml.SequenceNode:
		for i, c := range n.Content {
			if err := k.check(c, t.Elem(), path+"["+strconv.Itoa(i)+"]"); err != nil {
				return err
			}
		}
	case t.Kind() == reflect.Map && n.Kind == yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			if err := k.check(n.Content[i+1], t.Elem(), yamlPath(path, n.Content[i].Value)); err != nil {
				return err
			}
		}
	}
	return nil
}

// structKeys maps each YAML key of a struct (inline structs included) to
// its field's type.
func structKeys(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for f := range t.Fields() {
		if !f.IsExported() {
			continue
		}
		name, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "-" {
			continue
		}
		if strings.Contains(opts, "inline") {
			for k, v := range structKeys(f.Type) {
				out[k] = v
			}
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		out[name] = f.Type
	}
	return out
}

// yamlErrorLine finds the line of yaml's type errors and the value they
// quote ("line 4: cannot unmarshal !!str `lots` into int").
var (
	yamlErrorLine  = regexp.MustCompile(`^line (\d+): `)
	yamlErrorValue = regexp.MustCompile("`([^`]*)`")
)

// explainTypeErrors names the setting of each of yaml's "line N: cannot
// unmarshal" errors.
func (k *keyChecker) explainTypeErrors(err error) error {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return fmt.Errorf("config: %w", err)
	}
	msgs := make([]string, len(te.Errors))
	for i, e := range te.Errors {
		msgs[i] = e
		m := yamlErrorLine.FindStringSubmatch(e)
		if m == nil {
			continue
		}
		line, _ := strconv.Atoi(m[1])
		settings := k.lines[line]
		if len(settings) == 0 {
			continue
		}
		// Several settings share a line in a flow mapping ({a: 1, b: x}):
		// the one whose value the error quotes is the culprit.
		at := settings[len(settings)-1]
		if v := yamlErrorValue.FindStringSubmatch(e); v != nil {
			for _, s := range settings {
				if s.value == v[1] {
					at = s
					break
				}
			}
		}
		msgs[i] = fmt.Sprintf("%s: %s (line %d)", at.path, strings.TrimPrefix(e, m[0]), line)
	}
	return errors.New("config: " + strings.Join(msgs, "; "))
}

// closest is the candidate nearest to s by edit distance, when it is near
// enough to be the one meant ("" otherwise).
func closest(s string, candidates []string) string {
	best, bestDist := "", max(2, len(s)/3)+1
	for _, c := range candidates {
		if d := levenshtein.ComputeDistance(s, c); d < bestDist || d == bestDist && c < best {
			best, bestDist = c, d
		}
	}
	return best
}
