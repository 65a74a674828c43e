package main

// The embedded database's private PostgreSQL cluster: made once in its folder (initdb,
// UTF8 with locale C), started as a child of this program, reachable only through a Unix
// socket inside that folder, and stopped with it. When this program dies without stopping
// it (a SIGKILL), the kernel sends the postmaster SIGQUIT (Pdeathsig): no cluster outlives
// its parent. PostgreSQL refuses to run as root; as root it runs as the `postgres` user,
// or `nobody` where there is none.

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// The role initdb makes, which FerretDB connects as (trusted: the socket's folder is the
// cluster's own, mode 0700).
const clusterRole = "ferretdb"

// FerretDB's pool of PostgreSQL connections (its own default is 50): the web's and the
// worker's pools of 20 each, a script's, with room to spare under max_connections.
const poolMaxConns = 80

type cluster struct {
	dir    string
	cmd    *exec.Cmd
	exited chan struct{}
	err    error
}

// startCluster makes the cluster in dir when it has none, starts it with the binaries of
// bin and returns its URL once it answers queries (FerretDB adds its pool size: poolURL). fast trades
// durability for speed (fsync off): for throw-away clusters (tests), never for data kept.
// settings: more server settings, name=value.
func startCluster(ctx context.Context, dir, bin string, fast bool, settings []string, logger *slog.Logger) (*cluster, string, error) {
	socket := filepath.Join(dir, ".s.PGSQL.5432")
	if len(socket) > 107 {
		return nil, "", fmt.Errorf("the PostgreSQL folder %s is too long for its Unix socket (%d bytes, at most 107): pick a shorter DEVDB_DIR", dir, len(socket))
	}
	cred, runAs, err := clusterCredential()
	if err != nil {
		return nil, "", err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, "", err
	}
	if cred != nil {
		if err := os.Chown(dir, int(cred.Uid), int(cred.Gid)); err != nil {
			return nil, "", err
		}
		if err := openPath(filepath.Dir(dir), logger); err != nil {
			return nil, "", err
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "PG_VERSION")); errors.Is(err, os.ErrNotExist) {
		logger.Info("devdb: making the PostgreSQL cluster", "dir", dir, "user", runAs)
		args := []string{"-D", dir, "-U", clusterRole, "-A", "trust", "-E", "UTF8", "--locale=C"}
		if fast {
			args = append(args, "--no-sync")
		}
		initdb := exec.Command(filepath.Join(bin, "initdb"), args...)
		initdb.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
		if out, err := initdb.CombinedOutput(); err != nil {
			return nil, "", fmt.Errorf("initdb of %s as %s failed (every folder above it must be reachable by %s): %v\n%s", dir, runAs, runAs, err, out)
		}
	}

	logFile, err := os.OpenFile(filepath.Join(filepath.Dir(dir), filepath.Base(dir)+".log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, "", err
	}
	args := []string{
		"-D", dir, "-k", dir, "-c", "listen_addresses=", "-c", "unix_socket_permissions=0700",
		"-c", "max_connections=" + strconv.Itoa(poolMaxConns+20),
	}
	if fast {
		args = append(args, "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off")
	}
	for _, setting := range settings {
		args = append(args, "-c", setting)
	}
	cmd := exec.Command(filepath.Join(bin, "postgres"), args...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	// Its own process group: a Ctrl-C reaches this program, which stops the cluster itself.
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGQUIT, Setpgid: true}
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, "", err
	}
	c := &cluster{dir: dir, cmd: cmd, exited: make(chan struct{})}
	go func() {
		c.err = cmd.Wait()
		logFile.Close()
		close(c.exited)
	}()

	pgURL := fmt.Sprintf("postgres://%s@/postgres?host=%s", clusterRole, url.QueryEscape(dir))
	deadline := time.Now().Add(60 * time.Second)
	for {
		if err := ping(ctx, pgURL); err == nil {
			return c, pgURL, nil
		} else if time.Now().After(deadline) || ctx.Err() != nil {
			c.stop()
			return nil, "", fmt.Errorf("PostgreSQL in %s did not answer (see %s.log): %v", dir, dir, err)
		}
		select {
		case <-c.exited:
			return nil, "", fmt.Errorf("PostgreSQL in %s exited at start (%v); see %s.log", dir, c.err, dir)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// poolURL is pgURL with the size of FerretDB's pool, a setting of its pool that a plain
// connection (ping, pgindex.go) must not send to the server.
func poolURL(pgURL string) string { return fmt.Sprintf("%s&pool_max_conns=%d", pgURL, poolMaxConns) }

func ping(ctx context.Context, pgURL string) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, pgURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	return conn.Ping(ctx)
}

// stop asks for a fast shutdown (SIGINT: sessions ended, data written) and waits for it,
// at most 20 s before SIGKILL.
func (c *cluster) stop() {
	_ = c.cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-c.exited:
	case <-time.After(20 * time.Second):
		_ = c.cmd.Process.Kill()
		<-c.exited
	}
}

// openPath lets other users pass through every folder from dir up to the root (o+x, not
// o+r: nothing becomes listable), as the cluster's user must to reach its folder; a
// temporary folder (mode 0700) holds a test's cluster.
func openPath(dir string, logger *slog.Logger) error {
	for d := dir; ; d = filepath.Dir(d) {
		info, err := os.Stat(d)
		if err != nil {
			return err
		}
		if info.Mode().Perm()&0o001 == 0 {
			if err := os.Chmod(d, info.Mode().Perm()|0o001); err != nil {
				return fmt.Errorf("the PostgreSQL cluster's user cannot reach %s: %v", d, err)
			}
			logger.Info("devdb: let other users pass through the folder, for the PostgreSQL cluster's user", "dir", d)
		}
		if d == filepath.Dir(d) {
			return nil
		}
	}
}

// clusterCredential: nil when this program is not root (the cluster runs as its user);
// else the `postgres` user's, or `nobody`'s.
func clusterCredential() (*syscall.Credential, string, error) {
	if os.Geteuid() != 0 {
		return nil, "this program's user", nil
	}
	for _, name := range []string{"postgres", "nobody"} {
		u, err := user.Lookup(name)
		if err != nil {
			continue
		}
		uid, _ := strconv.ParseUint(u.Uid, 10, 32)
		gid, _ := strconv.ParseUint(u.Gid, 10, 32)
		return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, name, nil
	}
	return nil, "", errors.New("running as root, PostgreSQL needs another user: there is neither `postgres` nor `nobody`")
}
