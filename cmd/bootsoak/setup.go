package main

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"
)

// mix is how many agents of each kind the soak runs (50 in all).
var mix = []struct {
	kind kind
	n    int
}{
	{kindPlain, 5}, {kindToggle, 5}, {kindLimits, 6}, {kindFatal, 4},
	{kindRecover, 4}, {kindFilePkg, 8}, {kindServer, 18},
}

// soak is one run: its processes, its agents and what it saw.
type soak struct {
	opts   options
	r      *rand.Rand
	dir    string // everything of the run (removed at the end)
	run    string // SOAK_RUN: marks the agents' processes
	host   string // the daemon's hostname
	cgroup string // its cgroup_parent
	t      tools
	d      *daemon
	server *bgProc
	proxy  *resultProxy
	stopFS func()
	params docParams

	files   []*fileAgent
	servers []*serverAgent
	jobs    map[string]*sentJob
	order   []string // job ids as sent

	samples  int      // /proc scans during the soak
	twiceN   int      // scans that found an agent running twice (confirmed)
	twiceEvs []string // the first few, with the processes
	opErrs   []string // soak-side failures (a job add refused...)
}

func newSoak(o options) *soak {
	id := fmt.Sprintf("%d-%d", os.Getpid(), time.Now().UnixNano()%1e6)
	return &soak{
		opts:   o,
		r:      rand.New(rand.NewPCG(o.seed, o.seed^0x5eed)),
		run:    id,
		host:   "soak-host-" + id,
		cgroup: fmt.Sprintf("bootagent-soak-%d", os.Getpid()),
		jobs:   map[string]*sentJob{},
	}
}

// setup starts the package server, bootserver, the proxy and the daemon,
// and writes the first desired files.
func (s *soak) setup() error {
	var err error
	if s.dir, err = os.MkdirTemp("", "bootsoak-"); err != nil {
		return err
	}
	for _, sub := range []string{"agents.d", "work", "repo"} {
		if err := os.MkdirAll(filepath.Join(s.dir, sub), 0o755); err != nil {
			return err
		}
	}
	sums, err := buildPackages(filepath.Join(s.dir, "repo"))
	if err != nil {
		return err
	}
	fsURL, stop, err := serveDir(filepath.Join(s.dir, "repo"))
	if err != nil {
		return err
	}
	s.stopFS = stop
	s.params = docParams{run: s.run, dir: filepath.Join(s.dir, "work"), sums: sums,
		pkgURL: func(v string) string { return fsURL + "/" + pkgFile(v) }}
	var url string
	if s.server, url, err = startBootserver(s.opts.bin, s.dir); err != nil {
		return err
	}
	if s.proxy, err = startProxy(url); err != nil {
		return err
	}
	s.t = tools{bin: s.opts.bin, serverURL: url, dataDir: s.dir, config: filepath.Join(s.dir, "bootagent.yaml")}
	if err := os.WriteFile(s.t.config, []byte(s.configYAML()), 0o644); err != nil {
		return err
	}
	s.makeAgents()
	for _, a := range s.files {
		if err := s.writeDoc(a); err != nil {
			return err
		}
	}
	s.d = &daemon{bin: s.opts.bin, config: s.t.config, log: filepath.Join(s.dir, "daemon.log")}
	return s.d.start()
}

func (s *soak) configYAML() string {
	return fmt.Sprintf(`state_dir: %s
desired_dir: %s
servers: [%q]
step: 1
hostname: %s
cgroup_parent: %s
keep_agents_on_exit: false
restart: {delay: 500ms, window: 30s, max_failures: 5}
stop_grace: 2s
upgrade_health_window: 2s
log_format: text
`, filepath.Join(s.dir, "state"), filepath.Join(s.dir, "agents.d"), s.proxy.url, s.host, s.cgroup)
}

func (s *soak) makeAgents() {
	now := time.Now()
	for _, m := range mix {
		for i := 0; i < m.n; i++ {
			name := fmt.Sprintf("%s-%02d", m.kind, i)
			if m.kind == kindServer {
				s.servers = append(s.servers, &serverAgent{name: name, next: now})
				continue
			}
			s.files = append(s.files, newFileAgent(name, m.kind))
		}
	}
}

// writeDoc writes a's desired file, aside then renamed (the daemon never
// reads half a file; dotfiles are ignored), or removes it.
func (s *soak) writeDoc(a *fileAgent) error {
	path := filepath.Join(s.dir, "agents.d", a.name+".yaml")
	doc := a.doc(s.params)
	if doc == "" {
		if err := os.Remove(path); err != nil && !os.IsNotExist(err) {
			return err
		}
		return nil
	}
	tmp := filepath.Join(s.dir, "agents.d", "."+a.name+".tmp")
	if err := os.WriteFile(tmp, []byte(doc), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// cleanup ends everything the soak started and removes its files, whatever
// state the run is in.
func (s *soak) cleanup() {
	if s.d != nil {
		if err := s.d.stop(); err != nil {
			fmt.Printf("cleanup: daemon: %v\n", err)
		}
	}
	if left := scanProcs(s.run); len(left) > 0 {
		n := 0
		for _, ps := range left {
			for _, p := range ps {
				if p.kill() == nil {
					n++
				}
			}
		}
		fmt.Printf("cleanup: %d agent processes were left after the daemon's SIGTERM: SIGKILLed\n", n)
	}
	if s.server != nil {
		s.server.stop(10 * time.Second)
	}
	if s.proxy != nil {
		s.proxy.close()
	}
	if s.stopFS != nil {
		s.stopFS()
	}
	for _, dir := range cgroupDirs(s.cgroup) {
		if err := removeCgroupTree(dir); err != nil {
			fmt.Printf("cleanup: cgroup %s: %v\n", dir, err)
		}
	}
	if s.dir != "" && !s.opts.keep {
		os.RemoveAll(s.dir)
	} else if s.dir != "" {
		fmt.Printf("cleanup: kept %s (SOAK_KEEP)\n", s.dir)
	}
}
