// Package query is the catalog's read engine: an in-memory index of the final
// (stitched) entities that answers every read of the Backstage catalog API,
// and the two query languages that select entities, filter sets (?filter=)
// and predicates (the "query" of POST bodies).
//
// The database stays the source of truth. Each replica loads the final
// entities into an Index at start-up and keeps it current with Upsert and
// Remove as stitching writes them. Every filter, facet, count and sort is
// answered from memory. An index built with NewIndexWith keeps the JSON
// bodies of Users and Groups and of the most recently used other entities
// only; a response that needs another body reads it from the database
// (Bodies), a page's misses in one query, so memory grows with the search
// rows rather than with the catalog's JSON.
//
// # Semantics
//
// Matching follows Backstage's search table exactly: SearchRows flattens an
// entity into lower-cased (key, value) rows (buildEntitySearch), and a filter
// key matches when the entity has a row with that key (and value). Query is
// GET/POST /entities/by-query, List and Stream are GET /entities, ByRefs is
// POST /entities/by-refs, Facets is /entity-facets, and Projection
// implements the fields parameter. Where Backstage releases differ, the
// reference is catalog backend 3.2.0 (Backstage 1.45): an order field keeps
// the entities that lack it, sorted last as nulls, and by-refs matches refs
// exactly. Cursors have the shape of Backstage's, including the "query"
// member that catalog-client looks for. Errors meant for the client are
// errs.Input errors carrying Backstage's messages.
//
// # Design
//
// Every distinct key and value is interned once in a string table (strtab):
// the bytes live in 1 MiB arena chunks and lookups go through an
// open-addressing table of 8-byte slots (hashIndex), so millions of strings
// cost a few dozen pointers for the garbage collector. Strings are reference
// counted and the arena is compacted when enough of it is garbage.
//
// Each entity gets a dense internal doc id and keeps its rows as sorted
// (key id, value id, original id) triples. Posting lists map (key, value)
// pairs, plus (key, any) for existence tests, to the docs that have them.
// Most pairs belong to a single doc, so the posting table stores only that
// doc id and confirms a hit against the doc's rows; shared pairs hold a few
// ids inline, a sorted id list, or a bitmap once they cover more than a
// thirty-second of the id space. Predicates evaluate to docsets (list or
// bitmap) by intersecting and uniting postings smallest first; counting a
// result is a popcount.
//
// Order comes from views: sorted runs of (value, uid) entries with a small
// sorted tail of recent inserts, and deletions marked in a bitmap. The
// inserts of a write are sorted and merged into the tail in one pass, and
// the tail into the run once it passes a sixteenth of it, by galloping
// merges that copy blocks, so neither grows more costly per insert as the
// catalog grows. The uid view always exists (the default by-query order);
// views of a sort key and of the entity ref are built the first time a
// request needs them and kept current (at most 16 key views, least recently
// used dropped). A page walks a view from the cursor position
// and keeps the entries whose doc is in the result set, so a page of 100
// components costs a few hundred bitmap probes whatever the catalog size.
// When the result set is small, collecting and sorting it is cheaper, and
// the planner does that instead. The entities without a value for the sort
// key (nulls) follow in uid order, walked the same way on the uid view.
// Pagination is keyset on (value, uid), so concurrent upserts never shift a
// page.
//
// Facets keep, per requested key, a counter per original value, updated on
// every upsert, so an unfiltered facet is a sort of a few buckets and a
// filtered one an intersection count per bucket.
//
// Full-text filters (LIKE '%term%') scan a text column: the distinct values
// of a searched key copied side by side into one buffer, searched with
// bytes.Index. A column is built on the first search of its key and then
// kept current: a new value is appended, and a value that disappears stays
// as garbage (matching no doc) until garbage is half the column, which is
// then rebuilt.
//
// # Writes
//
// A write applies removals at once and queues additions until its end
// (batch.go): the posting pairs of the new and changed docs are grouped by
// pair, so that a pair shared by many docs is looked up once and takes its
// new members as one sorted run, and the new entries of each view are
// sorted and merged in together. UpsertBatch applies up to 64 docs per
// write. The work per entity does not grow with the catalog; what does grow
// is the share of memory accesses that miss the cache, so that an entity
// costs about 8 µs in a small index and 15 µs at 100,000 entities.
//
// # Concurrency
//
// An Index is guarded by one RWMutex. Reads share it; Upsert and Remove hold
// it exclusively for a few microseconds, UpsertBatch for one chunk of 64
// docs at a time (about 1 ms at 100,000 entities). Building a view or a
// facet for the first time takes the write lock once. Stream reads a chunk
// of 1,000 entities per lock acquisition, so slow clients never hold the
// lock. Entity JSON is never modified once stored (Upsert replaces the
// slice), so the byte slices returned by reads stay valid after the lock is
// released; callers must not modify them.
package query
