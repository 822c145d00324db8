package api_test

import (
	"net/http"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/claro-market/claro/app/api"
	"github.com/claro-market/claro/app/licenses"
	"github.com/claro-market/claro/testkit/moneytest"
	"github.com/pb33f/libopenapi"
	"github.com/pb33f/libopenapi/datamodel"
)

// The OpenAPI document served is a valid OpenAPI 3.1 document (every
// reference resolved), and it describes exactly the routes the app has
// under /api/v1: a route added, removed or renamed without the document
// fails here (and so in CI).
func TestOpenAPIDocumentMatchesTheRoutes(t *testing.T) {
	e := moneytest.New(t, testDB)
	resp, body := call(t, e, "", http.MethodGet, "/api/v1/openapi.json", nil)
	if resp.StatusCode != http.StatusOK || body != string(api.OpenAPI()) || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("GET /api/v1/openapi.json: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	doc, err := libopenapi.NewDocument([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if doc.GetVersion() != "3.1.0" || doc.GetSpecInfo().SpecFormat != datamodel.OAS31 {
		t.Fatalf("version %q, format %v", doc.GetVersion(), doc.GetSpecInfo().SpecFormat)
	}
	model, err := doc.BuildV3Model()
	if err != nil {
		t.Fatalf("the document does not build: %v", err)
	}
	// Each answer's schema names exactly the fields the Go type sends.
	for name, v := range map[string]any{"Product": api.Product{}, "File": api.File{}, "Sale": api.Sale{}, "Item": api.Item{},
		"LicenseKey": api.LicenseKey{}, "KeyStatus": licenses.Status{}} {
		proxy, ok := model.Model.Components.Schemas.Get(name)
		if !ok {
			t.Errorf("no schema %s", name)
			continue
		}
		var documented []string
		for p := range proxy.Schema().Properties.KeysFromOldest() {
			documented = append(documented, p)
		}
		if sent := jsonFields(reflect.TypeOf(v)); !slices.Equal(sorted(documented), sent) {
			t.Errorf("schema %s has %v; the API sends %v", name, sorted(documented), sent)
		}
	}
	documented := map[string]bool{}
	for path, item := range model.Model.Paths.PathItems.FromOldest() {
		for method, op := range item.GetOperations().FromOldest() {
			documented[strings.ToUpper(method)+" "+path] = true
			if op.OperationId == "" || op.Responses == nil || op.Responses.Codes.Len() == 0 {
				t.Errorf("%s %s: no operationId or responses", method, path)
			}
		}
	}
	param := regexp.MustCompile(`:([a-z]+)`)
	routes := map[string]bool{}
	for _, r := range e.App.Fiber.GetRoutes(true) {
		if strings.HasPrefix(r.Path, "/api/v1/") && r.Method != http.MethodHead {
			routes[r.Method+" "+param.ReplaceAllString(r.Path, "{$1}")] = true
		}
	}
	var missing, stale []string
	for r := range routes {
		if !documented[r] {
			missing = append(missing, r)
		}
	}
	for d := range documented {
		if !routes[d] {
			stale = append(stale, d)
		}
	}
	slices.Sort(missing)
	slices.Sort(stale)
	if len(missing) > 0 || len(stale) > 0 {
		t.Fatalf("routes without a description: %v\ndescribed paths no route serves: %v", missing, stale)
	}
	if len(routes) < 17 {
		t.Fatalf("only %d routes under /api/v1: %v", len(routes), routes)
	}
}

// jsonFields are the JSON names of t's fields, sorted.
func jsonFields(t reflect.Type) []string {
	var out []string
	for i := 0; i < t.NumField(); i++ {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" {
			out = append(out, name)
		}
	}
	return sorted(out)
}

func sorted(s []string) []string {
	slices.Sort(s)
	return s
}
