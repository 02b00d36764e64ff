package syntax

import (
	"errors"
	"net/url"
	"regexp"
	"strings"
)

// Redacted is what every password of a URL becomes in logs, events, status
// messages, job results and errors (SPEC §10): net/url's own mark.
const Redacted = "xxxxx"

// userinfo finds "scheme://user:password@" in text that may not parse as a
// URL (control characters, a forced getter prefix, a URL inside a message).
var userinfo = regexp.MustCompile(`([A-Za-z][A-Za-z0-9+.-]*://[^/?#@:\s]*):[^/?#@]*@`)

// userinfoInText is userinfo within prose or JSON: the password stops at
// a space or a quote, which a URL would have percent-encoded, so that
// "http://h:80 or me@x" is left alone.
var userinfoInText = regexp.MustCompile(`([A-Za-z][A-Za-z0-9+.-]*://[^/?#@:\s"'\x60]*):[^/?#@\s"'\x60]*@`)

// RedactURL is the one display form of a package, signature or server URL:
// its password, if any, replaced by Redacted. It works on anything, a URL
// that does not parse included, because errors about bad URLs quote them.
func RedactURL(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.User != nil && !strings.ContainsFunc(raw, isSpaceOrControl) {
		return u.Redacted()
	}
	return userinfo.ReplaceAllString(raw, "${1}:"+Redacted+"@")
}

// RedactURLsIn replaces, in text (a message or a JSON snippet quoting
// URLs in whatever form), the password of every "scheme://user:password@"
// by Redacted.
func RedactURLsIn(text string) string {
	return userinfoInText.ReplaceAllString(text, "${1}:"+Redacted+"@")
}

func isSpaceOrControl(r rune) bool { return r <= ' ' || r == 0x7f }

// urlCause drops a *url.Error's operation and URL, which net/url quotes
// as given, password included.
func urlCause(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// yamlQuoted is a value or anchor name yaml.v3 quotes in its messages
// ("cannot unmarshal !!str `s3cr3t` into int", "unknown anchor 'x'
// referenced"). It may be an env value, a secret.
var yamlQuoted = regexp.MustCompile("( ?`[^`]*`| ?'[^']*')")

// RedactYAMLError drops what yaml.v3 quotes of a document from one of its
// messages: the line it names says where, the rest what is wrong.
func RedactYAMLError(msg string) string { return yamlQuoted.ReplaceAllString(msg, "") }
