package reviews

import (
	"context"
	"strconv"
	"time"

	"github.com/claro-market/claro/app/ratelimit"
)

// Limit is how many attempts one user and one IP address may make in a
// window. Both are counted on every attempt, and either refuses.
type Limit struct {
	PerUser int64
	PerIP   int64
	Window  time.Duration
}

// Budget rate-limits review writes and AI drafts per user and per IP, through
// the app's limiter: Redis when REDIS_URL is set, so every instance shares one
// count (a draft costs money: "denial of wallet"), in memory otherwise.
type Budget struct {
	limiter ratelimit.Limiter
	writes  Limit
	drafts  Limit
	now     func() time.Time
}

// DefaultWrites is the review-write budget app.New uses: generous for a
// person editing their review, small for a script.
func DefaultWrites() Limit { return Limit{PerUser: 30, PerIP: 120, Window: time.Hour} }

// DefaultDrafts is the AI draft budget app.New uses: each draft is a paid
// model call.
func DefaultDrafts() Limit { return Limit{PerUser: 10, PerIP: 30, Window: time.Hour} }

// NewBudget returns a budget over limiter.
func NewBudget(limiter ratelimit.Limiter, writes, drafts Limit) *Budget {
	return &Budget{limiter: limiter, writes: writes, drafts: drafts, now: time.Now}
}

// Write counts one review write; a positive wait means refuse and retry then.
func (b *Budget) Write(ctx context.Context, userID int64, ip string) (time.Duration, error) {
	return b.hit(ctx, "review-write", b.writes, userID, ip)
}

// Draft counts one AI draft request; a positive wait means refuse.
func (b *Budget) Draft(ctx context.Context, userID int64, ip string) (time.Duration, error) {
	return b.hit(ctx, "review-draft", b.drafts, userID, ip)
}

func (b *Budget) hit(ctx context.Context, kind string, l Limit, userID int64, ip string) (time.Duration, error) {
	var wait time.Duration
	for _, k := range []struct {
		key string
		max int64
	}{
		{kind + ":user:" + strconv.FormatInt(userID, 10), l.PerUser},
		{kind + ":ip:" + ip, l.PerIP},
	} {
		n, reset, err := b.limiter.Hit(ctx, k.key, l.Window)
		if err != nil {
			return 0, err
		}
		if n > k.max {
			wait = max(wait, reset.Sub(b.now()))
		}
	}
	if wait > 0 && wait < time.Second {
		wait = time.Second
	}
	return wait, nil
}

// RetryAfter is the Retry-After header value for wait: whole seconds,
// rounded up.
func RetryAfter(wait time.Duration) string {
	return strconv.FormatInt(int64((wait+time.Second-1)/time.Second), 10)
}

// WaitText says wait in words for the refusal message.
func WaitText(wait time.Duration) string {
	switch m := int64((wait + time.Minute - 1) / time.Minute); {
	case wait < time.Minute:
		return "a minute"
	case m == 1:
		return "a minute"
	default:
		return strconv.FormatInt(m, 10) + " minutes"
	}
}
