// Package views embeds Claro's html/template files: layouts, partials and the
// pages of each area. They are parsed once at start-up; a broken template stops
// the boot.
package views

import "embed"

// FS holds every template.
//
//go:embed layouts partials marketplace storefront errors accounts dashboard library admin
var FS embed.FS
