// Package search is Claro's global discovery: one Index interface with a
// PostgreSQL and a Meilisearch backend, kept in step with the catalog by a
// transactional outbox. It is built by the discovery issue; until then the
// marketplace lists the newest discoverable products straight from the catalog.
package search
