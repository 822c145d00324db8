package receipts

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/claro-market/claro/app/config"
)

// MailboxSize is how many messages a Mailbox keeps.
const MailboxSize = 50

// Mailbox keeps the last MailboxSize messages sent, newest first, in memory:
// outside production every message the app sends (receipts and account
// links) is put here as it goes out, even when SMTP then fails, so `claro
// dev` can show them on /dev/mail and tests can follow the links they carry.
// Production never builds one.
type Mailbox struct {
	mu   sync.Mutex
	sent []Sent
	seq  int64
}

// Sent is one message a Mailbox kept, with when it was sent.
type Sent struct {
	Message
	N  int64 // 1 for the first message this mailbox kept, then 2, 3...
	At time.Time
}

// NewMailbox returns an empty mailbox.
func NewMailbox() *Mailbox { return &Mailbox{} }

// Send keeps a copy of m: its strings may share memory with a request that
// is about to be reused (Fiber's values are not immutable).
func (b *Mailbox) Send(_ context.Context, m Message) error {
	m = Message{From: strings.Clone(m.From), To: strings.Clone(m.To), Subject: strings.Clone(m.Subject),
		Text: strings.Clone(m.Text), ID: strings.Clone(m.ID)}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.seq++
	b.sent = append([]Sent{{Message: m, N: b.seq, At: time.Now()}}, b.sent...)
	if len(b.sent) > MailboxSize {
		b.sent = b.sent[:MailboxSize]
	}
	return nil
}

// Recent returns the kept messages, newest first.
func (b *Mailbox) Recent() []Sent {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.sent)
}

// Tee sends every message through each mailer in turn and stops at the
// first error.
type Tee []Mailer

// Send implements Mailer.
func (t Tee) Send(ctx context.Context, m Message) error {
	for _, mailer := range t {
		if err := mailer.Send(ctx, m); err != nil {
			return err
		}
	}
	return nil
}

// Transport is where the app's mail goes: SMTP at SMTP_URL, else the log
// (links included outside production; in production only the recipient and
// subject, since a one-time link in a log is a way into the account). Outside production box, when set, keeps a copy of each
// message first. from is the sender when SMTP_URL names none.
func Transport(cfg config.Config, from string, log *slog.Logger, box *Mailbox) (Mailer, error) {
	var out Mailer = LogMailer{Log: log, Withhold: cfg.IsProduction()}
	if cfg.SMTPURL != "" {
		m, err := NewSMTP(cfg.SMTPURL, from)
		if err != nil {
			return nil, err
		}
		out = m
	}
	if box != nil && !cfg.IsProduction() {
		return Tee{box, out}, nil
	}
	return out, nil
}
