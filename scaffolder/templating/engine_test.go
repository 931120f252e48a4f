package templating

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func testData() map[string]any {
	return map[string]any{
		"parameters": map[string]any{"name": "x", "count": float64(3), "flag": true, "items": []any{"a", "b"},
			"repoUrl": "github.com?owner=o&repo=r", "owner": "group:team-a"},
		"steps":  map[string]any{"fetch-base": map[string]any{"output": map[string]any{"k": "v"}}},
		"always": func() bool { return true },
	}
}

func TestEngine_RenderValue(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   any
		want any
	}{
		{"number keeps type", "${{ parameters.count }}", 3},
		{"bool keeps type", "${{ parameters.flag }}", true},
		{"list keeps type", "${{ parameters.items }}", []any{"a", "b"}},
		{"undefined drops", "${{ parameters.nope }}", Undefined},
		{"mixed is string", "n=${{ parameters.count }} f=${{ parameters.flag }}", "n=3 f=true"},
		{"arithmetic prints like js", "${{ parameters.count + 1 }}!", "4!"},
		{"dash step id", "${{ steps['fetch-base'].output.k }}", "v"},
		{"triple equals", "${{ parameters.name === 'x' }}", true},
		{"not triple equals", "${{ parameters.name !== 'x' }}", false},
		{"filters", "${{ parameters.name | upper }}-${{ parameters.items | join(',') }}", "X-a,b"},
		{"parseRepoUrl", "${{ parameters.repoUrl | parseRepoUrl }}", map[string]any{"host": "github.com", "owner": "o", "repo": "r"}},
		{"projectSlug", "${{ parameters.repoUrl | projectSlug }}", "o/r"},
		{"parseEntityRef", "${{ parameters.owner | parseEntityRef | pick('name') }}", "team-a"},
		{"parseEntityRef defaults", "${{ 'x' | parseEntityRef({defaultKind: 'group', defaultNamespace: 'ns'}) }}",
			map[string]any{"kind": "group", "namespace": "ns", "name": "x"}},
		{"dump", "${{ parameters.items | dump }}", `["a","b"]`},
		{"if block", "{% if parameters.count > 2 %}big{% else %}small{% endif %}", "big"},
		{"always global", "${{ always() }}", true},
		{"nested map", map[string]any{"a": "${{ parameters.count }}", "b": "${{ parameters.nope }}", "c": []any{"${{ parameters.name }}"}},
			map[string]any{"a": 3, "c": []any{"x"}}},
		{"js string methods", "${{ parameters.name.toUpperCase() }}${{ parameters.repoUrl.includes('owner=o') }}${{ parameters.repoUrl.split('?')[0] }}", "Xtruegithub.com"},
		{"render error keeps string", "${{ parameters.nope.deeper }}", "${{ parameters.nope.deeper }}"},
		{"include refused", "{% include '/etc/passwd' %}", "{% include '/etc/passwd' %}"},
	}
	e := New(Options{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := e.RenderValue(context.Background(), tt.in, testData())
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got, cmp.Comparer(func(a, b undefined) bool { return true })); diff != "" {
				t.Errorf("RenderValue(%v) (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestEngine_Limits(t *testing.T) {
	t.Parallel()
	e := New(Options{Timeout: 500 * time.Millisecond, MaxOutput: 1 << 16, MaxIterations: 1000})
	tests := []struct{ name, src string }{
		{"string repeat", "${{ 'a' * 100000000 }}"},
		{"range budget", "{% for i in range(100000) %}{% endfor %}"},
		{"nested loops", "{% for i in range(1000) %}{% for j in range(1000) %}x{% endfor %}{% endfor %}"},
		{"output cap", "{% for i in range(900) %}${{ 'abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnop' }}{% endfor %}"},
		{"center method", "${{ 'x'.center(1000000000) }}"},
		{"center width", "${{ 'x' | center(1000000000) }}"},
		{"indent width", "${{ 'a\nb' | indent(width=100000000) }}"},
		{"format width", "${{ '%1000000000d' | format(1) }}"},
		{"concat doubling", "{% set ns = namespace(s='aaaaaaaaaaaaaaaa') %}{% for i in range(30) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}${{ ns.s | length }}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			_, err := e.Render(context.Background(), tt.src, testData())
			if !errors.Is(err, ErrLimit) {
				t.Fatalf("Render() err = %v, want ErrLimit", err)
			}
			if time.Since(start) > 2*time.Second {
				t.Errorf("Render() took %s", time.Since(start))
			}
		})
	}
}

func TestEngine_ConcurrentRendersShareParses(t *testing.T) {
	t.Parallel()
	e := New(Options{})
	src := "{% for i in range(3) %}${{ values.name }}-${{ i }};{% endfor %}${{ values.name | upper }}"
	errs := make(chan error, 50)
	for i := range 50 {
		go func() {
			name := fmt.Sprintf("n%d", i)
			out, err := e.Render(context.Background(), src, map[string]any{"values": map[string]any{"name": name}})
			if err == nil && out != fmt.Sprintf("%[1]s-0;%[1]s-1;%[1]s-2;N%[2]d", name, i) {
				err = fmt.Errorf("render %d = %q", i, out)
			}
			v, err2 := e.RenderValue(context.Background(), "${{ values.n }}", map[string]any{"values": map[string]any{"n": float64(i)}})
			if err == nil && (err2 != nil || v != i) {
				err = fmt.Errorf("typed render %d = %v, %v", i, v, err2)
			}
			errs <- err
		}()
	}
	for range 50 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
