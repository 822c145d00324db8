package catalog

import (
	"context"
	"errors"
	"time"

	"github.com/claro-market/claro/app/blob"
	"github.com/claro-market/claro/app/db"
	"github.com/uptrace/bun"
)

// Editor is the creator side of the catalog as a service: every change a
// creator makes to a product runs here, in one tenant transaction, with the
// catalog's rules (content rendered from Markdown, published_at set once on
// leaving draft) and the blob writes that go with it. Each method takes the
// tenant and scopes on it, so the dashboard's handlers only parse, call and
// render, and no handler can forget a rule or the compensation of a blob.
type Editor struct {
	db       *db.DB
	blobs    blob.Store
	markdown *Renderer
	limits   blob.Limits
}

// NewEditor returns the catalog editor over the database and the blob store.
func NewEditor(database *db.DB, blobs blob.Store) *Editor {
	return &Editor{db: database, blobs: blobs, markdown: NewRenderer(), limits: blob.DefaultLimits()}
}

// Changes are the editable fields of a product as a creator submits them,
// already validated by the form that read them.
type Changes struct {
	Title       string
	Slug        string
	Description string
	PriceCents  int64
	Currency    string
	Visibility  string
	CategoryID  *int64
	Tags        []string
	ContentMD   string
	// LicenseKeys and ActivationLimit: a key per purchase, activating on
	// at most that many instances (0: no limit).
	LicenseKeys     bool
	ActivationLimit int
	// PWYW and PWYWMinCents: the buyer chooses what to pay, at least the
	// minimum; PriceCents is then the suggested price.
	PWYW         bool
	PWYWMinCents int64
}

// inTenant runs fn with a catalog store inside the tenant's transaction, so
// row-level security backs every WHERE clause up.
func (e *Editor) inTenant(ctx context.Context, tenantID int64, fn func(ctx context.Context, s *Store) error) error {
	return e.db.InTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error { return fn(ctx, NewStore(tx)) })
}

// Categories lists the category tree for the editor's select.
func (e *Editor) Categories(ctx context.Context) ([]Category, error) {
	return NewStore(e.db.ReadPool(ctx)).Categories(ctx)
}

// List returns every live product of the store, drafts included, newest first.
func (e *Editor) List(ctx context.Context, tenantID int64) (ps []Product, err error) {
	err = e.inTenant(ctx, tenantID, func(ctx context.Context, s *Store) error {
		ps, err = s.ListForTenant(ctx, tenantID)
		return err
	})
	return ps, err
}

// Product returns a product of the store with its files; another store's
// product is ErrNotFound.
func (e *Editor) Product(ctx context.Context, tenantID, id int64) (p *Product, files []File, err error) {
	err = e.inTenant(ctx, tenantID, func(ctx context.Context, s *Store) error {
		if p, err = s.ByID(ctx, tenantID, id); err != nil {
			return err
		}
		files, err = s.Files(ctx, tenantID, id)
		return err
	})
	return p, files, err
}

// apply copies ch onto p, renders its content and stamps the first
// publication: a product leaving draft gets published_at once, never again.
func (e *Editor) apply(p *Product, ch Changes) error {
	html, err := e.markdown.Render(ch.ContentMD)
	if err != nil {
		return err
	}
	p.Title, p.Slug, p.Description = ch.Title, ch.Slug, ch.Description
	p.PriceCents, p.Currency, p.CategoryID = ch.PriceCents, ch.Currency, ch.CategoryID
	p.Tags, p.ContentMD, p.ContentHTML = append([]string{}, ch.Tags...), ch.ContentMD, html
	p.LicenseKeys, p.ActivationLimit = ch.LicenseKeys, ch.ActivationLimit
	p.PWYW, p.PWYWMinCents = ch.PWYW, ch.PWYWMinCents
	stampPublished(p, ch.Visibility)
	return nil
}

// stampPublished sets the visibility and, the first time it is not draft,
// the publication time.
func stampPublished(p *Product, visibility string) {
	p.Visibility = visibility
	if visibility != Draft && p.PublishedAt == nil {
		now := time.Now()
		p.PublishedAt = &now
	}
}

// Create adds a product to the store; a slug the store already uses is
// ErrSlugTaken.
func (e *Editor) Create(ctx context.Context, tenantID int64, ch Changes) (*Product, error) {
	p := &Product{}
	if err := e.apply(p, ch); err != nil {
		return nil, err
	}
	err := e.inTenant(ctx, tenantID, func(ctx context.Context, s *Store) error { return s.CreateChecked(ctx, tenantID, p) })
	if err != nil {
		return nil, err
	}
	return p, nil
}

// Update saves a product's editable fields; another store's product is
// ErrNotFound, a slug the store already uses ErrSlugTaken.
func (e *Editor) Update(ctx context.Context, tenantID, id int64, ch Changes) (*Product, error) {
	var p *Product
	err := e.inTenant(ctx, tenantID, func(ctx context.Context, s *Store) (err error) {
		if p, err = s.ByID(ctx, tenantID, id); err != nil {
			return err
		}
		if err := e.apply(p, ch); err != nil {
			return err
		}
		return s.Update(ctx, tenantID, p)
	})
	return p, err
}

// Publish sets a product's visibility (public, private or draft), stamping
// its first publication.
func (e *Editor) Publish(ctx context.Context, tenantID, id int64, visibility string) (*Product, error) {
	if visibility != Public && visibility != Private && visibility != Draft {
		return nil, ErrVisibility
	}
	var p *Product
	err := e.inTenant(ctx, tenantID, func(ctx context.Context, s *Store) (err error) {
		if p, err = s.ByID(ctx, tenantID, id); err != nil {
			return err
		}
		stampPublished(p, visibility)
		return s.Update(ctx, tenantID, p)
	})
	return p, err
}

// Delete removes a product from every listing; orders keep pointing at it.
func (e *Editor) Delete(ctx context.Context, tenantID, id int64) error {
	return e.inTenant(ctx, tenantID, func(ctx context.Context, s *Store) error {
		if _, err := s.ByID(ctx, tenantID, id); err != nil {
			return err
		}
		return s.SoftDelete(ctx, tenantID, id)
	})
}

// ErrVisibility is a visibility that is not public, private or draft.
var ErrVisibility = errors.New("catalog: unknown visibility")
