package edge

import (
	"net/http"
	"strings"

	"github.com/claro-market/claro/tenants"
	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"
)

// httpHandler serves the plain-HTTP listener: ACME HTTP-01 challenges (for
// any machine's order: the challenge data is in the shared storage), the
// health check, and a redirect to HTTPS for every name the policy allows.
// Anything else is a bare 404: no redirect advertises a name we do not serve.
func (s *Server) httpHandler() http.Handler {
	redirect := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/healthz" {
			_, _ = w.Write([]byte("ok"))
			return
		}
		host, ok := tenants.ParseHost(r.Host)
		if !ok || (!s.wildcardCovers(host) && s.opt.Policy.Allow(r.Context(), host) != nil) {
			http.NotFound(w, r)
			return
		}
		code := http.StatusMovedPermanently
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			code = http.StatusPermanentRedirect
		}
		http.Redirect(w, r, "https://"+host+s.tlsPort+r.URL.RequestURI(), code)
	})
	return s.acme.HTTPChallengeHandler(redirect)
}

// wildcardCovers reports whether the wildcard certificate (ACME_DNS) serves
// host over HTTPS: any one-label subdomain of the root. The policy refuses
// those names for on-demand issuance, yet they are redirected like the rest.
func (s *Server) wildcardCovers(host string) bool {
	sub, ok := strings.CutSuffix(host, "."+strings.ToLower(s.opt.RootHost))
	return s.wild != nil && ok && sub != "" && !strings.Contains(sub, ".")
}

// withHSTS makes every HTTPS response carry Strict-Transport-Security
// (tenants.HSTS), also the ones the app answers outside production. It wraps the Fiber app's server handler, ahead of every route.
func withHSTS(app *fiber.App, root string) {
	srv := app.Server()
	next := srv.Handler
	srv.Handler = func(ctx *fasthttp.RequestCtx) {
		next(ctx)
		if len(ctx.Response.Header.Peek("Strict-Transport-Security")) > 0 {
			return
		}
		ctx.Response.Header.Set("Strict-Transport-Security", tenants.HSTS(string(ctx.Host()), root))
	}
}
