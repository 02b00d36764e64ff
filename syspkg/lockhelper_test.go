package syspkg

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"testing"
)

// holdLockEnv makes the test binary a helper process that holds dpkg's
// frontend lock of the admin directory it names until killed: fcntl locks
// belong to a process, so the test's own process cannot play apt.
const holdLockEnv = "BOOTAGENT_TEST_HOLD_DPKG_LOCK"

func TestMain(m *testing.M) {
	if admin := os.Getenv(holdLockEnv); admin != "" {
		if _, err := lockFrontend(admin); err != nil {
			fmt.Println("error:", err)
			os.Exit(1)
		}
		fmt.Println("locked")
		select {} // until killed
	}
	os.Exit(m.Run())
}

// lockFrontendOther starts the helper and returns once it holds the lock.
func lockFrontendOther(t *testing.T, admin string) (*exec.Cmd, error) {
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), holdLockEnv+"="+admin)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || line != "locked\n" {
		return nil, fmt.Errorf("lock helper: %q, %v", line, err)
	}
	return cmd, nil
}
