package catalog

import (
	"context"
	"crypto/sha1"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/google/uuid"

	"github.com/stackyard/stackyard/catalog/model"
	"github.com/stackyard/stackyard/catalog/store"
	"github.com/stackyard/stackyard/internal/audit"
	"github.com/stackyard/stackyard/internal/auth"
	"github.com/stackyard/stackyard/internal/errs"
)

// Provider keys in refresh_state_references.
const (
	providerConfig     = "ConfigLocationProvider"
	providerRegistered = "DefaultLocationStore"
)

// AddLocationResult is the body of POST /locations.
type AddLocationResult struct {
	Location model.Location    `json:"location"`
	Entities []json.RawMessage `json:"entities"`
	Exists   *bool             `json:"exists,omitempty"`
}

// AddLocation registers a location. dryRun processes it in memory and
// stores nothing; onConflict is "reject", "refresh" or "" (the default).
func (s *Service) AddLocation(ctx context.Context, typ, target string, dryRun bool, onConflict string) (AddLocationResult, error) {
	if !slices.Contains(s.opts.AllowedLocationTypes, typ) {
		quoted, _ := json.Marshal(s.opts.AllowedLocationTypes)
		return AddLocationResult{}, errs.Input("Registered locations must be of an allowed type %s", quoted)
	}
	if typ == "url" {
		if err := s.urls.Allowed(target); err != nil {
			return AddLocationResult{}, err
		}
	}
	if dryRun {
		return s.dryRunLocation(ctx, typ, target)
	}
	if s.opts.Readonly {
		return AddLocationResult{}, errs.NotAllowed("This operation not allowed in readonly mode")
	}
	if onConflict == "" {
		onConflict = s.opts.ConflictStrategy
	}
	loc := model.Location{ID: uuid.NewString(), Type: typ, Target: target,
		EntityRef: "location:default/" + model.GeneratedLocationName(typ, target)}
	create := audit.Change{Rule: auth.Rule{Permission: auth.LocationCreate, Target: loc.ID, Open: true}, After: audit.Hash(loc)}
	err := s.opts.Audit.Do(ctx, create, func(ctx context.Context) error {
		return s.store.InTx(ctx, func(tx *store.Store) error { return tx.CreateLocation(ctx, loc) })
	})
	if errors.Is(err, errs.ErrConflict) {
		if onConflict != "refresh" {
			return AddLocationResult{}, errs.Conflict("Location %s:%s already exists", typ, target)
		}
		existing, err := s.store.LocationByTarget(ctx, typ, target)
		if err != nil {
			return AddLocationResult{}, err
		}
		// Whoever may register a location may have it read again.
		if err := s.refresh(ctx, existing.EntityRef, true); err != nil && !errors.Is(err, errs.ErrNotFound) {
			return AddLocationResult{}, err
		}
		return AddLocationResult{Location: existing, Entities: []json.RawMessage{}}, nil
	}
	if err != nil {
		return AddLocationResult{}, err
	}
	if err := s.publishRegisteredLocations(ctx); err != nil {
		return AddLocationResult{}, err
	}
	s.engine.Wake()
	return AddLocationResult{Location: loc, Entities: []json.RawMessage{}}, nil
}

func (s *Service) dryRunLocation(ctx context.Context, typ, target string) (AddLocationResult, error) {
	_, err := s.store.LocationByTarget(ctx, typ, target)
	exists := err == nil
	if err != nil && !errors.Is(err, errs.ErrNotFound) {
		return AddLocationResult{}, err
	}
	ents, err := s.engine.DryRun(ctx, rootLocation(typ, target))
	if err != nil {
		return AddLocationResult{}, err
	}
	out := AddLocationResult{
		Location: model.Location{ID: model.LocationRef(typ, target), Type: typ, Target: target,
			EntityRef: "location:default/" + model.GeneratedLocationName(typ, target)},
		Exists: &exists,
	}
	for _, e := range ents {
		b, err := json.Marshal(e)
		if err != nil {
			return AddLocationResult{}, err
		}
		out.Entities = append(out.Entities, b)
	}
	return out, nil
}

// Locations returns the API-registered locations.
func (s *Service) Locations(ctx context.Context) ([]model.Location, error) {
	return s.store.Locations(ctx)
}

// Location returns one registered location.
func (s *Service) Location(ctx context.Context, id string) (model.Location, error) {
	loc, err := s.store.Location(ctx, id)
	if errors.Is(err, errs.ErrNotFound) {
		return loc, errs.NotFound("Found no location with ID %s", id)
	}
	return loc, err
}

// UpdateLocation changes a location's type and target; its entity ref stays.
func (s *Service) UpdateLocation(ctx context.Context, id, typ, target string) (model.Location, error) {
	if s.opts.Readonly {
		return model.Location{}, errs.NotAllowed("This operation not allowed in readonly mode")
	}
	if !slices.Contains(s.opts.AllowedLocationTypes, typ) {
		quoted, _ := json.Marshal(s.opts.AllowedLocationTypes)
		return model.Location{}, errs.Input("Registered locations must be of an allowed type %s", quoted)
	}
	if typ == "url" {
		if err := s.urls.Allowed(target); err != nil {
			return model.Location{}, err
		}
	}
	loc, err := s.Location(ctx, id)
	if err != nil {
		return loc, err
	}
	change := s.locationChange(auth.LocationUpdate, loc)
	loc.Type, loc.Target = typ, target
	change.After = audit.Hash(loc)
	err = s.opts.Audit.Do(ctx, change, func(ctx context.Context) error {
		return s.store.InTx(ctx, func(tx *store.Store) error { return tx.UpdateLocation(ctx, loc) })
	})
	if errors.Is(err, errs.ErrConflict) {
		return loc, errs.Conflict("Location %s:%s already exists", typ, target)
	} else if err != nil {
		return loc, err
	}
	if err := s.publishRegisteredLocations(ctx); err != nil {
		return loc, err
	}
	s.engine.Wake()
	return loc, nil
}

// DeleteLocation unregisters a location; its entities become orphans.
func (s *Service) DeleteLocation(ctx context.Context, id string) error {
	if s.opts.Readonly {
		return errs.NotAllowed("This operation not allowed in readonly mode")
	}
	loc, err := s.Location(ctx, id)
	if err != nil {
		return err
	}
	err = s.opts.Audit.Do(ctx, s.locationChange(auth.LocationDelete, loc), func(ctx context.Context) error {
		return s.store.InTx(ctx, func(tx *store.Store) error { return tx.DeleteLocation(ctx, id) })
	})
	if errors.Is(err, errs.ErrNotFound) {
		return errs.NotFound("Found no location with ID %s", id)
	} else if err != nil {
		return err
	}
	if err := s.publishRegisteredLocations(ctx); err != nil {
		return err
	}
	s.engine.Wake()
	return nil
}

// LocationByEntity returns the registered location an entity originated from.
func (s *Service) LocationByEntity(ctx context.Context, ref model.EntityRef) (model.Location, error) {
	body, err := s.index.ByRef(ctx, ref.String())
	if err != nil {
		return model.Location{}, err
	}
	if body == nil {
		return model.Location{}, errs.NotFound("found no entity for ref %s", ref)
	}
	var ent model.Entity
	if err := json.Unmarshal(body, &ent); err != nil {
		return model.Location{}, err
	}
	origin := ent.Annotation(model.AnnotationManagedByOriginLocation)
	typ, target, err := model.ParseLocationRef(origin)
	if err != nil {
		return model.Location{}, errs.NotFound("Entity %s has no origin location", ref)
	}
	loc, err := s.store.LocationByTarget(ctx, typ, target)
	if errors.Is(err, errs.ErrNotFound) {
		return loc, errs.NotFound("Found no location with type %s and target %s", typ, target)
	}
	return loc, err
}

func (s *Service) publishConfigLocations(ctx context.Context) error {
	items := make([]store.Deferred, 0, len(s.opts.ConfigLocations))
	for _, l := range s.opts.ConfigLocations {
		items = append(items, deferredLocation(rootLocation(l.Type, l.Target)))
	}
	return s.publish(ctx, providerConfig, items)
}

func (s *Service) publishRegisteredLocations(ctx context.Context) error {
	locs, err := s.store.Locations(ctx)
	if err != nil {
		return err
	}
	items := make([]store.Deferred, 0, len(locs))
	for _, l := range locs {
		ent := rootLocation(l.Type, l.Target)
		if _, name, ok := strings.Cut(l.EntityRef, "/"); ok {
			ent.Metadata()["name"] = name // the name of the original target stays
		}
		items = append(items, deferredLocation(ent))
	}
	return s.publish(ctx, providerRegistered, items)
}

// PublishProvided replaces every entity an entity provider outside the
// catalog (such as the stack templates) hands to the engine with ents,
// as Backstage's EntityProviderConnection.applyMutation({type: "full"})
// does. Entities should carry the managed-by-location annotations of
// where they come from. provider must not be one of the catalog's own.
func (s *Service) PublishProvided(ctx context.Context, provider string, ents []model.Entity) error {
	if provider == "" || provider == providerConfig || provider == providerRegistered {
		return fmt.Errorf("publish provider %q: %w", provider, errs.ErrInput)
	}
	items := make([]store.Deferred, 0, len(ents))
	for _, e := range ents {
		items = append(items, deferredLocation(e))
	}
	return s.publish(ctx, provider, items)
}

func (s *Service) publish(ctx context.Context, provider string, items []store.Deferred) error {
	conflicts, err := s.store.ReplaceProviderEntities(ctx, provider, items)
	if len(conflicts) > 0 {
		s.log.Warn("provider entities already exist elsewhere", "provider", provider, "refs", conflicts)
	}
	return err
}

// rootLocation is the Location entity that stands for a configured or
// registered location. A url location gets the view-url that Backstage's
// AnnotateLocationEntityProcessor gives every entity read from a url.
func rootLocation(typ, target string) model.Entity {
	ent := model.LocationEntity(typ, target, "")
	if typ == "url" {
		ent.SetAnnotation(model.AnnotationViewURL, target)
	}
	return ent
}

func deferredLocation(ent model.Entity) store.Deferred {
	data, _ := json.Marshal(ent)
	sum := sha1.Sum(data)
	return store.Deferred{Ref: ent.Ref().String(), Entity: data, Hash: fmt.Sprintf("%x", sum),
		LocationKey: ent.Annotation(model.AnnotationManagedByLocation)}
}
