package dashboard

import "github.com/claro-market/claro/app/catalog"

// The JSON API (app/api) edits products with the dashboard's own rules:
// it fills a ProductForm, validates it with Validate and saves Changes, so
// a product made or changed through the API obeys exactly what the editor
// page does, and a field the editor adds later is carried by FormOf (an
// API update never resets it).

// Changes are the validated form's fields as the catalog editor takes them.
func (f *ProductForm) Changes() catalog.Changes { return f.changes() }

// FormOf is the form of a stored product, as the editor page fills it.
func FormOf(p *catalog.Product) ProductForm { return formOf(p) }

// CleanFileName is the display name the editor keeps of an uploaded
// file's name ("" when none can be kept).
func CleanFileName(s string) string { return cleanFileName(s) }
