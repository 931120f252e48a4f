package actions

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/stackyard/stackyard/internal/errs"
)

// maxFetch bounds one file fetched over HTTP.
const maxFetch = 32 << 20

// Reader fetches what fetch:* actions name: paths relative to a file://
// template base stay inside the template's directory; http(s) URLs must
// be on an allowed host.
type Reader struct {
	Allow  []string
	Client *http.Client
}

// source is a resolved fetch location: a local path or an http(s) URL.
type source struct {
	path string
	url  string
}

// resolve resolves ref against the template's base URL.
func (r *Reader) resolve(baseURL, ref string) (source, error) {
	if u, err := url.Parse(ref); err == nil && (u.Scheme == "http" || u.Scheme == "https") {
		if !HostAllowed(r.Allow, u.Host) {
			return source{}, errs.NotAllowed("Reading from %s is not allowed. You may need to configure scaffolder.reading.allow", u.Host)
		}
		return source{url: ref}, nil
	}
	base, err := url.Parse(baseURL)
	if err != nil || baseURL == "" {
		return source{}, errs.Input("cannot resolve %q without a template base URL", ref)
	}
	switch base.Scheme {
	case "file":
		dir := filepath.Dir(base.Path)
		p, err := SafeJoin(dir, ref)
		if err != nil {
			return source{}, err
		}
		return source{path: p}, nil
	case "http", "https":
		u, err := base.Parse(ref)
		if err != nil {
			return source{}, errs.Input("invalid url %q: %s", ref, err)
		}
		return r.resolve("", u.String())
	}
	return source{}, errs.Input("unsupported template base URL %q", baseURL)
}

// FetchTree copies the directory (or file) ref names into dst.
func (r *Reader) FetchTree(ctx context.Context, baseURL, ref, dst string) error {
	src, err := r.resolve(baseURL, ref)
	if err != nil {
		return err
	}
	if src.url != "" {
		return errs.Input("fetching a directory tree from %s is not supported; name a single file or a path relative to the template", src.url)
	}
	info, err := os.Stat(src.path)
	if err != nil {
		return errs.NotFound("could not read %s: %s", ref, err)
	}
	if !info.IsDir() {
		return copyFile(src.path, filepath.Join(dst, filepath.Base(src.path)), info.Mode().Perm())
	}
	return copyTree(src.path, dst)
}

// LocalTree returns the local directory ref names when it is one (a path
// relative to a file:// template), so that callers can read it in place.
func (r *Reader) LocalTree(baseURL, ref string) (string, bool, error) {
	src, err := r.resolve(baseURL, ref)
	if err != nil || src.path == "" {
		return "", false, err
	}
	info, err := os.Stat(src.path)
	if err != nil {
		return "", false, errs.NotFound("could not read %s: %s", ref, err)
	}
	return src.path, info.IsDir(), nil
}

// FetchFile copies the file ref names to dst.
func (r *Reader) FetchFile(ctx context.Context, baseURL, ref, dst string) error {
	src, err := r.resolve(baseURL, ref)
	if err != nil {
		return err
	}
	if src.path != "" {
		info, err := os.Stat(src.path)
		if err != nil || info.IsDir() {
			return errs.NotFound("could not read file %s", ref)
		}
		return copyFile(src.path, dst, info.Mode().Perm())
	}
	data, err := r.get(ctx, src.url)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return fmt.Errorf("fetch %s: %w", ref, err)
	}
	return os.WriteFile(dst, data, 0o644)
}

func (r *Reader) get(ctx context.Context, u string) ([]byte, error) {
	client := r.Client
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(req *http.Request, _ []*http.Request) error {
			if !HostAllowed(r.Allow, req.URL.Host) {
				return errs.NotAllowed("redirect to %s is not allowed", req.URL.Host)
			}
			return nil
		}}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, errs.Input("invalid url %q", u)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", u, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, errs.NotFound("could not read %s, %d %s", u, resp.StatusCode, strings.TrimSpace(http.StatusText(resp.StatusCode)))
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxFetch+1))
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", u, err)
	}
	if len(data) > maxFetch {
		return nil, errs.Input("%s is larger than %d bytes", u, maxFetch)
	}
	return data, nil
}
