// Package static embeds the stylesheet, scripts and images. htmx is copied in
// from its npm package by make (it is not committed).
package static

import "embed"

// FS holds every static file.
//
//go:embed *.css *.js *.ico img
var FS embed.FS
