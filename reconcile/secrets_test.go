package reconcile

import (
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/bootagent/bootagent/actual"
	"github.com/bootagent/bootagent/desired"
	"github.com/bootagent/bootagent/fetch"
	"github.com/bootagent/bootagent/internal/testlog"
)

// A package URL's password never reaches the log, the agent's status
// message or its job's result (SPEC §10); the URL is still named, redacted.
func TestPackagePasswordNotShown(t *testing.T) {
	const secret = "pw-SECRET"
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens: the download fails and is retried

	var logs testlog.Buffer
	dir := t.TempDir()
	store, err := fetch.NewStore(dir, fetch.Options{})
	if err != nil {
		t.Fatal(err)
	}
	r := New(Options{StateDir: dir, StopGrace: time.Second, Packages: store,
		Policy: desired.RestartPolicy{Window: desired.Duration(time.Hour), MaxFailures: 3},
		Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	t.Cleanup(func() { r.Shutdown(true) })
	r.SetDesired(set(desired.Doc{Name: "a", Version: "1.0", Package: &desired.Package{
		URL: "http://user:" + secret + "@" + addr + "/a-1.0.tar.gz", Checksum: "SHA256:" + strings.Repeat("1", 64)}}))
	got := waitAgent(t, r, "a", func(a actual.Agent) bool { return strings.Contains(a.Message, "download failed") })
	for what, text := range map[string]string{"log": logs.String(), "status message": got.Message} {
		if strings.Contains(text, secret) {
			t.Errorf("the %s shows the password:\n%s", what, text)
		}
		if !strings.Contains(text, "user:xxxxx@"+addr) {
			t.Errorf("the %s does not name the URL:\n%s", what, text)
		}
	}
}
