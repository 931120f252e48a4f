package scaffolder

import (
	"context"

	"github.com/stackyard/stackyard/internal/errs"
)

// AutocompleteRequest is the body of POST /v2/autocomplete/:provider/:resource.
type AutocompleteRequest struct {
	Token   *string           `json:"token"`
	Context map[string]string `json:"context"`
}

// AutocompleteResult is one suggestion.
type AutocompleteResult struct {
	ID    string `json:"id"`
	Title string `json:"title,omitempty"`
}

// Autocomplete answers RepoUrlPicker's suggestions. Stackyard registers no
// SCM provider, so every provider is unsupported, as in a Backstage
// without SCM modules.
func (s *Service) Autocomplete(_ context.Context, provider, resource string, req AutocompleteRequest) ([]AutocompleteResult, error) {
	if req.Token == nil {
		return nil, errs.Input("Missing token query parameter")
	}
	return nil, errs.Input("Unsupported provider: %s", provider)
}
