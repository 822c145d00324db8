package hooks

import "time"

// Wait is the backoff of a worker with opt after its attempts-th failure.
func Wait(opt Options, attempts int) time.Duration {
	return (&Worker{opt: opt.withDefaults()}).wait(attempts)
}
