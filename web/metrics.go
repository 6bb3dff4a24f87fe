package web

import (
	"crypto/subtle"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/skmkiosk/skm/survey"
)

// Metrics is one service's Prometheus registry: the Go runtime and process
// collectors, the request latency of every route, and what KioskMetrics or
// CentralMetrics add. web is the application's only importer of
// client_golang; sync/upload and sync/ingest report through small interfaces
// that KioskMetrics and CentralMetrics satisfy.
type Metrics struct {
	reg     *prometheus.Registry
	latency *prometheus.HistogramVec
	token   string
}

// newMetrics returns a registry with the shared collectors. token, when not
// empty, is the bearer token /metrics requires (see Handler).
func newMetrics(token string) *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry(), token: token}
	m.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "skm_http_request_duration_seconds",
		Help:    "Time to answer an HTTP request, by route pattern, method and status.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
	}, []string{"route", "method", "status"})
	m.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}), m.latency)
	return m
}

// Registry returns the registry, for collectors a service adds.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// notFoundRoute labels every 404: unmatched paths would otherwise carry the
// pattern of the last middleware, and the label must stay bounded.
const notFoundRoute = "(not found)"

// Measure is middleware, first in the chain: it records each request's
// latency under its route pattern. Like Fiber's logger it hands an error to
// the app's error handler itself, so the status it records is the one sent.
func (m *Metrics) Measure(c *fiber.Ctx) error {
	start := time.Now()
	if err := c.Next(); err != nil {
		if herr := c.App().ErrorHandler(c, err); herr != nil {
			c.Status(fiber.StatusInternalServerError)
		}
	}
	status := c.Response().StatusCode()
	route := c.Route().Path
	if status == fiber.StatusNotFound {
		route = notFoundRoute
	}
	m.latency.WithLabelValues(route, c.Method(), strconv.Itoa(status)).Observe(time.Since(start).Seconds())
	return nil
}

// Handler serves the registry in the Prometheus text format. Without a token
// it answers only clients on this machine (a loopback address): the kiosk
// listens on the office network for citizens' phones, and central on the
// internet. With a token it answers anyone who sends
// "Authorization: Bearer <token>", and nobody else. A reverse proxy on the
// same machine makes every client look local: set a token behind one.
func (m *Metrics) Handler() fiber.Handler {
	serve := adaptor.HTTPHandler(promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError}))
	return func(c *fiber.Ctx) error {
		if err := m.authorize(c); err != nil {
			return err
		}
		c.Set(fiber.HeaderCacheControl, "no-store")
		return serve(c)
	}
}

func (m *Metrics) authorize(c *fiber.Ctx) error {
	if m.token == "" {
		if c.Context().RemoteIP().IsLoopback() {
			return nil
		}
		return survey.NewError(survey.EFORBIDDEN,
			"/metrics answers only on this machine; set metrics_token in the configuration to scrape it from another machine",
			"/metrics hanya menjawab dari komputer ini; isi metrics_token di konfigurasi untuk membacanya dari komputer lain")
	}
	got, ok := strings.CutPrefix(c.Get(fiber.HeaderAuthorization), "Bearer ")
	if ok && subtle.ConstantTimeCompare([]byte(got), []byte(m.token)) == 1 {
		return nil
	}
	c.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="metrics"`)
	return survey.NewError(survey.EUNAUTHORIZED, "/metrics needs the bearer token set as metrics_token",
		"/metrics memerlukan token bearer yang diisi sebagai metrics_token")
}
