package receipts

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"net/url"
	"strings"
	"time"
)

// Mailer sends one message; SMTP is the real one.
type Mailer interface {
	Send(ctx context.Context, m Message) error
}

// SMTP sends mail through the server named by SMTP_URL:
// smtp://[user:password@]host:port (STARTTLS when the server offers it) or
// smtps://… (TLS from the first byte). A "from" query parameter sets the
// sender address.
type SMTP struct {
	addr     string
	host     string
	implicit bool
	auth     smtp.Auth
	// From is the sender address used when a message names none.
	From string
}

// NewSMTP parses an SMTP_URL. defaultFrom is used when the URL has no from.
func NewSMTP(rawURL, defaultFrom string) (*SMTP, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Hostname() == "" {
		return nil, fmt.Errorf("SMTP_URL: %q must be smtp://host:port or smtps://host:port", redact(rawURL))
	}
	port := u.Port()
	if port == "" {
		port = map[string]string{"smtp": "25", "smtps": "465"}[u.Scheme]
	}
	s := &SMTP{addr: net.JoinHostPort(u.Hostname(), port), host: u.Hostname(), implicit: u.Scheme == "smtps", From: defaultFrom}
	if f := u.Query().Get("from"); f != "" {
		s.From = f
	}
	if _, err := mail.ParseAddress(s.From); err != nil {
		return nil, fmt.Errorf("SMTP_URL: sender %q is not an email address", s.From)
	}
	if u.User != nil {
		pw, _ := u.User.Password()
		s.auth = smtp.PlainAuth("", u.User.Username(), pw, u.Hostname())
	}
	return s, nil
}

func redact(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.User != nil {
		return u.Redacted()
	}
	return raw
}

// Send delivers m in one SMTP session, bounded by ctx and at most a minute.
func (s *SMTP) Send(ctx context.Context, m Message) error {
	deadline := time.Now().Add(time.Minute)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	d := net.Dialer{Deadline: deadline}
	var conn net.Conn
	var err error
	if s.implicit {
		conn, err = (&tls.Dialer{NetDialer: &d, Config: &tls.Config{ServerName: s.host}}).DialContext(ctx, "tcp", s.addr)
	} else {
		conn, err = d.DialContext(ctx, "tcp", s.addr)
	}
	if err != nil {
		return fmt.Errorf("receipts: smtp dial %s: %w", s.addr, err)
	}
	_ = conn.SetDeadline(deadline)
	c, err := smtp.NewClient(conn, s.host)
	if err != nil {
		conn.Close()
		return fmt.Errorf("receipts: smtp: %w", err)
	}
	defer c.Close()
	if ok, _ := c.Extension("STARTTLS"); ok && !s.implicit {
		if err := c.StartTLS(&tls.Config{ServerName: s.host}); err != nil {
			return fmt.Errorf("receipts: smtp starttls: %w", err)
		}
	}
	if s.auth != nil {
		if err := c.Auth(s.auth); err != nil {
			return fmt.Errorf("receipts: smtp auth: %w", err)
		}
	}
	from := m.From
	if from == "" {
		from = s.From
	}
	sender, _ := mail.ParseAddress(from)
	if err := c.Mail(sender.Address); err != nil {
		return fmt.Errorf("receipts: smtp MAIL FROM: %w", err)
	}
	if err := c.Rcpt(m.To); err != nil {
		return fmt.Errorf("receipts: smtp RCPT TO: %w", err)
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("receipts: smtp DATA: %w", err)
	}
	if _, err := w.Write(Format(m, from, s.host)); err != nil {
		return fmt.Errorf("receipts: smtp write: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("receipts: smtp end of data: %w", err)
	}
	return c.Quit()
}

// Format writes m as an RFC 5322 message: UTF-8 plain text, quoted-printable.
func Format(m Message, from, host string) []byte {
	var b bytes.Buffer
	h := func(k, v string) { fmt.Fprintf(&b, "%s: %s\r\n", k, v) }
	h("From", from)
	h("To", m.To)
	h("Subject", mime.QEncoding.Encode("utf-8", m.Subject))
	h("Date", time.Now().UTC().Format(time.RFC1123Z))
	if m.ID != "" {
		h("Message-ID", "<"+m.ID+"@"+host+">")
	}
	h("MIME-Version", "1.0")
	h("Content-Type", `text/plain; charset="utf-8"`)
	h("Content-Transfer-Encoding", "quoted-printable")
	b.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&b)
	_, _ = qp.Write([]byte(m.Text))
	_ = qp.Close()
	return b.Bytes()
}

// LogMailer writes mail to the log instead of sending it, links and all:
// what happens when no SMTP_URL is set, so a receipt or an account link is
// still there to read.
type LogMailer struct {
	Log *slog.Logger
	// Withhold leaves the text out (production): one-time links in a log
	// would let whoever reads it reset a password or sign in.
	Withhold bool
}

// Send logs the message.
func (l LogMailer) Send(_ context.Context, m Message) error {
	if l.Withhold {
		l.Log.Warn("mail not sent: SMTP_URL is unset, and its text (with any one-time links) is withheld from the log",
			"to", m.To, "subject", m.Subject)
		return nil
	}
	l.Log.Info("mail (no SMTP_URL set, so it is logged, not sent)", "to", m.To, "subject", m.Subject,
		"text", strings.TrimSpace(m.Text))
	return nil
}
