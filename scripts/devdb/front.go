package main

// The front of the embedded database: the address clients connect to, in front of
// FerretDB's own listener on a private Unix socket. It passes every message through
// unchanged, except one kind of reply that must not exist.
//
// Why: a `w: 0` write is an OP_MSG with the moreToCome flag, to which the wire protocol says
// a server sends no reply, so the MongoDB driver reads none. FerretDB 1.24 replies anyway
// (its clientconn never looks at the flag). The driver does not match replies to requests
// by responseTo, so from then on that connection hands each command the reply of the
// command before it: a session lookup answered with another user's session, an insert
// that failed reported as a success. The front drops FerretDB's reply to every moreToCome
// request, so the connection stays in step whichever client (the app, a script, a test, a
// tool) sends one. Dropping rather than refusing: a client then sees what a MongoDB server
// does, and a client that never sends one pays nothing but the extra hop.

import (
	"encoding/binary"
	"errors"
	"io"
	"log/slog"
	"net"
	"sync"
)

const (
	headerBytes = 16
	opMsg       = 2013
	// moreToCome, bit 1 of an OP_MSG's flag bits.
	flagMoreToCome = 1 << 1
	// The largest message accepted, MongoDB's maxMessageSizeBytes.
	maxMessageBytes = 48_000_000
)

// serveFront accepts clients on l and joins each to a new connection to backend (a Unix
// socket path) until l is closed.
func serveFront(l net.Listener, backend string, logger *slog.Logger) {
	for {
		client, err := l.Accept()
		if err != nil {
			if !errors.Is(err, net.ErrClosed) {
				logger.Error("devdb front: accept failed", "err", err)
			}
			return
		}
		go joinBackend(client, backend, logger)
	}
}

func joinBackend(client net.Conn, backend string, logger *slog.Logger) {
	server, err := net.Dial("unix", backend)
	if err != nil {
		logger.Error("devdb front: FerretDB unreachable", "err", err)
		client.Close()
		return
	}
	var unanswered pendingIDs
	var once sync.Once
	closeBoth := func() {
		once.Do(func() {
			client.Close()
			server.Close()
		})
	}
	go func() {
		defer closeBoth()
		relay(client, server, func(header []byte, body []byte) bool {
			if opCode(header) == opMsg && len(body) >= 4 && binary.LittleEndian.Uint32(body)&flagMoreToCome != 0 {
				unanswered.add(requestID(header))
			}
			return true
		})
	}()
	defer closeBoth()
	relay(server, client, func(header []byte, _ []byte) bool {
		return !unanswered.take(responseTo(header))
	})
}

// relay copies whole messages from src to dst; forward(header, first bytes of the body)
// decides whether each is written. It returns when either side fails or closes.
func relay(src io.Reader, dst io.Writer, forward func(header, body []byte) bool) {
	buf := make([]byte, 64*1024)
	for {
		if _, err := io.ReadFull(src, buf[:headerBytes]); err != nil {
			return
		}
		size := int(int32(binary.LittleEndian.Uint32(buf)))
		if size < headerBytes || size > maxMessageBytes {
			return // not the wire protocol: the connection ends
		}
		if size > len(buf) {
			grown := make([]byte, size)
			copy(grown, buf[:headerBytes])
			buf = grown
		}
		if _, err := io.ReadFull(src, buf[headerBytes:size]); err != nil {
			return
		}
		if !forward(buf[:headerBytes], buf[headerBytes:size]) {
			continue
		}
		if _, err := dst.Write(buf[:size]); err != nil {
			return
		}
	}
}

func requestID(header []byte) int32  { return int32(binary.LittleEndian.Uint32(header[4:])) }
func responseTo(header []byte) int32 { return int32(binary.LittleEndian.Uint32(header[8:])) }
func opCode(header []byte) int32     { return int32(binary.LittleEndian.Uint32(header[12:])) }

// pendingIDs: the request ids of one connection's moreToCome messages whose reply has not
// come back yet. A request is added before it is forwarded, so its reply always finds it.
type pendingIDs struct {
	mu  sync.Mutex
	ids map[int32]struct{}
}

func (p *pendingIDs) add(id int32) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ids == nil {
		p.ids = make(map[int32]struct{})
	}
	p.ids[id] = struct{}{}
}

// take reports whether id was pending, and forgets it.
func (p *pendingIDs) take(id int32) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok := p.ids[id]; !ok {
		return false
	}
	delete(p.ids, id)
	return true
}
