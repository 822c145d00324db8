package app

import (
	"errors"
	"io"
	"io/fs"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/claro-market/claro/app/accounts"
	"github.com/claro-market/claro/app/admin"
	"github.com/claro-market/claro/app/cart"
	"github.com/claro-market/claro/app/catalog"
	"github.com/claro-market/claro/app/checkout"
	"github.com/claro-market/claro/app/dashboard"
	"github.com/claro-market/claro/app/devtools"
	"github.com/claro-market/claro/app/library"
	"github.com/claro-market/claro/app/reviews"
	"github.com/claro-market/claro/app/web"
	"github.com/claro-market/claro/search"
	"github.com/claro-market/claro/static"
	"github.com/claro-market/claro/views"
)

// allViews is every area's list of the templates it renders.
func allViews() []web.View {
	return slices.Concat(
		web.Views(),
		accounts.Views(),
		catalog.Views(),
		search.Views(),
		reviews.Views(),
		cart.Views(),
		checkout.Views(),
		library.Views(),
		dashboard.Views(),
		admin.Views(),
		devtools.Views(),
	)
}

// Every template under views/ renders with the type its handler passes,
// once as the zero value (every else-branch) and once filled in (every
// if-branch and range body), so a misspelt field in a rare partial fails
// here, not in front of a user. A template no area lists fails too.
func TestEveryTemplateRendersWithItsPageType(t *testing.T) {
	assets, err := web.NewAssets(static.FS)
	if err != nil {
		t.Fatal(err)
	}
	engine, err := newEngine(assets, web.Links{Scheme: "https", Root: "claro.test"})
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]bool{}
	for _, v := range allViews() {
		listed[v.Name] = true
		for i, data := range []any{v.Data, filled(v.Data)} {
			err := engine.Render(io.Discard, v.Name, data)
			if err != nil && i == 0 && strings.Contains(err.Error(), "nil pointer evaluating") {
				// The zero value has no row behind a pointer the handler
				// always fills; the filled-in pass renders that branch.
				continue
			}
			if err != nil {
				t.Errorf("%s with %T (%s): %v", v.Name, data, []string{"zero value", "filled in"}[i], err)
			}
		}
		if v.Page {
			// Inside the layout too: base.html reads the page's fields.
			var out strings.Builder
			err := engine.Render(&out, v.Name, filled(v.Data), web.BaseLayout)
			if err == nil && strings.Contains(out.String(), "template: ") {
				err = errors.New("an error's text was printed into the page")
			}
			if err != nil {
				t.Errorf("%s inside %s: %v", v.Name, web.BaseLayout, err)
			}
		}
	}
	err = fs.WalkDir(views.FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".html") {
			return err
		}
		if name := strings.TrimSuffix(path, ".html"); name != web.BaseLayout && !listed[name] {
			t.Errorf("%s is rendered by no area's Views list: add it with the type its caller passes", path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// filled returns a value of v's type with every exported field set: strings
// "x", numbers 1, booleans true, pointers allocated, one element in every
// slice and map, so templates take their if-branches and range bodies.
func filled(v any) any {
	if v == nil {
		return nil
	}
	p := reflect.New(reflect.TypeOf(v))
	fill(p.Elem(), 0)
	return p.Elem().Interface()
}

func fill(v reflect.Value, depth int) {
	if depth > 6 {
		return
	}
	if v.Kind() == reflect.Struct {
		// Into embedded unexported structs too (their exported fields are
		// promoted to the template and settable).
		for i := range v.NumField() {
			if f := v.Type().Field(i); f.IsExported() || f.Anonymous {
				fill(v.Field(i), depth+1)
			}
		}
		return
	}
	if !v.CanSet() {
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString("x")
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(1)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(1)
	case reflect.Float32, reflect.Float64:
		v.SetFloat(1)
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(v.Elem(), depth+1)
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 1, 1))
		fill(v.Index(0), depth+1)
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
		fill(k, depth+1)
		fill(e, depth+1)
		m.SetMapIndex(k, e)
		v.Set(m)
	}
}
