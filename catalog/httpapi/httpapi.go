// Package httpapi serves Backstage's catalog API under /api/catalog. The
// paths and shapes copy Backstage's createRouter; handlers parse, call one
// service method and write the response.
package httpapi

import (
	"github.com/labstack/echo/v4"

	"github.com/stackyard/stackyard/catalog"
)

// Principal returns the caller's ownership refs and whether it is an admin.
type Principal func(c echo.Context) (ownership []string, admin bool)

type handler struct {
	svc       *catalog.Service
	principal Principal
}

// Register mounts every catalog route on g (the /api/catalog group).
func Register(g *echo.Group, svc *catalog.Service, principal Principal) {
	h := &handler{svc: svc, principal: principal}
	g.GET("/entities", h.entities)
	g.GET("/entities/by-query", h.queryGet)
	g.POST("/entities/by-query", h.queryPost)
	g.POST("/entities/by-refs", h.byRefs)
	g.GET("/entities/by-uid/:uid", h.byUID)
	g.DELETE("/entities/by-uid/:uid", h.deleteByUID)
	g.GET("/entities/by-name/:kind/:namespace/:name", h.byName)
	g.GET("/entities/by-name/:kind/:namespace/:name/ancestry", h.ancestry)
	g.GET("/entity-facets", h.facetsGet)
	g.POST("/entity-facets", h.facetsPost)
	g.POST("/refresh", h.refresh)
	g.POST("/validate-entity", h.validateEntity)
	g.POST("/analyze-location", h.analyzeLocation)
	g.GET("/locations", h.locations)
	g.POST("/locations", h.addLocation)
	g.POST("/locations/by-query", h.queryLocations)
	g.GET("/locations/by-entity/:kind/:namespace/:name", h.locationByEntity)
	g.GET("/locations/:id", h.location)
	g.PUT("/locations/:id", h.updateLocation)
	g.DELETE("/locations/:id", h.deleteLocation)
	g.GET("/processing-errors", h.processingErrors)
}
