package kiosk

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/skmkiosk/skm/survey"
)

// The JSON API's request and reply are read and written by hand for their
// common forms; encoding/json remains the reference and the fallback.

// decodeResponseRequest reads the body of POST /api/v1/responses. Every
// rating passes here, and encoding/json's reflection was the largest part of
// the handler's CPU, so the common form (the known members once each, plain
// strings, small integer answers) is read by hand; anything else, and every
// error, goes to decodeStrict, which has the messages. On what the fast path
// accepts it gives decodeStrict's result (FuzzDecodeResponse checks this).
func decodeResponseRequest(body []byte) (responseRequest, error) {
	if req, ok := parseResponseRequestFast(body); ok {
		return req, nil
	}
	var req responseRequest
	err := decodeStrict(body, &req)
	return req, err
}

// parseResponseRequestFast reads {"member": value, ...} where each member is
// one of responseRequest's JSON names, given at most once. The strings it
// returns share one copy of body (one allocation instead of one per string).
func parseResponseRequestFast(body []byte) (req responseRequest, ok bool) {
	if !utf8.Valid(body) {
		return req, false
	}
	data := string(body)
	fields := [...]stringField{{"nip", &req.NIP}, {"service", &req.Service}, {"comment", &req.Comment},
		{"idempotency_key", &req.IdempotencyKey}, {"visit_token", &req.VisitToken}}
	const ratingsSeen, profileSeen = 1 << len(fields), 2 << len(fields)
	var seen uint16
	end, ok := parseObject(data, skipSpace(data, 0), func(name string, i int) (int, bool) {
		switch name {
		case "ratings":
			if seen&ratingsSeen != 0 {
				return 0, false
			}
			seen |= ratingsSeen
			// The fast ratings hold no strings or nested objects, so the first
			// '}' closes them; if it does not, UnmarshalJSON refuses the slice.
			end := strings.IndexByte(data[i:], '}')
			if end < 0 || data[i] != '{' {
				return 0, false
			}
			if err := req.Ratings.UnmarshalJSON(body[i : i+end+1]); err != nil {
				return 0, false
			}
			return i + end + 1, true
		case "profile":
			if seen&profileSeen != 0 {
				return 0, false
			}
			seen |= profileSeen
			return parseProfileFast(data, i, &req.Profile)
		}
		// Unknown names, and case variants encoding/json would match, fail here.
		return stringMember(data, i, name, fields[:], &seen)
	})
	return req, ok && skipSpace(data, end) == len(data)
}

// parseProfileFast reads {"age_band": "...", ...} at data[i:] with each of
// the profile's members at most once, returning the offset after it.
func parseProfileFast(data string, i int, p *survey.Profile) (int, bool) {
	fields := [...]stringField{{"age_band", &p.AgeBand}, {"sex", &p.Sex}, {"education", &p.Education}, {"occupation", &p.Occupation}}
	var seen uint16
	return parseObject(data, i, func(name string, i int) (int, bool) {
		return stringMember(data, i, name, fields[:], &seen)
	})
}

// stringField is a member whose value is a plain string, and where it goes.
type stringField struct {
	name   string
	target *string
}

// stringMember reads the plain string value at data[i:] of the member name
// into its field; a name not among fields, or one already read (its bit in
// seen), fails.
func stringMember(data string, i int, name string, fields []stringField, seen *uint16) (int, bool) {
	for j, f := range fields {
		if f.name != name {
			continue
		}
		if *seen&(1<<j) != 0 {
			return 0, false
		}
		*seen |= 1 << j
		s, next, ok := plainString(data, i)
		*f.target = s
		return next, ok
	}
	return 0, false
}

// parseObject reads a JSON object at data[i:] whose member names are plain
// strings, calling member with each name and the offset of its value; member
// returns the offset after the value. It returns the offset after the object.
func parseObject(data string, i int, member func(name string, i int) (int, bool)) (int, bool) {
	if i >= len(data) || data[i] != '{' {
		return 0, false
	}
	i = skipSpace(data, i+1)
	if i < len(data) && data[i] == '}' {
		return i + 1, true
	}
	for {
		name, next, ok := plainString(data, i)
		if !ok {
			return 0, false
		}
		i = skipSpace(data, next)
		if i >= len(data) || data[i] != ':' {
			return 0, false
		}
		if i, ok = member(name, skipSpace(data, i+1)); !ok {
			return 0, false
		}
		i = skipSpace(data, i)
		if i >= len(data) {
			return 0, false
		}
		switch data[i] {
		case ',':
			i = skipSpace(data, i+1)
		case '}':
			return i + 1, true
		default:
			return 0, false
		}
	}
}

// plainString reads a JSON string without control characters at data[i:]
// (the input is already known to be valid UTF-8), returning its text and the
// offset after the closing quote. A string without escapes is a slice of
// data; one with escapes (a Go client's json.Marshal writes <, > and & as
// \u003c, \u003e and \u0026) is decoded by escapedString.
func plainString(data string, i int) (string, int, bool) {
	if i >= len(data) || data[i] != '"' {
		return "", 0, false
	}
	for j := i + 1; j < len(data); j++ {
		switch c := data[j]; {
		case c == '"':
			return data[i+1 : j], j + 1, true
		case c == '\\':
			return escapedString(data, i, j)
		case c < 0x20:
			return "", 0, false
		}
	}
	return "", 0, false
}

// escapedString reads the JSON string at data[i:] whose first backslash is
// at data[j], with jsontext's unquoting. That refuses what encoding/json
// would decode differently (a lone surrogate, which encoding/json turns
// into U+FFFD), so the fallback decides those.
func escapedString(data string, i, j int) (string, int, bool) {
	for ; j < len(data); j++ {
		switch c := data[j]; {
		case c == '\\':
			j++ // the escaped character, whatever it is; AppendUnquote checks it
		case c == '"':
			s, err := jsontext.AppendUnquote(nil, data[i:j+1])
			return string(s), j + 1, err == nil
		case c < 0x20:
			return "", 0, false
		}
	}
	return "", 0, false
}

func skipSpace(data string, i int) int {
	for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r') {
		i++
	}
	return i
}

// appendJSON appends the reply as encoding/json's Marshal would, without
// reflection (every rating is answered with it), except that <, > and &
// are left as they are: both are the same JSON.
func (r responseReply) appendJSON(dst []byte) []byte {
	dst = append(dst, `{"id":`...)
	dst = survey.AppendJSONString(dst, r.ID)
	dst = append(dst, `,"seq":`...)
	dst = strconv.AppendInt(dst, r.Seq, 10)
	dst = append(dst, `,"nip":`...)
	dst = survey.AppendJSONString(dst, r.NIP)
	dst = append(dst, `,"service":`...)
	dst = survey.AppendJSONString(dst, r.Service)
	dst = append(dst, `,"ratings":`...)
	dst = r.Ratings.AppendJSON(dst)
	dst = append(dst, `,"verified":`...)
	dst = strconv.AppendBool(dst, r.Verified)
	dst = append(dst, `,"created_at":"`...)
	dst = r.CreatedAt.AppendFormat(dst, time.RFC3339Nano)
	dst = append(dst, `","replayed":`...)
	dst = strconv.AppendBool(dst, r.Replayed)
	return append(dst, '}')
}
