// Package search is Claro's global discovery: one Index interface with a
// PostgreSQL backend (the default: weighted tsvector, typos corrected by
// Meilisearch's rules through a trigram-indexed vocabulary, facet counts and
// keyset pages in one statement) and a Meilisearch backend, both held to one
// contract suite (contract_test.go). A transactional outbox, filled by
// triggers in the same transaction as every product, store and category
// change, is drained by Worker into the index; Reindex rebuilds it with an
// atomic swap. Only public products of active stores that can take payments
// (catalog.DiscoverableSQL) are ever searched or sent.
package search
