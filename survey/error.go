// Package survey holds the domain of the citizen feedback kiosk: the SKM
// elements of PermenPAN-RB 14/2017, responses and their validation, the IKM
// formula, NIP rules, staff and service catalogues. It performs no I/O.
package survey

import (
	"errors"
	"fmt"
)

// Error codes. The HTTP layer maps each code to one status in one table.
const (
	EINVALID      = "invalid"      // bad input: 400
	ENOTFOUND     = "not_found"    // unknown or inactive entity: 404
	ECONFLICT     = "conflict"     // same key, different content; already used: 409
	EUNAUTHORIZED = "unauthorized" // missing or wrong credentials: 401
	EFORBIDDEN    = "forbidden"    // authenticated but not allowed: 403
	ETOOLARGE     = "too_large"    // body over the limit: 413
	EMEDIATYPE    = "media_type"   // unsupported Content-Type: 415
	EMETHOD       = "method"       // method not allowed on the path: 405
	ERATELIMIT    = "rate_limited" // too many attempts: 429
	EUNAVAILABLE  = "unavailable"  // storage cannot accept writes now (disk full): 503
	EINTERNAL     = "internal"     // a bug or an unexpected failure: 500
)

// Error is the one application error type. Message is English, MessageID is
// Bahasa Indonesia; both say what happened and, where it helps, what to do.
// Field names the offending input (for example "ratings.waktu") when there is one.
type Error struct {
	Code      string
	Field     string
	Message   string
	MessageID string
}

// Error implements the error interface with the English message.
func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s: %s", e.Field, e.Message)
	}
	return e.Message
}

// Localized returns the message in the given language ("id" or "en").
func (e *Error) Localized(lang string) string {
	if lang == "en" || e.MessageID == "" {
		return e.Message
	}
	return e.MessageID
}

// Errorf returns an *Error with the same message in both languages.
func Errorf(code, format string, args ...any) *Error {
	msg := fmt.Sprintf(format, args...)
	return &Error{Code: code, Message: msg, MessageID: msg}
}

// Invalid returns an EINVALID error for field with an English and an Indonesian message.
func Invalid(field, en, id string) *Error {
	return &Error{Code: EINVALID, Field: field, Message: en, MessageID: id}
}

// NewError returns an error with the given code and messages in both languages.
func NewError(code, en, id string) *Error {
	return &Error{Code: code, Message: en, MessageID: id}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL for
// any other non-nil error, and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Code
	default:
		return EINTERNAL
	}
}

// AsError returns the *Error in err's chain, or nil.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return nil
}
