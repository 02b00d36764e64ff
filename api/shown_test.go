package api

import (
	"strings"
	"testing"
)

// A job the agent cannot use is logged with a snippet of itself: never its
// env values nor its URL's password (SPEC §10).
func TestBadJobSnippetHidesSecrets(t *testing.T) {
	tests := []struct {
		name, answer string
	}{
		{"no usable id", `{"errcode":0,"jobs":[{"id":17,"action":"install","name":"a","url":"http://u:pw-SECRET@h/a.tgz","envs":{"TOKEN":"s3cr3t-VALUE-1","B":"x}y s3cr3t-VALUE-2"}}]}`},
		{"envs in capitals", `{"errcode":0,"jobs":[{"id":"","action":"start","name":"a","ENVS":{"TOKEN":"s3cr3t-VALUE-1"}}]}`},
		{"malformed envs", `{"errcode":0,"jobs":[{"id":"` + strings.Repeat("x", 300) + `","action":"start","name":"a","envs":{"TOKEN":"s3cr3t-VALUE-1","X":{"Y":"s3cr3t-VALUE-2"}}}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, bad, err := DecodeStatusAnswer([]byte(tt.answer))
			if err != nil || len(bad) != 1 {
				t.Fatalf("bad jobs %v, err %v: want one", bad, err)
			}
			msg := bad[0].Message
			if strings.Contains(msg, "s3cr3t") || strings.Contains(msg, "pw-SECRET") {
				t.Errorf("message shows a secret: %s", msg)
			}
			if !strings.Contains(msg, "no usable id") {
				t.Errorf("message does not say why: %s", msg)
			}
		})
	}
}

// The start of a non-2xx or non-JSON answer goes to the log: the same rule.
func TestAnswerSnippetHidesSecrets(t *testing.T) {
	s := answerSnippet([]byte(`[{"id":"j1","url":"ftp://u:pw-SECRET@h/a.zip","envs":{"TOKEN":"s3cr3t-VALUE-1"}}]`))
	if strings.Contains(s, "s3cr3t") || strings.Contains(s, "pw-SECRET") {
		t.Errorf("snippet shows a secret: %s", s)
	}
	if !strings.Contains(s, `"envs":{…}`) || !strings.Contains(s, "ftp://u:xxxxx@h/a.zip") {
		t.Errorf("snippet = %s", s)
	}
}
