package desired

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"reflect"
	"syscall"

	"gopkg.in/yaml.v3"
)

// maxFileSize bounds what one desired file may hold. Real files are a few
// hundred bytes; the cap keeps a stray huge file (a log written into the
// wrong directory) from costing the daemon its memory.
const maxFileSize = 4 << 20

var docType = reflect.TypeFor[Doc]()

// ParseFile reads and parses one desired-state file. See Parse.
func ParseFile(path string) ([]Doc, Errors) {
	data, err := readDesiredFile(path)
	if err != nil {
		return nil, Errors{readError(path, err)}
	}
	return Parse(path, data)
}

// Parse reads every YAML document of a desired-state file (SPEC §4), one
// Doc each, skipping empty documents. It is strict: unknown keys, wrong
// types and invalid values are all reported, each with file and line.
//
// The returned docs are those that are valid on their own; callers that
// treat a file as a unit (the file source) must ignore them when Errors is
// not empty. Documents are never checked against each other here: duplicate
// names are the merger's business, which keeps the first and rejects the
// later one instead of rejecting the whole file.
func Parse(file string, data []byte) (docs []Doc, errs Errors) {
	defer func() {
		// A parser bug on hostile input must cost one file, not the daemon.
		if r := recover(); r != nil {
			errs = append(errs, &Error{File: file, Msg: scrubYAML(fmt.Sprintf("cannot parse: %v", r))})
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			return docs, errs
		}
		if err != nil {
			// The YAML stream cannot be resumed after a syntax error.
			return docs, append(errs, yamlErrors(err, "invalid YAML: ").withFile(file, "")...)
		}
		if len(n.Content) == 0 || isNull(n.Content[0]) {
			continue
		}
		d, derrs := parseDoc(n.Content[0])
		if len(derrs) > 0 {
			errs = append(errs, derrs.withFile(file, d.Name)...)
			continue
		}
		d.Origin.File = file
		docs = append(docs, d)
	}
}

// parseDoc decodes and validates one document. Errors carry lines but no
// file.
func parseDoc(root *yaml.Node) (Doc, Errors) {
	if root.Kind != yaml.MappingNode {
		return Doc{}, Errors{{Line: root.Line, Msg: "a desired-state document must be a mapping (name: ..., command: ...)"}}
	}
	line := root.Line
	if len(root.Content) > 0 {
		line = root.Content[0].Line
	}
	lines := keyLines{}
	errs := checkKeys(root, docType, "", lines)
	var d Doc
	d.Source = SourceFile
	d.Origin = Origin{Line: line}
	if merges := mergeKeyErrors(root); len(merges) > 0 {
		d.Name = rawName(root)
		return d, append(errs, merges...)
	}
	err := root.Decode(&d)
	if err != nil {
		// Values may be half-decoded; validating them would add noise.
		d.Name = rawName(root)
		return d, append(errs, yamlErrors(err, "")...)
	}
	// Unknown keys do not disturb decoding: validate anyway, so a typo
	// ("comand") also shows what it left missing.
	for _, fe := range d.fieldErrors() {
		errs = append(errs, &Error{Line: lines.lineOf(fe.Field, line), Msg: fe.String()})
	}
	return d, errs
}

// rawName finds the name of a document whose decoding failed, so its errors
// can still say which agent they concern.
func rawName(root *yaml.Node) string {
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value == "name" && root.Content[i+1].Kind == yaml.ScalarNode {
			return root.Content[i+1].Value
		}
	}
	return ""
}

// readDesiredFile reads a regular file of at most maxFileSize bytes.
// O_NONBLOCK keeps a FIFO swapped in under a .yaml name from hanging the
// reader forever; the regular-file check then refuses it.
func readDesiredFile(path string) ([]byte, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, errNotRegular
	}
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxFileSize {
		return nil, errTooLarge
	}
	return data, nil
}

// readError names the file once: the os error's own text repeats the path.
func readError(path string, err error) *Error {
	return &Error{File: path, Msg: "cannot read: " + unwrapPath(err).Error()}
}

// unwrapPath drops an *os.PathError's operation and path, for messages that
// already name the file.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
