package app

import (
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/claro-market/claro/app/blob"
	"github.com/claro-market/claro/app/catalog"
	"github.com/claro-market/claro/app/config"
	"github.com/claro-market/claro/app/web"
	"github.com/claro-market/claro/static"
	"github.com/claro-market/claro/views"
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/template/html/v2"
)

// newWeb builds what every response is drawn with: the static assets (their
// fingerprinted URLs go into templates), the template engine, the one set of
// error pages rendered from it, and the Fiber app that uses both. It fails when
// a template does not parse or an asset cannot be read.
func newWeb(cfg config.Config, log *slog.Logger, links web.Links) (*web.Assets, *fiber.App, *web.ErrorPages, error) {
	assets, err := web.NewAssets(static.FS)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("app: static assets: %w", err)
	}
	engine, err := newEngine(assets, links)
	if err != nil {
		return nil, nil, nil, err
	}
	errs, err := web.NewErrorPages(engine, log, links.Market())
	if err != nil {
		return nil, nil, nil, fmt.Errorf("app: error pages: %w", err)
	}
	if err := errs.WithSites(links); err != nil {
		return nil, nil, nil, fmt.Errorf("app: error pages: %w", err)
	}
	f := web.New(web.Options{
		Views:          engine,
		TrustedProxies: cfg.TrustedProxies,
		Production:     cfg.IsProduction(),
		Logger:         log,
		Errors:         errs,
	})
	return assets, f, errs, nil
}

// newEngine loads every template up front with Claro's template functions;
// pages go inside their layout through web.Layouts.
func newEngine(assets *web.Assets, links web.Links) (*web.Layouts, error) {
	e := html.NewFileSystem(http.FS(views.FS), ".html")
	e.AddFuncMap(template.FuncMap{
		"asset":       assets.URL,
		"money":       catalog.Money,
		"productURL":  links.Product,
		"mediaURL":    func(key string) string { return "/media/" + key },
		"coverSrc":    coverSrc,
		"coverSrcset": coverSrcset,
		"initial": func(s string) string {
			r, _ := utf8.DecodeRuneInString(s)
			return strings.ToUpper(string(r))
		},
		"bytes": HumanBytes,
		"upper": strings.ToUpper,
		"dict":  dict,
	})
	l, err := web.NewLayouts(e, views.FS, ".html", web.BaseLayout)
	if err != nil {
		return nil, fmt.Errorf("app: templates: %w", err)
	}
	return l, nil
}

// dict builds a map from alternating keys and values, so a template can hand
// a partial more than one value.
func dict(kv ...any) (map[string]any, error) {
	if len(kv)%2 != 0 {
		return nil, fmt.Errorf("dict: odd number of arguments")
	}
	m := make(map[string]any, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		k, ok := kv[i].(string)
		if !ok {
			return nil, fmt.Errorf("dict: key %v is not a string", kv[i])
		}
		m[k] = kv[i+1]
	}
	return m, nil
}

// HumanBytes formats a size for people: 1.2 MB.
func HumanBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.0f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// coverSrc is the address of image key at width w (one of
// blob.CoverWidths), or of the image itself when it has no sizes (an SVG).
func coverSrc(key string, w int) string {
	if k := blob.SizedKey(key, w); k != "" {
		return "/media/" + k
	}
	return "/media/" + key
}

// coverSrcset lists image key's sizes for an img's srcset ("" for an image
// without sizes, which then needs none).
func coverSrcset(key string) string {
	var parts []string
	for _, w := range blob.CoverWidths {
		k := blob.SizedKey(key, w)
		if k == "" {
			return ""
		}
		parts = append(parts, "/media/"+k+" "+strconv.Itoa(w)+"w")
	}
	return strings.Join(parts, ", ")
}
