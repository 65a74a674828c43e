// Command devdb runs FerretDB embedded, for development and tests: over a private
// PostgreSQL cluster it starts and stops itself (cluster.go, -postgresql-bin), or over
// SQLite files in -dir. It prints the MongoDB URI on stdout once it is ready
// to accept connections and exits when its parent process goes away (stdin
// closes), so a crashed test run never leaves a database behind. Clients reach
// FerretDB through the front of front.go, which drops the replies FerretDB
// sends to unacknowledged (moreToCome) writes.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"syscall"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	dir := flag.String("dir", ".devdb/data", "folder for the SQLite files, or of the PostgreSQL cluster with -postgresql-bin")
	port := flag.Int("port", 0, "TCP port on 127.0.0.1 (0 picks a free one)")
	watchStdin := flag.Bool("watch-stdin", true, "exit when stdin closes (parent died)")
	logLevel := flag.String("log-level", "error", "FerretDB log level: debug, info, warn, error")
	pgBin := flag.String("postgresql-bin", "", "run a private PostgreSQL cluster in -dir with the binaries of this folder, and use it")
	fast := flag.Bool("fast", false, "with -postgresql-bin: fsync off, for throw-away clusters (tests)")
	var settings []string
	flag.Func("postgresql-set", "with -postgresql-bin: a server setting name=value (repeatable)", func(v string) error {
		settings = append(settings, v)
		return nil
	})
	flag.Parse()
	// The main goroutine keeps its thread: the cluster's Pdeathsig is tied to the thread
	// that started it.
	runtime.LockOSThread()

	abs, err := filepath.Abs(*dir)
	if err != nil {
		log.Fatal(err)
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		log.Fatal(err)
	}

	// Clients connect to the front (front.go) on loopback TCP; FerretDB itself listens on
	// a Unix socket in a private folder that nothing else knows of.
	front, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", *port))
	if err != nil {
		log.Fatal(err)
	}
	private, err := os.MkdirTemp("", "devdb-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(private)
	socket := filepath.Join(private, "ferretdb.sock")

	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		log.Fatal(err)
	}
	logger := slog.New(quietQueries{slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level})})
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	var pg *cluster
	var pgURL string
	if *pgBin != "" {
		pg, pgURL, err = startCluster(ctx, abs, *pgBin, *fast, settings, logger)
		if err != nil {
			os.RemoveAll(private)
			log.Fatal(err)
		}
	}
	cfg := &ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{Unix: socket},
		Handler:   "sqlite",
		SQLiteURL: "file:" + abs + "/",
		Logger:    logger,
	}
	if pg != nil {
		cfg.Handler = "postgresql"
		cfg.PostgreSQLURL = poolURL(pgURL)
	}
	f, err := ferretdb.New(cfg)
	if err != nil {
		if pg != nil {
			pg.stop()
		}
		log.Fatal(err)
	}

	if *watchStdin {
		go func() {
			_, _ = io.Copy(io.Discard, os.Stdin)
			stop()
		}()
	}

	done := make(chan error, 1)
	go func() { done <- f.Run(ctx) }()
	watched := make(chan struct{})
	go func() {
		if pg == nil {
			watchIDIndexes(ctx, abs, 200*time.Millisecond, logger) // idindex.go
		} else {
			watchPostgresIndexes(ctx, pgURL, 200*time.Millisecond, logger) // pgindex.go
		}
		close(watched)
	}()

	// Wait until FerretDB accepts connections before opening the front and announcing it.
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := net.DialTimeout("unix", socket, 200*time.Millisecond)
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			log.Fatalf("devdb: FerretDB did not start listening on %s", socket)
		}
		time.Sleep(50 * time.Millisecond)
	}
	go serveFront(front, socket, logger)
	fmt.Printf("mongodb://%s/\n", front.Addr())

	err = <-done
	failed := err != nil && ctx.Err() == nil
	stop()
	front.Close()
	<-watched // it closes its files once ctx ends
	if pg != nil {
		pg.stop()
	}
	if failed {
		os.RemoveAll(private)
		log.Fatal(err)
	}
}

// quietQueries drops the "Query" records of FerretDB's PostgreSQL backend: it logs every
// failed SQL statement at error level with its arguments, which are our documents (an
// email, a password hash), and a duplicate key (a race decided as designed, README
// "Databases") with the key's value. The client gets the error on the wire all the same.
type quietQueries struct{ slog.Handler }

func (h quietQueries) Handle(ctx context.Context, r slog.Record) error {
	if r.Message == "Query" {
		return nil
	}
	return h.Handler.Handle(ctx, r)
}

func (h quietQueries) WithAttrs(attrs []slog.Attr) slog.Handler {
	return quietQueries{h.Handler.WithAttrs(attrs)}
}

func (h quietQueries) WithGroup(name string) slog.Handler {
	return quietQueries{h.Handler.WithGroup(name)}
}
