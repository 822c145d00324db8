package orders

// Batching (app/batch): deliveries arriving together share one run of the
// same writer a lone delivery uses, so one transaction, one plan per
// statement and one commit serve the lot; their webhook_deliveries rows, when
// written after it, share one INSERT the same way.
//
// batchSlots: with BenchmarkWebhookIngestion on 2 cores with PostgreSQL on
// the same machine, 1 and 2 slots measured within noise of each other (2
// lets one batch's commit overlap the next one's statements); 3 was slower.
// A primary with more cores may want more.
const (
	batchSlots = 2  // runs in flight; more queue instead, and batch
	batchMax   = 32 // deliveries per run
)
