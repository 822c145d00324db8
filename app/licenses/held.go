package licenses

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"time"

	"github.com/claro-market/claro/app/accounts"
	"github.com/claro-market/claro/app/library"
	"github.com/claro-market/claro/app/web"
	"github.com/gofiber/fiber/v2"
	"github.com/uptrace/bun"
)

// Held lists the keys userID holds for productID (through their
// entitlements, live or revoked: a refunded purchase's key shows as
// disabled), each with its live activations. It is library.LicenseKeys.
func (k *Keys) Held(ctx context.Context, userID, productID int64) ([]library.LicenseKey, error) {
	var rows []struct {
		ID       int64          `bun:"id"`
		Order    int64          `bun:"order_id"`
		Disabled sql.NullTime   `bun:"disabled_at"`
		Reason   sql.NullString `bun:"disabled_reason"`
		Limit    int            `bun:"activation_limit"`
	}
	if err := k.db.NewRaw(`SELECT k.id, k.order_id, k.disabled_at, k.disabled_reason, p.activation_limit
		FROM license_keys k JOIN products p ON p.id = k.product_id
		WHERE k.product_id = ? AND EXISTS (SELECT 1 FROM entitlements e
			WHERE e.order_id = k.order_id AND e.product_id = k.product_id AND e.user_id = ?)
		ORDER BY k.id`, productID, userID).Scan(ctx, &rows); err != nil {
		return nil, err
	}
	out := make([]library.LicenseKey, 0, len(rows))
	for _, r := range rows {
		lk := library.LicenseKey{ID: r.ID, Key: k.Key(r.Order, productID), Disabled: r.Disabled.Valid,
			DisabledReason: r.Reason.String, Limit: r.Limit, Activations: []library.KeyActivation{}}
		var acts []struct {
			ID   string    `bun:"instance_id"`
			Name string    `bun:"instance_name"`
			At   time.Time `bun:"created_at"`
		}
		if err := k.db.NewRaw(`SELECT instance_id, instance_name, created_at FROM license_activations
			WHERE key_id = ? AND deactivated_at IS NULL ORDER BY id`, r.ID).Scan(ctx, &acts); err != nil {
			return nil, err
		}
		for _, a := range acts {
			lk.Activations = append(lk.Activations, library.KeyActivation{ID: a.ID, Name: a.Name, ActivatedAt: a.At})
		}
		out = append(out, lk)
	}
	return out, nil
}

// Free frees activation instance of key keyID, when userID holds the key
// (else web.ErrNotFound: the 404 page, as for anything else they cannot see).
func (k *Keys) Free(ctx context.Context, userID, keyID int64, instance string) error {
	return k.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var id int64
		err := tx.NewRaw(`SELECT k.id FROM license_keys k WHERE k.id = ? AND EXISTS (SELECT 1 FROM entitlements e
			WHERE e.order_id = k.order_id AND e.product_id = k.product_id AND e.user_id = ?) FOR UPDATE`, keyID, userID).Scan(ctx, &id)
		if errors.Is(err, sql.ErrNoRows) {
			return web.ErrNotFound
		}
		if err != nil {
			return err
		}
		res, err := tx.NewRaw(`UPDATE license_activations SET deactivated_at = now()
			WHERE key_id = ? AND instance_id = ? AND deactivated_at IS NULL`, id, instance).Exec(ctx)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return web.ErrNotFound
		}
		return nil
	})
}

// LibraryRoutes mounts the buyer's "free this activation" on the
// marketplace: POST /library/:product_id/keys/:key_id/free (instance_id).
func (h *Handlers) LibraryRoutes(r fiber.Router) {
	web.MarketRoutes(r).Post("/library/:product_id/keys/:key_id/free", accounts.RequireUser, h.free)
}

func (h *Handlers) free(c *fiber.Ctx) error {
	pid, err1 := c.ParamsInt("product_id")
	kid, err2 := c.ParamsInt("key_id")
	instance := c.FormValue("instance_id")
	if err1 != nil || err2 != nil || instance == "" || len(instance) > 64 {
		return web.ErrNotFound
	}
	if err := h.keys.Free(c.UserContext(), web.CurrentUser(c).UserID, int64(kid), instance); err != nil {
		return err
	}
	return c.Redirect("/library/"+strconv.Itoa(pid)+"?freed=1", fiber.StatusSeeOther)
}
