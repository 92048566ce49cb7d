package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sort"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"
)

// connConfig is the decoded, defaulted `connection` input.
type connConfig struct {
	Host               string
	Port               int
	User               string
	PrivateKey         string
	PrivateKeyPassword string
	DialErrorLimit     int
	PerDialTimeout     int
}

func (c connConfig) addr() string { return net.JoinHostPort(c.Host, strconv.Itoa(c.Port)) }

func parseConnection(v propertyValue) (connConfig, error) {
	if !v.IsObject() {
		return connConfig{}, errors.New("connection must be an object")
	}
	m := v.ObjectValue()
	str := func(k string) string {
		if x, ok := m[resourceKey(k)]; ok && x.IsString() {
			return x.StringValue()
		}
		return ""
	}
	num := func(k string, def int) int {
		if x, ok := m[resourceKey(k)]; ok && x.IsNumber() {
			return int(x.NumberValue())
		}
		return def
	}
	c := connConfig{
		Host:               str("host"),
		Port:               num("port", defaultPort),
		User:               str("user"),
		PrivateKey:         str("privateKey"),
		PrivateKeyPassword: str("privateKeyPassword"),
		DialErrorLimit:     num("dialErrorLimit", defaultDialErrorLimit),
		PerDialTimeout:     num("perDialTimeout", defaultPerDialTimeout),
	}
	if c.User == "" {
		c.User = defaultUser
	}
	if c.Host == "" {
		return c, errors.New("connection.host is required")
	}
	if c.PrivateKey == "" {
		return c, errors.New("connection.privateKey is required by this provider")
	}
	return c, nil
}

func (c connConfig) signer() (ssh.Signer, error) {
	var s ssh.Signer
	var err error
	if c.PrivateKeyPassword != "" {
		s, err = ssh.ParsePrivateKeyWithPassphrase([]byte(c.PrivateKey), []byte(c.PrivateKeyPassword))
	} else {
		s, err = ssh.ParsePrivateKey([]byte(c.PrivateKey))
	}
	if err != nil {
		// Never echo the key material; the parse error text does not contain it.
		return nil, fmt.Errorf("could not parse connection.privateKey: %w", err)
	}
	return s, nil
}

// dial connects with retries: up to DialErrorLimit attempts (-1: unlimited),
// each bounded by PerDialTimeout seconds (0: no bound), 1 s pause between.
func dial(ctx context.Context, c connConfig) (*ssh.Client, error) {
	signer, err := c.signer()
	if err != nil {
		return nil, err
	}
	cfg := &ssh.ClientConfig{
		User:            c.User,
		Auth:            []ssh.AuthMethod{ssh.PublicKeys(signer)},
		HostKeyCallback: ssh.InsecureIgnoreHostKey(), // as upstream
	}
	addr := c.addr()
	var lastErr error
	attempts := 0
	for {
		attempts++
		client, err := dialOnce(ctx, addr, cfg, time.Duration(c.PerDialTimeout)*time.Second)
		if err == nil {
			return client, nil
		}
		lastErr = err
		if ctx.Err() != nil || (c.DialErrorLimit >= 0 && attempts >= c.DialErrorLimit) {
			break
		}
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
		if ctx.Err() != nil {
			break
		}
	}
	return nil, fmt.Errorf("unable to connect to %s as user %q after %d attempt(s): %w", addr, c.User, attempts, lastErr)
}

func dialOnce(ctx context.Context, addr string, cfg *ssh.ClientConfig, timeout time.Duration) (*ssh.Client, error) {
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	// Abort the handshake if ctx ends (Cancel or timeout) without a deadline.
	stop := context.AfterFunc(ctx, func() { _ = conn.Close() })
	defer stop()
	sc, chans, reqs, err := ssh.NewClientConn(conn, addr, cfg)
	if err != nil {
		_ = conn.Close()
		if ctx.Err() != nil {
			return nil, fmt.Errorf("ssh handshake with %s: %w (%v)", addr, ctx.Err(), err)
		}
		return nil, fmt.Errorf("ssh handshake with %s: %w", addr, err)
	}
	_ = conn.SetDeadline(time.Time{})
	return ssh.NewClient(sc, chans, reqs), nil
}

// shellQuote single-quotes s for a POSIX shell.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// envPrefix renders `export K='v'; ` for every variable, keys sorted, so the
// environment does not depend on the sshd AcceptEnv setting.
func envPrefix(env map[string]string) string {
	keys := make([]string, 0, len(env))
	for k := range env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		b.WriteString("export ")
		b.WriteString(k)
		b.WriteString("=")
		b.WriteString(shellQuote(env[k]))
		b.WriteString("; ")
	}
	return b.String()
}

// runResult is what a remote command produced.
type runResult struct {
	Stdout, Stderr string
}

// runRemote runs cmd on the host with env and stdin; a non-zero exit is an
// error carrying the exit status, stdout and stderr (as upstream).
// transportRetries is how often a command is run again when the connection broke before the command reported
// an exit status (a busy sshd can drop sessions when many open at once). kubeadm-pulumi's commands are
// idempotent, which is what makes running one again safe.
const transportRetries = 2

func runRemote(ctx context.Context, c connConfig, op, cmd string, env map[string]string, stdin *string) (runResult, error) {
	for k := range env {
		if !envNameRE.MatchString(k) {
			return runResult{}, fmt.Errorf("invalid environment variable name %q", k)
		}
	}
	var res runResult
	var err error
	for attempt := 0; ; attempt++ {
		res, err = runOnce(ctx, c, op, cmd, env, stdin)
		if err == nil || !isTransportError(err) || attempt >= transportRetries || ctx.Err() != nil {
			return res, err
		}
		time.Sleep(time.Duration(attempt+1) * time.Second)
	}
}

// isTransportError: the session ended without an exit status (EOF, a dropped channel), not a failing command.
func isTransportError(err error) bool {
	var exit *ssh.ExitError
	if errors.As(err, &exit) {
		return false
	}
	var missing *ssh.ExitMissingError
	return errors.Is(err, io.EOF) || errors.As(err, &missing) || strings.Contains(err.Error(), "opening ssh session")
}

func runOnce(ctx context.Context, c connConfig, op, cmd string, env map[string]string, stdin *string) (runResult, error) {
	client, err := dial(ctx, c)
	if err != nil {
		return runResult{}, err
	}
	defer client.Close()
	session, err := client.NewSession()
	if err != nil {
		return runResult{}, fmt.Errorf("opening ssh session on %s: %w", c.addr(), err)
	}
	defer session.Close()
	var stdout, stderr bytes.Buffer
	session.Stdout, session.Stderr = &stdout, &stderr
	if stdin != nil {
		session.Stdin = strings.NewReader(*stdin)
	}
	done := make(chan error, 1)
	go func() { done <- session.Run(envPrefix(env) + cmd) }()
	select {
	case err = <-done:
	case <-ctx.Done():
		_ = session.Signal(ssh.SIGTERM)
		_ = client.Close()
		err = <-done
		err = fmt.Errorf("%w (%v)", ctx.Err(), err)
	}
	res := runResult{
		Stdout: strings.TrimSuffix(stdout.String(), "\n"),
		Stderr: strings.TrimSuffix(stderr.String(), "\n"),
	}
	if err != nil {
		return res, fmt.Errorf("%s command on %s failed: %w\nstdout:\n%s\nstderr:\n%s", op, c.addr(), err, res.Stdout, res.Stderr)
	}
	return res, nil
}
