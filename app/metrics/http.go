package metrics

import (
	"github.com/claro-market/claro/app/web"
	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"
)

// Requests observes each request's duration in
// claro_http_request_duration_seconds, by route pattern (routes.Pattern),
// method and status class. It sits above web.AccessLog, which has written
// the error page (and so the final status) by the time it returns.
func (m *Metrics) Requests(routes *web.RouteTable) fiber.Handler {
	return func(c *fiber.Ctx) error { return m.request(c, routes) }
}

func (m *Metrics) request(c *fiber.Ctx, routes *web.RouteTable) error {
	m.inFlight.Add(1)
	defer m.inFlight.Add(-1)
	err := c.Next()
	status := c.Response().StatusCode()
	if err != nil { // nothing below wrote the answer yet: the error handler will
		status = fiber.StatusInternalServerError
		if fe, ok := err.(*fiber.Error); ok {
			status = fe.Code
		}
	}
	start, done := web.RequestTimes(c)
	m.observer(requestLabels{routes.Pattern(c), method(c.Method()), statusClass(status)}).Observe(done.Sub(start).Seconds())
	return err
}

// InFlight is the number of requests being answered now.
func (m *Metrics) InFlight() int64 { return m.inFlight.Load() }

// method is m as one of our own constants: Fiber's c.Method() may alias a
// buffer reused by the next request, and a label value is kept for good.
func method(m string) string {
	switch m {
	case fiber.MethodGet:
		return fiber.MethodGet
	case fiber.MethodHead:
		return fiber.MethodHead
	case fiber.MethodPost:
		return fiber.MethodPost
	case fiber.MethodPut:
		return fiber.MethodPut
	case fiber.MethodPatch:
		return fiber.MethodPatch
	case fiber.MethodDelete:
		return fiber.MethodDelete
	case fiber.MethodOptions:
		return fiber.MethodOptions
	}
	return "OTHER"
}

func statusClass(code int) string {
	switch {
	case code >= 500:
		return "5xx"
	case code >= 400:
		return "4xx"
	case code >= 300:
		return "3xx"
	case code >= 200:
		return "2xx"
	}
	return "1xx"
}

// requestLabels are one series of claro_http_request_duration_seconds. Each
// value is a constant or a registered route's pattern, never request bytes,
// so the set is as small as the routes and safe to keep.
type requestLabels struct{ route, method, status string }

// observer is the series for l. The HistogramVec finds it under a
// read-write lock whose reader count every request on every core writes
// (in-process, that look-up took as long as the Observe itself); a
// sync.Map read of a key already stored writes nothing shared.
func (m *Metrics) observer(l requestLabels) prometheus.Observer {
	if o, ok := m.observers.Load(l); ok {
		return o.(prometheus.Observer)
	}
	o := m.requests.WithLabelValues(l.route, l.method, l.status)
	m.observers.Store(l, o)
	return o
}
