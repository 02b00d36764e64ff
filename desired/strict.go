package desired

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/bootagent/bootagent/syntax"
)

// Strict decoding. yaml.v3 only refuses unknown keys through
// Decoder.KnownFields, which stops at the first one and loses the line of
// nested keys once a document is re-encoded. Walking the node tree against
// the Go type instead reports every unknown key at its own line, and records
// the line of every key so validation errors can point at the offending
// field rather than at the document.

var (
	unmarshalerType = reflect.TypeFor[yaml.Unmarshaler]()
	nodeType        = reflect.TypeFor[yaml.Node]()
)

// keyLines maps a dotted key path ("package.url", "env.PATH", "command.1")
// to the 1-based line where that key (or sequence item) is written.
type keyLines map[string]int

// lineOf returns the line of path, else of its nearest written parent
// ("package.url" missing → the "package:" line), else fallback.
func (l keyLines) lineOf(path string, fallback int) int {
	for path != "" {
		if n, ok := l[path]; ok {
			return n
		}
		i := strings.LastIndexByte(path, '.')
		if i < 0 {
			break
		}
		path = path[:i]
	}
	return fallback
}

// checkKeys walks n against t, returning an Error (without File) for every
// mapping key t does not define, and filling lines. Type mismatches are left
// to yaml's own decoding, which reports them with their line.
func checkKeys(n *yaml.Node, t reflect.Type, path string, lines keyLines) Errors {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	// Types that decode themselves (Duration) or keep raw nodes are leaves.
	if t == nodeType || reflect.PointerTo(t).Implements(unmarshalerType) {
		return nil
	}
	switch {
	case t.Kind() == reflect.Struct && n.Kind == yaml.MappingNode:
		return checkStruct(n, t, path, lines)
	case t.Kind() == reflect.Map && n.Kind == yaml.MappingNode:
		var errs Errors
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			p := joinPath(path, k.Value)
			lines[p] = k.Line
			errs = append(errs, checkKeys(v, t.Elem(), p, lines)...)
		}
		return errs
	case t.Kind() == reflect.Slice && n.Kind == yaml.SequenceNode:
		var errs Errors
		for i, v := range n.Content {
			p := joinPath(path, strconv.Itoa(i))
			lines[p] = v.Line
			errs = append(errs, checkKeys(v, t.Elem(), p, lines)...)
		}
		return errs
	}
	return nil
}

func checkStruct(n *yaml.Node, t reflect.Type, path string, lines keyLines) Errors {
	fields := yamlFields(t)
	var errs Errors
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if isMergeKey(k) {
			continue // reported by mergeKeyErrors, for every mapping
		}
		f, ok := fields[k.Value]
		if !ok {
			errs = append(errs, &Error{Line: k.Line, Msg: unknownKeyMsg(k.Value, path, fields)})
			continue
		}
		p := joinPath(path, k.Value)
		lines[p] = k.Line
		errs = append(errs, checkKeys(v, f.Type, p, lines)...)
	}
	return errs
}

// mergeKeyErrors reports every merge key (<<) in the tree. Merge keys
// would hide where a value really comes from (the documents are small
// enough to write out), and yaml.v3 panics decoding a mapping that holds
// one next to a non-scalar key ("{}: 1"): a tree with any must not be
// decoded at all.
func mergeKeyErrors(n *yaml.Node) Errors {
	var errs Errors
	if n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			if isMergeKey(n.Content[i]) {
				errs = append(errs, &Error{Line: n.Content[i].Line, Msg: "merge keys (<<) are not supported"})
			}
		}
	}
	for _, c := range n.Content {
		errs = append(errs, mergeKeyErrors(c)...)
	}
	return errs
}

func isMergeKey(k *yaml.Node) bool {
	return k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge"
}

func unknownKeyMsg(key, path string, fields map[string]reflect.StructField) string {
	known := make([]string, 0, len(fields))
	for name := range fields {
		known = append(known, name)
	}
	slices.Sort(known)
	where := ""
	if path != "" {
		where = " in " + path
	}
	return fmt.Sprintf("unknown key %q%s (known keys: %s)", key, where, strings.Join(known, ", "))
}

// yamlFields maps the YAML key of each decodable field of struct t to it,
// following yaml.v3's rule (tag name, else the lower-cased field name).
func yamlFields(t reflect.Type) map[string]reflect.StructField {
	fields := make(map[string]reflect.StructField, t.NumField())
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		fields[name] = f
	}
	return fields
}

func joinPath(parent, key string) string {
	if parent == "" {
		return key
	}
	return parent + "." + key
}

// yamlLine matches yaml.v3's "line N: msg" (optionally "yaml: "-prefixed).
var yamlLine = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)

// yamlErrors turns an error from yaml.v3 into Errors carrying the line yaml
// reports inside its message text (its only way of reporting it).
func yamlErrors(err error, prefix string) Errors {
	var te *yaml.TypeError
	if errors.As(err, &te) {
		errs := make(Errors, 0, len(te.Errors))
		for _, msg := range te.Errors {
			errs = append(errs, lineError(msg, prefix))
		}
		return errs
	}
	return Errors{lineError(err.Error(), prefix)}
}

// scrubYAML drops what yaml.v3 quotes of the document (it may be an env
// value, a secret: SPEC §10) from one of its messages.
func scrubYAML(msg string) string { return syntax.RedactYAMLError(msg) }

func lineError(msg, prefix string) *Error {
	msg = scrubYAML(strings.TrimSpace(msg))
	e := &Error{Msg: strings.TrimPrefix(msg, "yaml: ")}
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		e.Line, _ = strconv.Atoi(m[1])
		e.Msg = m[2]
	}
	e.Msg = prefix + e.Msg
	return e
}

// isNull reports an absent or null node: an empty document.
func isNull(n *yaml.Node) bool {
	return n == nil || (n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null")
}
