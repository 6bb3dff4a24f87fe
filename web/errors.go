package web

import (
	"errors"
	"log/slog"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/skmkiosk/skm/survey"
)

// statusOf is the one table from error code to HTTP status.
var statusOf = map[string]int{
	survey.EINVALID:      fiber.StatusBadRequest,
	survey.EUNAUTHORIZED: fiber.StatusUnauthorized,
	survey.EFORBIDDEN:    fiber.StatusForbidden,
	survey.ENOTFOUND:     fiber.StatusNotFound,
	survey.ECONFLICT:     fiber.StatusConflict,
	survey.ETOOLARGE:     fiber.StatusRequestEntityTooLarge,
	survey.EMEDIATYPE:    fiber.StatusUnsupportedMediaType,
	survey.EMETHOD:       fiber.StatusMethodNotAllowed,
	survey.ERATELIMIT:    fiber.StatusTooManyRequests,
	survey.EUNAVAILABLE:  fiber.StatusServiceUnavailable,
	survey.EINTERNAL:     fiber.StatusInternalServerError,
}

// StatusOf returns the HTTP status for err.
func StatusOf(err error) int {
	if s, ok := statusOf[survey.ErrorCode(err)]; ok {
		return s
	}
	return fiber.StatusInternalServerError
}

// CodeOfStatus returns the error code an HTTP status stands for (the
// inverse of StatusOf), or EINTERNAL for a status outside the table.
func CodeOfStatus(status int) string {
	for code, s := range statusOf {
		if s == status {
			return code
		}
	}
	return survey.EINTERNAL
}

// ErrorBody is the JSON shape of every API error.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail names the code, the offending field and the message in both languages.
type ErrorDetail struct {
	Code      string `json:"code"`
	Field     string `json:"field,omitempty"`
	Message   string `json:"message"`
	MessageID string `json:"message_id"`
}

// AsAppError converts any error, including Fiber's own, to a *survey.Error.
// Internal errors keep their detail out of the message shown to users.
func AsAppError(err error) *survey.Error {
	if e := survey.AsError(err); e != nil {
		return e
	}
	var fe *fiber.Error
	if errors.As(err, &fe) {
		switch fe.Code {
		case fiber.StatusNotFound:
			return survey.NewError(survey.ENOTFOUND, "page not found", "halaman tidak ditemukan")
		case fiber.StatusRequestEntityTooLarge:
			return &survey.Error{Code: survey.ETOOLARGE, Field: "body", Message: "the request body is too large",
				MessageID: "isi permintaan terlalu besar"}
		case fiber.StatusMethodNotAllowed:
			return survey.NewError(survey.EMETHOD, "method not allowed on this address", "metode tidak diizinkan pada alamat ini")
		case fiber.StatusBadRequest:
			return survey.NewError(survey.EINVALID, "bad request: "+fe.Message, "permintaan tidak sah: "+fe.Message)
		case fiber.StatusRequestTimeout:
			return survey.NewError(survey.EINVALID, "request timed out", "permintaan terlalu lama")
		}
		if fe.Code < 500 {
			return &survey.Error{Code: survey.EINVALID, Message: fe.Message, MessageID: fe.Message}
		}
	}
	return survey.NewError(survey.EINTERNAL,
		"something went wrong on the server; try again, and tell the office's IT contact if it repeats",
		"terjadi kesalahan di server; coba lagi, dan beri tahu petugas TI kantor bila terulang")
}

// IsAPI reports whether a request expects JSON rather than a page.
func IsAPI(c *fiber.Ctx) bool {
	p := c.Path()
	return strings.HasPrefix(p, "/api/") || p == "/healthz" || p == "/metrics"
}

// ErrorHandler returns Fiber's error handler: JSON for the API, a translated
// page otherwise; it logs only internal errors, once.
func ErrorHandler(log *slog.Logger, pageFn func(c *fiber.Ctx, status int, e *survey.Error) error) fiber.ErrorHandler {
	return func(c *fiber.Ctx, err error) error {
		setSecurityHeaders(c)
		e := AsAppError(err)
		status := statusOf[e.Code]
		if status == 0 {
			status = fiber.StatusInternalServerError
		}
		if status >= 500 {
			id := RequestIDOf(c.Context())
			c.Set(HeaderRequestID, id)
			if !errors.Is(err, errRecovered) {
				log.Error("request failed", "request_id", id, "method", c.Method(), "path", c.Path(), "status", status, "err", err)
			}
			if e.Code == survey.EINTERNAL {
				e = internalError(id)
			}
		}
		if status == fiber.StatusServiceUnavailable {
			c.Set(fiber.HeaderRetryAfter, "30")
		}
		if IsAPI(c) || pageFn == nil {
			return c.Status(status).JSON(ErrorBody{ErrorDetail{Code: e.Code, Field: e.Field, Message: e.Message, MessageID: e.MessageID}})
		}
		return pageFn(c, status, e)
	}
}
