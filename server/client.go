package server

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/bootagent/bootagent/api"
	"github.com/bootagent/bootagent/syntax"
)

// Client is the admin API's client, used by the bootserver CLI.
type Client struct {
	base  string
	shown string // base for errors: a password in the URL redacted
	token string // sent as Authorization: Bearer; never in an error
	hc    *http.Client
}

// NewClient returns a client for the server at baseURL
// (http://host:port[/prefix]) that authenticates with the operator token
// token (SPEC §10).
func NewClient(baseURL, token string) (*Client, error) {
	u, err := url.Parse(baseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("server URL %q is not http(s)://host:port", syntax.RedactURL(baseURL))
	}
	base := strings.TrimRight(baseURL, "/")
	return &Client{base: base, shown: syntax.RedactURL(base), token: token, hc: &http.Client{Timeout: 30 * time.Second}}, nil
}

// TrustCA makes the client accept only a server certificate that chains to
// the PEM certificates in caFile (SPEC §10: --ca, $BOOTSERVER_CA, the data
// directory's ca.pem), over TLS 1.2 or later.
func (c *Client) TrustCA(caFile string) error {
	pool, err := LoadCAPool(caFile)
	if err != nil {
		return err
	}
	c.hc.Transport = &http.Transport{
		Proxy:           http.ProxyFromEnvironment,
		TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12},
	}
	return nil
}

// LoadCAPool reads a PEM file of CA certificates.
func LoadCAPool(caFile string) (*x509.CertPool, error) {
	b, err := os.ReadFile(caFile)
	if err != nil {
		return nil, fmt.Errorf("read CA %s: %w", caFile, err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(b) {
		return nil, fmt.Errorf("CA %s holds no PEM certificate", caFile)
	}
	return pool, nil
}

// APIError is an error answer from the server.
type APIError struct {
	Code    int    // HTTP status
	Message string // the server's explanation
}

func (e *APIError) Error() string { return e.Message }

// Hosts lists every host.
func (c *Client) Hosts(ctx context.Context) ([]api.HostInfo, error) {
	var out []api.HostInfo
	return out, c.do(ctx, http.MethodGet, api.PathAdminHosts, nil, &out)
}

// Host returns one host with its last status document.
func (c *Client) Host(ctx context.Context, ref string) (api.HostInfo, error) {
	var out api.HostInfo
	return out, c.do(ctx, http.MethodGet, api.PathAdminHosts+"/"+url.PathEscape(ref), nil, &out)
}

// Agents lists a host's agents as last reported.
func (c *Client) Agents(ctx context.Context, ref string) ([]api.AgentInfo, error) {
	var out []api.AgentInfo
	return out, c.do(ctx, http.MethodGet, api.PathAdminHosts+"/"+url.PathEscape(ref)+"/agents", nil, &out)
}

// SetTags sets the tags a host gets when it registers.
func (c *Client) SetTags(ctx context.Context, ref, tags string) (api.HostInfo, error) {
	var out api.HostInfo
	return out, c.do(ctx, http.MethodPut, api.PathAdminHosts+"/"+url.PathEscape(ref)+"/tags",
		api.TagsRequest{Tags: tags}, &out)
}

// Jobs lists jobs.
func (c *Client) Jobs(ctx context.Context, f JobFilter) ([]api.JobInfo, error) {
	q := url.Values{}
	setParam(q, "host", f.Host)
	setParam(q, "state", f.State)
	if f.Limit > 0 {
		q.Set("limit", strconv.Itoa(f.Limit))
	}
	var out []api.JobInfo
	return out, c.do(ctx, http.MethodGet, withQuery(api.PathAdminJobs, q), nil, &out)
}

// Job returns one job.
func (c *Client) Job(ctx context.Context, id string) (api.JobInfo, error) {
	var out api.JobInfo
	return out, c.do(ctx, http.MethodGet, api.PathAdminJobs+"/"+url.PathEscape(id), nil, &out)
}

// AddJob queues a job.
func (c *Client) AddJob(ctx context.Context, req api.JobRequest) (api.JobInfo, error) {
	var out api.JobInfo
	return out, c.do(ctx, http.MethodPost, api.PathAdminJobs, req, &out)
}

// Events lists events.
func (c *Client) Events(ctx context.Context, f EventFilter) ([]api.EventInfo, error) {
	q := url.Values{}
	setParam(q, "host", f.Host)
	if f.Limit > 0 {
		q.Set("limit", strconv.Itoa(f.Limit))
	}
	var out []api.EventInfo
	return out, c.do(ctx, http.MethodGet, withQuery(api.PathAdminEvents, q), nil, &out)
}

// AdminTokens lists the operator tokens (never their secrets).
func (c *Client) AdminTokens(ctx context.Context) ([]api.AdminTokenInfo, error) {
	var out []api.AdminTokenInfo
	return out, c.do(ctx, http.MethodGet, api.PathAdminTokens, nil, &out)
}

// CreateAdminToken mints an operator token of role; the answer holds the
// token, shown this once.
func (c *Client) CreateAdminToken(ctx context.Context, role string) (api.AdminTokenCreated, error) {
	var out api.AdminTokenCreated
	return out, c.do(ctx, http.MethodPost, api.PathAdminTokens, api.AdminTokenRequest{Role: role}, &out)
}

// RevokeAdminToken revokes the operator token with that id.
func (c *Client) RevokeAdminToken(ctx context.Context, id string) (api.AdminTokenInfo, error) {
	var out api.AdminTokenInfo
	return out, c.do(ctx, http.MethodPost, api.PathAdminTokens+"/"+url.PathEscape(id)+"/revoke", nil, &out)
}

func setParam(q url.Values, k, v string) {
	if v != "" {
		q.Set(k, v)
	}
}

func withQuery(path string, q url.Values) string {
	if len(q) == 0 {
		return path
	}
	return path + "?" + q.Encode()
}

func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("%s %s: %w", method, path, err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return fmt.Errorf("%s %s%s: %w", method, c.shown, path, err)
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err
		}
		return fmt.Errorf("cannot reach bootserver at %s (is `bootserver serve` running? set --server or $BOOTSERVER_URL): %w", c.shown, err) // net/http shows a URL password as ***
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return fmt.Errorf("%s %s%s: reading answer: %w", method, c.shown, path, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		var e api.AdminError
		if json.Unmarshal(b, &e) == nil && e.Error != "" {
			return &APIError{Code: resp.StatusCode, Message: e.Error}
		}
		return &APIError{Code: resp.StatusCode, Message: fmt.Sprintf("%s %s%s: %s", method, c.shown, path, resp.Status)}
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("%s %s%s: bad answer: %w", method, c.shown, path, err)
	}
	return nil
}

// EnrollTokens lists the enrollment tokens (never their secrets).
func (c *Client) EnrollTokens(ctx context.Context) ([]api.EnrollTokenInfo, error) {
	var out []api.EnrollTokenInfo
	return out, c.do(ctx, http.MethodGet, api.PathAdminEnrollTokens, nil, &out)
}

// CreateEnrollToken mints an enrollment token; the answer holds the token,
// shown this once.
func (c *Client) CreateEnrollToken(ctx context.Context, req api.EnrollTokenRequest) (api.EnrollTokenCreated, error) {
	var out api.EnrollTokenCreated
	return out, c.do(ctx, http.MethodPost, api.PathAdminEnrollTokens, req, &out)
}

// RevokeEnrollToken revokes the enrollment token with that id.
func (c *Client) RevokeEnrollToken(ctx context.Context, id string) (api.EnrollTokenInfo, error) {
	var out api.EnrollTokenInfo
	return out, c.do(ctx, http.MethodPost, api.PathAdminEnrollTokens+"/"+url.PathEscape(id)+"/revoke", nil, &out)
}

// RevokeHost makes a host's credential fail and cancels its open jobs.
func (c *Client) RevokeHost(ctx context.Context, ref string) (api.HostRevocation, error) {
	var out api.HostRevocation
	return out, c.do(ctx, http.MethodPost, api.PathAdminHosts+"/"+url.PathEscape(ref)+api.PathAdminHostRevoke, nil, &out)
}

// UnrevokeHost lets a revoked host enrol again with a new token.
func (c *Client) UnrevokeHost(ctx context.Context, ref string) (api.HostRevocation, error) {
	var out api.HostRevocation
	return out, c.do(ctx, http.MethodPost, api.PathAdminHosts+"/"+url.PathEscape(ref)+api.PathAdminHostUnrevoke, nil, &out)
}
