package proctest

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"
)

// Post is one kind of request of a flood: a POST of a body of Size bytes,
// declared by Content-Length or sent in chunks, of which the client sends
// Send bytes (all of them when Send is 0), as an attacker's client would.
type Post struct {
	Path string
	// Header holds extra header lines, each ending in "\r\n".
	Header  string
	Size    int
	Send    int
	Chunked bool
}

// Flood sends each post n times, at most parallel requests at once, each
// on a connection of its own from one of the loopback addresses 127.0.0.1
// to 127.0.0.<from> in turn (Linux answers on all of 127/8), and counts the
// answers by status; 0 counts
// connections closed or reset before an answer could be read (a server
// that refuses a body without reading it closes the connection, and a
// client still writing may see that first).
func Flood(tb testing.TB, addr string, from, parallel, n int, posts ...Post) map[int]int {
	tb.Helper()
	var (
		mu     sync.Mutex
		counts = map[int]int{}
		wg     sync.WaitGroup
		slots  = make(chan struct{}, parallel)
	)
	chunk := bytes.Repeat([]byte("x"), 64<<10)
	for i := range n * len(posts) {
		p := posts[i%len(posts)]
		local := &net.TCPAddr{IP: net.IPv4(127, 0, 0, byte(1+i%max(from, 1)))}
		slots <- struct{}{}
		wg.Go(func() {
			defer func() { <-slots }()
			status := floodOne(addr, local, p, chunk)
			mu.Lock()
			counts[status]++
			mu.Unlock()
		})
	}
	wg.Wait()
	return counts
}

// floodOne sends one post and returns the answer's status, or 0.
func floodOne(addr string, local net.Addr, p Post, chunk []byte) int {
	d := net.Dialer{LocalAddr: local, Timeout: 10 * time.Second}
	conn, err := d.Dial("tcp", addr)
	if err != nil {
		return 0
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(2 * time.Minute))
	framing := "Content-Length: " + strconv.Itoa(p.Size) + "\r\n"
	if p.Chunked {
		framing = "Transfer-Encoding: chunked\r\n"
	}
	go func() {
		w := bufio.NewWriterSize(conn, 64<<10)
		fmt.Fprintf(w, "POST %s HTTP/1.1\r\nHost: flood\r\n%s%s\r\n", p.Path, p.Header, framing)
		send := p.Send
		if send == 0 {
			send = p.Size
		}
		for sent := 0; sent < send; {
			b := chunk[:min(len(chunk), send-sent)]
			if p.Chunked {
				fmt.Fprintf(w, "%x\r\n", len(b))
			}
			if _, err := w.Write(b); err != nil {
				return
			}
			if p.Chunked {
				w.WriteString("\r\n")
			}
			sent += len(b)
		}
		if p.Chunked && send == p.Size {
			w.WriteString("0\r\n\r\n")
		}
		w.Flush()
	}()
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return 0
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}
