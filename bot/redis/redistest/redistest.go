// Package redistest starts a real redis-server for tests, on a free loopback
// port with its own data directory, and stops it when the test ends. Tests
// use real parts, not mocks; Stop, Kill and Restart let them exercise a Redis
// that goes away in the middle of a conversation.
//
// When redis-server is not installed, Start skips the test, or fails it when
// the environment variable CI is "true" (CI must not pass by skipping).
//
// The package talks to the server only through a few raw RESP commands, so
// that go-redis stays imported by bot/redis alone.
package redistest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"okienko/bot/logtest"
)

// Option changes how the server is started.
type Option func(*options)

type options struct {
	aof     bool
	cluster bool
	args    []string
}

// WithAOF turns on the append-only file with fsync on every write, so data
// written before Stop or Kill is there again after Restart.
func WithAOF() Option { return func(o *options) { o.aof = true } }

// WithCluster starts the server as a one-node Redis Cluster that owns all
// 16384 slots, so Cluster clients (and their hash-tag rules) can be tested
// with one process.
func WithCluster() Option { return func(o *options) { o.cluster = true } }

// WithArgs adds redis-server arguments, e.g. "--maxmemory", "10mb".
func WithArgs(args ...string) Option {
	return func(o *options) { o.args = append(o.args, args...) }
}

// Server is a redis-server process owned by a test.
type Server struct {
	t       testing.TB
	bin     string
	port    int
	dir     string
	args    []string
	cluster bool

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{} // closed when cmd has exited
	out  *logtest.Buffer
}

// startTimeout bounds how long a server may take to answer PING.
const startTimeout = 10 * time.Second

// Start runs redis-server on a free loopback port until the test ends.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("redis-server not found (CI=true, install the Debian package redis-server): %v", err)
		}
		t.Skipf("redis-server not found, skipping (install the Debian package redis-server): %v", err)
	}
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	s := &Server{t: t, bin: bin, dir: t.TempDir()}
	s.args = []string{"--bind", "127.0.0.1", "--save", "", "--dir", s.dir, "--logfile", "", "--daemonize", "no"}
	if o.aof {
		s.args = append(s.args, "--appendonly", "yes", "--appendfsync", "always")
	} else {
		s.args = append(s.args, "--appendonly", "no")
	}
	if o.cluster {
		s.args = append(s.args, "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf")
	}
	s.args = append(s.args, o.args...)
	s.cluster = o.cluster
	t.Cleanup(s.Kill)
	// A free port can be taken between choosing and binding it: try again.
	for attempt := 1; ; attempt++ {
		s.port = freePort(t)
		err := s.start()
		if err == nil {
			return s
		}
		if attempt == 3 {
			t.Fatalf("start redis-server: %v\n%s", err, s.out.String())
		}
	}
}

// Addr is the server's host:port.
func (s *Server) Addr() string { return "127.0.0.1:" + strconv.Itoa(s.port) }

// URL is the server's redis:// URL.
func (s *Server) URL() string { return "redis://" + s.Addr() }

// Dir is the server's data directory.
func (s *Server) Dir() string { return s.dir }

// Stop shuts the server down as an operator would (SIGTERM, which writes the
// AOF) and waits until it has exited.
func (s *Server) Stop() {
	s.t.Helper()
	s.signal(syscall.SIGTERM)
}

// Kill ends the server abruptly (SIGKILL), as a crash would. It is a no-op
// when the server is not running.
func (s *Server) Kill() {
	s.t.Helper()
	s.signal(syscall.SIGKILL)
}

// Pause freezes the server (SIGSTOP): connections stay open but nothing is
// answered, as with a Redis that hangs. Resume undoes it.
func (s *Server) Pause() {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		_ = s.cmd.Process.Signal(syscall.SIGSTOP)
	}
}

// Resume lets a paused server run again (SIGCONT).
func (s *Server) Resume() {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		_ = s.cmd.Process.Signal(syscall.SIGCONT)
	}
}

// Restart starts the server again on the same port and data directory
// after Stop or Kill, and waits until it answers.
func (s *Server) Restart() {
	s.t.Helper()
	s.mu.Lock()
	running := s.cmd != nil
	s.mu.Unlock()
	if running {
		s.Stop()
	}
	if err := s.start(); err != nil {
		s.t.Fatalf("restart redis-server: %v\n%s", err, s.out.String())
	}
}

// Do sends one command and returns the reply as text (status, integer or
// bulk string; arrays are joined by newlines), for tests that inspect the
// server without a client library.
func (s *Server) Do(args ...string) (string, error) {
	conn, err := net.DialTimeout("tcp", s.Addr(), time.Second)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	// Loose: a command may be a big one (a test fills millions of keys with
	// one script) on a busy machine; the bound only catches a server that
	// never answers.
	_ = conn.SetDeadline(time.Now().Add(time.Minute))
	var b bytes.Buffer
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	if _, err := conn.Write(b.Bytes()); err != nil {
		return "", err
	}
	return readReply(bufio.NewReader(conn))
}

// Keys lists every key in the server (SCAN), for checks such as "nothing
// about this chat is left".
func (s *Server) Keys() ([]string, error) {
	var keys []string
	cursor := "0"
	for {
		r, err := s.Do("SCAN", cursor, "COUNT", "1000")
		if err != nil {
			return nil, err
		}
		lines := strings.Split(r, "\n")
		cursor = lines[0]
		for _, k := range lines[1:] {
			if k != "" {
				keys = append(keys, k)
			}
		}
		if cursor == "0" {
			return keys, nil
		}
	}
}

func (s *Server) start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	args := append([]string{"--port", strconv.Itoa(s.port)}, s.args...)
	cmd := exec.Command(s.bin, args...)
	s.out = &logtest.Buffer{}
	cmd.Stdout, cmd.Stderr = s.out, s.out
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	s.cmd, s.done = cmd, done
	deadline := time.Now().Add(startTimeout)
	for {
		select {
		case <-done:
			s.cmd = nil
			return errors.New("redis-server exited at start")
		default:
		}
		r, err := s.Do("PING")
		if err != nil && strings.HasPrefix(err.Error(), "NOAUTH") {
			return nil // up, with a password the test set
		}
		if err == nil && r == "PONG" {
			if !s.cluster {
				return nil
			}
			if s.clusterReady() {
				return nil
			}
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			<-done
			s.cmd = nil
			return fmt.Errorf("no answer to PING within %v", startTimeout)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// clusterReady assigns all slots to the node (once) and reports whether the
// cluster state is ok.
func (s *Server) clusterReady() bool {
	info, err := s.Do("CLUSTER", "INFO")
	if err != nil {
		return false
	}
	if strings.Contains(info, "cluster_slots_assigned:0") {
		_, _ = s.Do("CLUSTER", "ADDSLOTSRANGE", "0", "16383")
		return false
	}
	return strings.Contains(info, "cluster_state:ok")
}

func (s *Server) signal(sig os.Signal) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Signal(sig)
	_ = s.cmd.Process.Signal(syscall.SIGCONT) // a paused server handles SIGTERM only when running
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
	s.cmd = nil
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("find a free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// readReply reads one RESP2 reply.
func readReply(r *bufio.Reader) (string, error) {
	line, err := r.ReadString('\n')
	if err != nil {
		return "", err
	}
	line = strings.TrimSuffix(line, "\r\n")
	if line == "" {
		return "", errors.New("empty reply")
	}
	switch line[0] {
	case '+', ':':
		return line[1:], nil
	case '-':
		return "", errors.New(line[1:])
	case '$':
		n, err := strconv.Atoi(line[1:])
		if err != nil || n < 0 {
			return "", err
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(r, buf); err != nil {
			return "", err
		}
		return string(buf[:n]), nil
	case '*':
		n, err := strconv.Atoi(line[1:])
		if err != nil {
			return "", err
		}
		parts := make([]string, 0, n)
		for range n {
			p, err := readReply(r)
			if err != nil {
				return "", err
			}
			parts = append(parts, p)
		}
		return strings.Join(parts, "\n"), nil
	}
	return "", fmt.Errorf("unexpected reply %q", line)
}
