package syntax

import (
	"fmt"
	"net"
	"strconv"
)

// ListenAddr checks a host:port to listen on (metrics_listen): the host
// may be empty (every address) or an IP or name, the port 0-65535 (0: any
// free port, which the log names). Empty is allowed: the listener is off.
func ListenAddr(s string) error {
	if s == "" {
		return nil
	}
	_, port, err := net.SplitHostPort(s)
	if err != nil {
		return fmt.Errorf("%q is not host:port: %v", s, err)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("%q: port %q is not 0-65535", s, port)
	}
	return nil
}
