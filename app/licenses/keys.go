// Package licenses issues license keys for products that ask for them, one
// per purchase, and answers the public activation API creators' software
// calls (activate, validate, deactivate) under a per-product activation
// limit. A key is derived from the order and product by HMAC under a key of
// its own (from SESSION_SECRET), so it is unguessable and can be shown to
// its buyer again without being stored: the database keeps its SHA-256
// only. A refund or dispute disables the order's keys in the webhook's own
// transaction.
package licenses

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"strconv"
	"strings"

	"github.com/claro-market/claro/app/db"
	"github.com/claro-market/claro/app/orders"
	"github.com/uptrace/bun"
)

// alphabet is Crockford's base 32: digits and letters without I, L, O and
// U, so a key read aloud or typed from paper has no look-alikes (Parse
// reads I and L as 1, O as 0).
const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// groups × groupLen characters of 5 bits: 125 bits, unguessable.
const groups, groupLen = 5, 5

// Keys derives, issues and disables license keys.
type Keys struct {
	db  *bun.DB
	key []byte
}

// NewKeys returns the keys over the primary, derived under secret (the
// application secret; a label of its own keeps it apart from every other
// use of it). Changing SESSION_SECRET changes every key shown and voids
// every key issued: docs/licenses.md says so.
func NewKeys(primary *bun.DB, secret []byte) *Keys {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("claro license keys v1"))
	return &Keys{db: primary, key: m.Sum(nil)}
}

// Key is the license key of product in order, as the buyer reads it:
// XXXXX-XXXXX-XXXXX-XXXXX-XXXXX.
func (k *Keys) Key(orderID, productID int64) string {
	m := hmac.New(sha256.New, k.key)
	m.Write([]byte(strconv.FormatInt(orderID, 10) + ":" + strconv.FormatInt(productID, 10)))
	sum := m.Sum(nil)
	var b strings.Builder
	bits, acc, n := 0, uint(0), 0
	for _, c := range sum {
		acc = acc<<8 | uint(c)
		bits += 8
		for bits >= 5 && n < groups*groupLen {
			if n > 0 && n%groupLen == 0 {
				b.WriteByte('-')
			}
			b.WriteByte(alphabet[(acc>>(bits-5))&31])
			bits -= 5
			n++
		}
	}
	return b.String()
}

// Parse reads a key as a person may type it: any case, with or without
// dashes or spaces, I and L for 1, O for 0. ok is false for anything that
// cannot be a key.
func Parse(s string) (key string, ok bool) {
	if len(s) > 64 {
		return "", false
	}
	var b strings.Builder
	n := 0
	for _, r := range strings.ToUpper(s) {
		switch r {
		case '-', ' ':
			continue
		case 'I', 'L':
			r = '1'
		case 'O':
			r = '0'
		}
		if !strings.ContainsRune(alphabet, r) {
			return "", false
		}
		if n > 0 && n%groupLen == 0 {
			b.WriteByte('-')
		}
		b.WriteRune(r)
		n++
	}
	if n != groups*groupLen {
		return "", false
	}
	return b.String(), true
}

// hash is what the database keeps of a key (as Parse writes it).
func hash(key string) []byte {
	s := sha256.Sum256([]byte(key))
	return s[:]
}

// Issue is the orders.PaidStep that gives each newly paid order one key for
// each of its products that issues keys, in the order's transaction. A
// batch with no such product costs one indexed read.
func (k *Keys) Issue(ctx context.Context, tx bun.Tx, paid []int64) error {
	rows, err := tx.Tx.QueryContext(ctx, `SELECT oi.order_id, oi.product_id, oi.tenant_id
		FROM order_items oi JOIN products p ON p.id = oi.product_id AND p.license_keys
		WHERE oi.order_id = ANY ($1::bigint[])`, db.Prepared(paid)...)
	if err != nil {
		return err
	}
	defer rows.Close()
	var ords, prods, tenants []int64
	var hashes [][]byte
	var last4 []string
	for rows.Next() {
		var o, p, t int64
		if err := rows.Scan(&o, &p, &t); err != nil {
			return err
		}
		key := k.Key(o, p)
		ords, prods, tenants = append(ords, o), append(prods, p), append(tenants, t)
		hashes, last4 = append(hashes, hash(key)), append(last4, key[len(key)-4:])
	}
	if err := rows.Err(); err != nil || len(ords) == 0 {
		return err
	}
	rows.Close()
	_, err = tx.Tx.ExecContext(ctx, `INSERT INTO license_keys (order_id, product_id, tenant_id, key_hash, last4)
		SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bytea[], $5::text[])
		ON CONFLICT (order_id, product_id) DO NOTHING`, db.Prepared(ords, prods, tenants, hashes, last4)...)
	return err
}

// Disable is the orders.AdjustStep that disables an order's keys when a
// full refund or a dispute revokes its access, in the same transaction.
func (k *Keys) Disable(ctx context.Context, tx bun.Tx, a orders.Adjusted) error {
	if !a.Revoked {
		return nil
	}
	reason := "refunded"
	if a.Kind == "dispute" {
		reason = "disputed"
	}
	_, err := tx.Tx.ExecContext(ctx, `UPDATE license_keys SET disabled_at = now(), disabled_reason = $2
		WHERE order_id = $1 AND disabled_at IS NULL`, db.Prepared(a.Order, reason)...)
	return err
}
