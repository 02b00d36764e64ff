package desired

import (
	"bytes"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"time"

	"aead.dev/minisign"
	"github.com/bootagent/bootagent/syntax"
	"gopkg.in/yaml.v3"
)

// Config is the daemon configuration (SPEC §3), with a few extensions
// marked below.
type Config struct {
	StateDir         string        `yaml:"state_dir"`
	DesiredDir       string        `yaml:"desired_dir"`
	ControlSocket    string        `yaml:"control_socket"`
	Servers          []string      `yaml:"servers"`
	Step             Duration      `yaml:"step"`
	Hostname         string        `yaml:"hostname"`
	Restart          RestartPolicy `yaml:"restart"`
	CgroupParent     string        `yaml:"cgroup_parent"`
	KeepAgentsOnExit bool          `yaml:"keep_agents_on_exit"`
	LogFormat        string        `yaml:"log_format"`
	StopGrace        Duration      `yaml:"stop_grace"`   // extension: SIGTERM→SIGKILL grace
	LogMaxSize       string        `yaml:"log_max_size"` // extension: rotate an agent log above this (syntax.ParseSize)
	LogKeep          int           `yaml:"log_keep"`     // extension: rotated files kept
	// RequireChecksum: packages from non-local sources must carry a SHA256
	// checksum (issue "Packages"); default true.
	RequireChecksum bool `yaml:"require_checksum"`
	// UpgradeHealthWindow: a new version must stay up this long, else the
	// previous one is restored; default 30s.
	UpgradeHealthWindow Duration `yaml:"upgrade_health_window"`
	// DownloadTimeout bounds each package transfer; default 10m.
	DownloadTimeout Duration `yaml:"download_timeout"`
	// PackageMaxDownload, PackageMaxUnpacked (syntax.ParseSize) and
	// PackageMaxEntries bound one package's archive, what is unpacked from
	// it and its entries, so no package can fill state_dir.
	PackageMaxDownload string `yaml:"package_max_download"`
	PackageMaxUnpacked string `yaml:"package_max_unpacked"`
	PackageMaxEntries  int    `yaml:"package_max_entries"`
	// TrustedKeys are minisign public keys (SPEC §10), each the base64
	// line of a minisign .pub file or "@FILE" naming one (relative to the
	// config file). When set, every package must be signed by one of them.
	TrustedKeys []string `yaml:"trusted_keys"`
	// RequireSignature refuses a configuration without trusted_keys, so a
	// fleet that must verify packages cannot start without keys by mistake.
	RequireSignature bool `yaml:"require_signature"`
	// AllowLocalPackages lets server jobs name file:// URLs and absolute
	// paths; by default only desired files may.
	AllowLocalPackages bool `yaml:"allow_local_packages"`
	// AllowSystemPackages lets package.install (job field install) be
	// system: rpm or dpkg install the package with its scripts, as root,
	// on the host's own package database (SPEC §4).
	AllowSystemPackages bool `yaml:"allow_system_packages"`
	// SystemPackageRoot and SystemPackageRPMDBPath name the package
	// database install: system acts on (rpm --root/--dbpath, dpkg
	// --root): "/" and /var/lib/rpm unless set, e.g. to a throwaway root
	// in tests. Relative to the config file's directory.
	SystemPackageRoot      string `yaml:"system_package_root"`
	SystemPackageRPMDBPath string `yaml:"system_package_rpm_dbpath"`
	// ServerJobUser is the user (and group, by its primary group) a server
	// job's agent runs as when the job names none; empty is root.
	ServerJobUser string `yaml:"server_job_user"`
	// ServerCA is a PEM file the https servers' certificates must chain to
	// (SPEC §10; relative to the config file); empty is the system roots.
	ServerCA string `yaml:"server_ca"`
	// ServerCAPin, "sha256:<hex>", is the SHA-256 of the server
	// certificate's SubjectPublicKeyInfo, checked on top of the chain.
	ServerCAPin string `yaml:"server_ca_pin"`
	// RequireTLS refuses http:// servers, configured or from a config job.
	RequireTLS bool `yaml:"require_tls"`
	// MetricsListen is host:port where Prometheus metrics are served
	// (SPEC §14); empty, the default, serves none.
	MetricsListen string `yaml:"metrics_listen"`
	// EnrollTokenFile holds a bootserver enrollment token (SPEC §10;
	// relative to the config file), sent at register to https servers
	// only, until the host has its own credential. Read when needed: it
	// may be removed once the host is enrolled.
	EnrollTokenFile string `yaml:"enroll_token_file"`
	Path            string `yaml:"-"` // the file it was loaded from (absolute)
	// CAPool is ServerCA loaded, Pin is ServerCAPin decoded (set by
	// LoadConfig); nil when unset.
	CAPool *x509.CertPool `yaml:"-"`
	Pin    []byte         `yaml:"-"`
	// Keys are TrustedKeys parsed, in order (set by LoadConfig).
	Keys []minisign.PublicKey `yaml:"-"`
}

const (
	defaultLogMaxSize         = "10M"
	defaultPackageMaxDownload = "2G"
	defaultPackageMaxUnpacked = "8G"
)

var configType = reflect.TypeFor[Config]()

// DefaultConfig is the configuration of SPEC §3 with no file at all.
func DefaultConfig() Config {
	return Config{
		StateDir:     "/var/lib/bootagent",
		DesiredDir:   "/etc/bootagent/agents.d",
		Step:         Duration(600 * time.Second),
		Restart:      RestartPolicy{Delay: Duration(3 * time.Minute), Window: Duration(15 * time.Minute), MaxFailures: 3},
		CgroupParent: "bootagent",
		LogFormat:    "text",
		StopGrace:    Duration(10 * time.Second),
		LogMaxSize:   defaultLogMaxSize,
		LogKeep:      3,

		RequireChecksum:     true,
		UpgradeHealthWindow: Duration(30 * time.Second),
		DownloadTimeout:     Duration(10 * time.Minute),
		PackageMaxDownload:  defaultPackageMaxDownload,
		PackageMaxUnpacked:  defaultPackageMaxUnpacked,
		PackageMaxEntries:   100000,
	}
}

// LoadConfig reads the configuration file at path: the defaults overlaid by
// what the file sets (a nested "restart:" setting only delay keeps the
// default window and max_failures). Unknown keys are errors. Relative paths
// in it are resolved against the file's directory, so the daemon's working
// directory never matters. A read failure wraps the os error (errors.Is
// fs.ErrNotExist works); invalid content is an Errors with lines.
func LoadConfig(path string) (Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("load config: %w", err)
	}
	c := DefaultConfig()
	if c.Path, err = filepath.Abs(path); err != nil {
		return Config{}, fmt.Errorf("load config %s: %w", path, err)
	}
	lines, errs := decodeConfig(data, &c)
	if len(errs) == 0 {
		c.resolvePaths()
		for _, fe := range c.parseFields() {
			errs = append(errs, &Error{Line: lines.lineOf(fe.Field, 0), Msg: fe.String()})
		}
	}
	if len(errs) > 0 {
		return Config{}, errs.withFile(path, "")
	}
	return c, nil
}

// decodeConfig overlays data on c. Decoding into a filled struct is what
// keeps the defaults of keys the file does not mention, nested ones too.
func decodeConfig(data []byte, c *Config) (keyLines, Errors) {
	lines := keyLines{}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var n yaml.Node
	if err := dec.Decode(&n); err != nil {
		if errors.Is(err, io.EOF) {
			return lines, nil // empty file: all defaults
		}
		return lines, yamlErrors(err, "invalid YAML: ")
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return lines, Errors{{Line: extra.Line, Msg: "the configuration must be a single YAML document"}}
	}
	if len(n.Content) == 0 || isNull(n.Content[0]) {
		return lines, nil
	}
	root := n.Content[0]
	if root.Kind != yaml.MappingNode {
		return lines, Errors{{Line: root.Line, Msg: "the configuration must be a mapping of keys (state_dir: ..., servers: ...)"}}
	}
	errs := checkKeys(root, configType, "", lines)
	if merges := mergeKeyErrors(root); len(merges) > 0 {
		return lines, append(errs, merges...)
	}
	if err := root.Decode(c); err != nil {
		errs = append(errs, yamlErrors(err, "")...)
	}
	return lines, errs
}

// resolvePaths makes relative directories relative to the config file.
func (c *Config) resolvePaths() {
	base := filepath.Dir(c.Path)
	for _, p := range []*string{&c.StateDir, &c.DesiredDir, &c.ControlSocket, &c.ServerCA, &c.EnrollTokenFile, &c.SystemPackageRoot} {
		if *p != "" && !filepath.IsAbs(*p) {
			*p = filepath.Join(base, *p)
		}
	}
}

// SocketPath is where the control socket listens.
func (c Config) SocketPath() string {
	if c.ControlSocket != "" {
		return c.ControlSocket
	}
	return filepath.Join(c.StateDir, "bootagent.sock")
}

// LogMaxBytes is log_max_size in bytes. A Config that did not pass
// validation (built by hand) falls back to the default rather than to "no
// rotation", which would let a chatty agent fill the disk.
func (c Config) LogMaxBytes() int64 { return sizeOr(c.LogMaxSize, defaultLogMaxSize) }

// PackageMaxDownloadBytes and PackageMaxUnpackedBytes are the package
// limits in bytes, with the same fallback as LogMaxBytes.
func (c Config) PackageMaxDownloadBytes() int64 {
	return sizeOr(c.PackageMaxDownload, defaultPackageMaxDownload)
}

func (c Config) PackageMaxUnpackedBytes() int64 {
	return sizeOr(c.PackageMaxUnpacked, defaultPackageMaxUnpacked)
}

func sizeOr(s, def string) int64 {
	if n, err := syntax.ParseSize(s); err == nil {
		return n
	}
	n, _ := syntax.ParseSize(def)
	return n
}
