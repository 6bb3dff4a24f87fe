package web

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"

	"github.com/skmkiosk/skm/survey"
)

// AppOptions configure NewApp.
type AppOptions struct {
	Name string
	HTTP HTTPConfig
	// BodyTimeout bounds reading a request's body once its headers arrived;
	// WriteTimeout bounds writing the answer.
	BodyTimeout, WriteTimeout time.Duration
	ErrorHandler              fiber.ErrorHandler
	Log                       *slog.Logger
}

// NewApp returns a Fiber app with the settings both applications share:
// request bodies streamed, so that each route reads its own within its own
// bound (Bodies), and only after its authentication where it has one; the
// header and idle timeouts of HTTPConfig; and the guard (see guard).
func NewApp(o AppOptions) *fiber.App {
	app := fiber.New(fiber.Config{
		AppName:               o.Name,
		DisableStartupMessage: true,
		Immutable:             true, // handlers keep strings from requests; Fiber reuses its buffers
		// fasthttp reads at most 8 KiB of a streamed body before the
		// handlers run, whatever this says; Bodies bounds the rest per route.
		BodyLimit:                    maxPrefetch,
		StreamRequestBody:            true,
		DisablePreParseMultipartForm: true, // else fasthttp reads a whole upload before any check
		ReadTimeout:                  o.HTTP.ReadHeaderTimeout.D(),
		WriteTimeout:                 o.WriteTimeout,
		IdleTimeout:                  o.HTTP.IdleTimeout.D(),
		ErrorHandler:                 o.ErrorHandler,
	})
	// ReadTimeout above runs from a connection's first byte to the end of
	// the headers; the body then gets its own deadline.
	app.Server().HeaderReceived = func(*fasthttp.RequestHeader) fasthttp.RequestConfig {
		return fasthttp.RequestConfig{ReadTimeout: o.BodyTimeout}
	}
	guard(app, o.Log)
	return app
}

// maxPrefetch is what fasthttp reads of a streamed body before handlers run.
const maxPrefetch = 8 << 10

// errUnknownMethod answers a method Fiber does not route (it would answer
// 400 itself, without the app's error handler and so without the security headers).
var errUnknownMethod = survey.NewError(survey.EMETHOD, "this method is not supported", "metode ini tidak didukung")

// guard wraps the app's request handler. A method Fiber does not know goes
// to the app's error handler. A panic that escapes Recover (one in the error
// handler itself, or in the middleware before Recover) is logged with its
// stack and answered 500 in plain text: no request may end the process.
func guard(app *fiber.App, log *slog.Logger) {
	srv := app.Server()
	next := srv.Handler
	known := map[string]bool{}
	for _, m := range app.Config().RequestMethods {
		known[m] = true
	}
	if len(known) == 0 {
		for _, m := range fiber.DefaultMethods {
			known[m] = true
		}
	}
	srv.Handler = func(fctx *fasthttp.RequestCtx) {
		defer func() {
			if r := recover(); r != nil {
				logPanic(log, fctx, r)
				fctx.Response.Reset()
				setSecurityHeadersOn(&fctx.Response.Header)
				fctx.Response.Header.Set(HeaderRequestID, RequestIDOf(fctx))
				fctx.Response.Header.SetContentType("text/plain; charset=utf-8")
				fctx.Response.SetStatusCode(fiber.StatusInternalServerError)
				msg := internalError(RequestIDOf(fctx))
				fctx.Response.SetBodyString(msg.MessageID + "\n" + msg.Message + "\n")
			}
		}()
		if !known[string(fctx.Method())] {
			c := app.AcquireCtx(fctx)
			defer app.ReleaseCtx(c)
			if err := app.ErrorHandler(c, errUnknownMethod); err != nil {
				fctx.Response.SetStatusCode(fiber.StatusInternalServerError)
			}
			return
		}
		next(fctx)
	}
}

// Recover is middleware, right after Metrics.Measure: a panic in any later
// middleware or handler is logged with its stack and the request id, and
// answered as an internal error (a page, or JSON on the API) by the error
// handler; the server keeps serving.
func Recover(log *slog.Logger) fiber.Handler {
	return func(c *fiber.Ctx) (err error) {
		defer func() {
			if r := recover(); r != nil {
				logPanic(log, c.Context(), r)
				c.Response().Reset()
				err = errRecovered
			}
		}()
		return c.Next()
	}
}

// errRecovered stands for a recovered panic, already logged.
var errRecovered = errors.New("recovered from a panic")

func logPanic(log *slog.Logger, fctx *fasthttp.RequestCtx, r any) {
	if log == nil {
		log = slog.Default()
	}
	log.Error("panic while serving a request", "request_id", RequestIDOf(fctx), "method", string(fctx.Method()),
		"path", string(fctx.Path()), "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
}

// HeaderRequestID carries the request id on error answers; the log lines of
// the request carry it as request_id.
const HeaderRequestID = "X-Request-Id"

// processTag tells this process's request ids from another run's.
var processTag = func() string {
	b := make([]byte, 3)
	rand.Read(b)
	return hex.EncodeToString(b)
}()

// RequestIDOf is the request's id: unique within this process (fasthttp's
// connection and request counters) and tagged with the process.
func RequestIDOf(fctx *fasthttp.RequestCtx) string {
	return processTag + "-" + strconv.FormatUint(fctx.ID(), 16)
}

// internalError is what a person sees of an unexpected failure: nothing of
// its detail, and the request id to quote to whoever reads the log.
func internalError(requestID string) *survey.Error {
	return survey.NewError(survey.EINTERNAL,
		"something went wrong on the server; try again, and tell the office's IT contact if it repeats (request "+requestID+")",
		"terjadi kesalahan di server; coba lagi, dan beri tahu petugas TI kantor bila terulang (permintaan "+requestID+")")
}
