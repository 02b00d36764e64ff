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

// RedactURL is the one display form of a package, signature or server URL:
// its password, if any, replaced by Redacted. It works on anything, a URL
// that does not parse included, because errors about bad URLs quote them.
func RedactURL(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.User != nil && !strings.ContainsFunc(raw, isSpaceOrControl) {
		return u.Redacted()
	}
	return userinfo.ReplaceAllString(raw, "${1}:"+Redacted+"@")
}

// RedactURLIn replaces, in text (an error from a library that quotes the
// URL it was given, in whatever form), the password of raw and raw itself
// by their redacted forms.
func RedactURLIn(text, raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return userinfo.ReplaceAllString(text, "${1}:"+Redacted+"@")
	}
	pw, ok := u.User.Password()
	if !ok || pw == "" {
		return text
	}
	text = strings.ReplaceAll(text, raw, u.Redacted())
	if esc := url.UserPassword("", pw).String(); esc != ":"+pw {
		text = strings.ReplaceAll(text, esc[1:], Redacted)
	}
	return strings.ReplaceAll(text, pw, Redacted)
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
