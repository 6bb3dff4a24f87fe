package load

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"time"
)

// conn is a minimal HTTP/1.1 keep-alive client connection. The load's own
// cost must stay small next to the server's on a 2-core machine, and net/http
// spends several times the CPU per request of this: one buffered write, a
// status line, headers scanned for Content-Length, a body read into a
// reused buffer.
type conn struct {
	addr string
	c    net.Conn
	br   *bufio.Reader
	req  []byte
	body []byte
}

func dial(addr string) (*conn, error) {
	c, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", addr, err)
	}
	return &conn{addr: addr, c: c, br: bufio.NewReaderSize(c, 16<<10)}, nil
}

func (c *conn) Close() error { return c.c.Close() }

// reply is what a request got back.
type reply struct {
	Status  int
	Body    []byte // valid until the next request on the connection
	Wire    int    // bytes received: status line, headers and body
	Headers map[string]string
}

// do sends one request (method, path, extra header lines each ending in
// "\r\n", body) and reads the answer. keepHeaders collects the headers.
func (c *conn) do(method, path, headers string, body []byte, deadline time.Time, keepHeaders bool) (reply, error) {
	c.req = append(c.req[:0], method...)
	c.req = append(c.req, ' ')
	c.req = append(c.req, path...)
	c.req = append(c.req, " HTTP/1.1\r\nHost: "...)
	c.req = append(c.req, c.addr...)
	c.req = append(c.req, "\r\n"...)
	c.req = append(c.req, headers...)
	if body != nil {
		c.req = append(c.req, "Content-Length: "...)
		c.req = strconv.AppendInt(c.req, int64(len(body)), 10)
		c.req = append(c.req, "\r\n"...)
	}
	c.req = append(c.req, "\r\n"...)
	c.req = append(c.req, body...)
	c.c.SetDeadline(deadline)
	if _, err := c.c.Write(c.req); err != nil {
		return reply{}, fmt.Errorf("send: %w", err)
	}
	return c.readReply(keepHeaders)
}

var errChunked = errors.New("the server answered with chunked encoding, which this load client does not read")

func (c *conn) readReply(keepHeaders bool) (reply, error) {
	var r reply
	line, err := c.br.ReadSlice('\n')
	if err != nil {
		return r, fmt.Errorf("read status: %w", err)
	}
	r.Wire += len(line)
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) {
		return r, fmt.Errorf("malformed status line %q", line)
	}
	if r.Status, err = strconv.Atoi(string(line[9:12])); err != nil {
		return r, fmt.Errorf("malformed status line %q", line)
	}
	length, closing := -1, false
	if keepHeaders {
		r.Headers = map[string]string{}
	}
	for {
		line, err := c.br.ReadSlice('\n')
		if err != nil {
			return r, fmt.Errorf("read headers: %w", err)
		}
		r.Wire += len(line)
		line = bytes.TrimRight(line, "\r\n")
		if len(line) == 0 {
			break
		}
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			continue
		}
		value = bytes.TrimSpace(value)
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			if length, err = strconv.Atoi(string(value)); err != nil {
				return r, fmt.Errorf("malformed Content-Length %q", value)
			}
		case bytes.EqualFold(name, []byte("Transfer-Encoding")) && !bytes.EqualFold(value, []byte("identity")):
			return r, errChunked
		case bytes.EqualFold(name, []byte("Connection")) && bytes.EqualFold(value, []byte("close")):
			closing = true
		}
		if keepHeaders {
			r.Headers[string(bytes.ToLower(name))] = string(value)
		}
	}
	if length < 0 {
		return r, errors.New("the answer has no Content-Length")
	}
	if cap(c.body) < length {
		c.body = make([]byte, length)
	}
	c.body = c.body[:length]
	if _, err := io.ReadFull(c.br, c.body); err != nil {
		return r, fmt.Errorf("read body: %w", err)
	}
	r.Body, r.Wire = c.body, r.Wire+length
	if closing {
		c.c.Close()
		nc, err := dial(c.addr)
		if err != nil {
			return r, err
		}
		c.c, c.br = nc.c, nc.br
	}
	return r, nil
}
