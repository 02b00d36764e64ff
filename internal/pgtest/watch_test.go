package pgtest

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/bootagent/bootagent/internal/testdeadline"
	"github.com/bootagent/bootagent/internal/testtools"
)

// helperEnv makes TestHelperCluster, run in a child test binary, start a
// cluster and then end as it says: "return" (tests done) or "kill"
// (SIGKILL, as the -timeout kill or a crash would).
const helperEnv = "PGTEST_HELPER_END"

func TestHelperCluster(t *testing.T) {
	end := os.Getenv(helperEnv)
	if end == "" {
		t.Skip("helper for TestClusterGoneWhenTestBinaryExits")
	}
	Start(t)
	c, _ := shared()
	pidLine, err := os.ReadFile(filepath.Join(c.dataDir(), "postmaster.pid"))
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("CLUSTER %s %s\n", c.dir, strings.SplitN(string(pidLine), "\n", 2)[0])
	if end == "kill" {
		syscall.Kill(os.Getpid(), syscall.SIGKILL)
	}
}

func TestClusterGoneWhenTestBinaryExits(t *testing.T) {
	if _, err := findBinaries(); err != nil {
		testtools.Unavailable(t, err.Error())
	}
	for _, end := range []string{"return", "kill"} {
		t.Run(end, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestHelperCluster$", "-test.count=1")
			cmd.Env = append(os.Environ(), helperEnv+"="+end)
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			err := cmd.Run()
			if end == "return" && err != nil {
				t.Fatalf("helper: %v\n%s", err, out.Bytes())
			}
			var dir string
			var pid int
			for line := range strings.Lines(out.String()) {
				if rest, ok := strings.CutPrefix(line, "CLUSTER "); ok {
					fields := strings.Fields(rest)
					dir = fields[0]
					pid, _ = strconv.Atoi(fields[1])
				}
			}
			if dir == "" || pid <= 0 {
				t.Fatalf("helper printed no cluster (%v):\n%s", err, out.Bytes())
			}
			deadline := time.Now().Add(testdeadline.Scale(30 * time.Second))
			for processAlive(pid) || exists(dir) {
				if time.Now().After(deadline) {
					t.Fatalf("after the test binary ended (%s): postmaster %d alive=%v, %s exists=%v",
						end, pid, processAlive(pid), dir, exists(dir))
				}
				time.Sleep(20 * time.Millisecond)
			}
		})
	}
}

// processAlive is false for a pid that is gone or a zombie (dead, not yet
// reaped by whoever inherited it).
func processAlive(pid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// The state follows the parenthesised command name.
	i := bytes.LastIndexByte(stat, ')')
	return i < 0 || i+2 >= len(stat) || stat[i+2] != 'Z'
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return !errors.Is(err, os.ErrNotExist)
}
