package processing

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/stackyard/stackyard/catalog/parse"
	"github.com/stackyard/stackyard/internal/errs"
)

// maxFileBytes bounds what one location file may hold: what the YAML
// reader accepts.
const maxFileBytes = parse.MaxFileSize

// File is one file read from a location target.
type File struct {
	Target string // the exact target it came from (a path or a URL)
	Data   []byte
}

// Reader reads the files of a location target of one type.
type Reader interface {
	Read(ctx context.Context, target string) ([]File, error)
}

// FileReader reads local files; a target with glob characters reads every
// match.
type FileReader struct{}

// Read implements Reader.
func (FileReader) Read(_ context.Context, target string) ([]File, error) {
	if strings.HasSuffix(target, string(filepath.Separator)) {
		return nil, errs.Input("file location target %q is a directory", target)
	}
	paths := []string{target}
	if strings.ContainsAny(target, "*?[") {
		matches, err := filepath.Glob(target)
		if err != nil {
			return nil, errs.Input("bad glob %q: %s", target, err)
		}
		paths = matches
	}
	var out []File
	for _, p := range paths {
		data, err := readBounded(p)
		if err != nil {
			return nil, err
		}
		out = append(out, File{Target: p, Data: data})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no file matches %s: %w", target, errs.ErrNotFound)
	}
	return out, nil
}

// OpenAgain opens one file that Read returned, to read it again.
func (FileReader) OpenAgain(_ context.Context, path string) (io.ReadCloser, error) {
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return nil, fmt.Errorf("file %s does not exist: %w", path, errs.ErrNotFound)
	}
	return f, err
}

func readBounded(path string) ([]byte, error) {
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return nil, fmt.Errorf("file %s does not exist: %w", path, errs.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxFileBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if len(data) > maxFileBytes {
		return nil, errs.Input("file %s is larger than %d bytes", path, maxFileBytes)
	}
	return data, nil
}

// URLReader reads http and https targets from allowed hosts only, which
// keeps the catalog from being used to reach internal services (SSRF).
type URLReader struct {
	Allow  []string // "host[:port]" or "*.suffix"
	client *http.Client
}

// NewURLReader returns a reader for the allowed hosts.
func NewURLReader(allow []string) *URLReader {
	r := &URLReader{Allow: allow}
	r.client = &http.Client{
		Timeout: 30 * time.Second,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= 5 {
				return errs.Input("too many redirects")
			}
			return r.check(req.URL)
		},
	}
	return r
}

// Allowed reports whether target may be read.
func (r *URLReader) Allowed(target string) error {
	u, err := url.Parse(target)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return errs.Input("the given location.target is not a URL")
	}
	return r.check(u)
}

func (r *URLReader) check(u *url.URL) error {
	host := strings.ToLower(u.Host)
	hostname := strings.ToLower(u.Hostname())
	for _, a := range r.Allow {
		a = strings.ToLower(a)
		if a == host || (!strings.Contains(a, ":") && a == hostname && u.Port() == "") {
			return nil
		}
		if strings.HasPrefix(a, "*.") {
			suffix := a[1:]
			if _, port, err := net.SplitHostPort(a[2:]); err == nil && port != "" {
				if strings.HasSuffix(host, suffix) {
					return nil
				}
			} else if strings.HasSuffix(hostname, suffix) {
				return nil
			}
		}
	}
	return errs.NotAllowed("reading from %s is not allowed; add it to catalog.reading.allow", u.Host)
}

// Read implements Reader.
func (r *URLReader) Read(ctx context.Context, target string) ([]File, error) {
	if err := r.Allowed(target); err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return nil, errs.Input("bad url %q", target)
	}
	resp, err := r.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("unable to read url %s: %w", target, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		return nil, errs.NotFound("Unable to read url, no matching files found for %s", target)
	}
	if resp.StatusCode/100 != 2 {
		return nil, fmt.Errorf("unable to read url %s, %s", target, resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxFileBytes+1))
	if err != nil {
		return nil, fmt.Errorf("unable to read url %s: %w", target, err)
	}
	if len(data) > maxFileBytes {
		return nil, errs.Input("url %s is larger than %d bytes", target, maxFileBytes)
	}
	return []File{{Target: target, Data: data}}, nil
}

// resolveTarget resolves a Location entity's target against the file it
// was read from.
func resolveTarget(typ, base, target string) (string, error) {
	switch typ {
	case "file":
		if filepath.IsAbs(target) {
			return filepath.Clean(target), nil
		}
		return filepath.Join(filepath.Dir(base), target), nil
	case "url":
		b, err := url.Parse(base)
		if err != nil {
			return "", errs.Input("bad base url %q", base)
		}
		t, err := url.Parse(target)
		if err != nil {
			return "", errs.Input("bad target url %q", target)
		}
		return b.ResolveReference(t).String(), nil
	}
	return "", errs.Input("unsupported location type %q", typ)
}
