package api

import (
	"regexp"

	"github.com/bootagent/bootagent/syntax"
)

// A job's envs hold secrets (SPEC §10): a snippet of an answer or a job
// quoted in an error or a log shows "envs":{…} instead. envsObject matches
// a well-formed object (its strings may hold braces); envsRest whatever a
// malformed or cut one leaves. Go decodes keys case-insensitively, so
// "ENVS" is envs too.
var (
	envsObject = regexp.MustCompile(`(?i)"envs"\s*:\s*\{(?:[^{}"]|"(?:[^"\\]|\\.)*")*\}`)
	envsRest   = regexp.MustCompile(`(?i)"envs"\s*:\s*\{[^}]*\}?`)
)

// shownJSON is b as an error or a log may quote it: env values and URL
// passwords left out.
func shownJSON(b []byte) string {
	s := envsObject.ReplaceAllString(string(b), `"envs":{…}`)
	s = envsRest.ReplaceAllString(s, `"envs":{…}`)
	return syntax.RedactURLsIn(s)
}
