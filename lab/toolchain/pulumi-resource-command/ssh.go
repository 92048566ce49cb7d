package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/diag"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
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

// clientConfig is upstream's: the private key (with its passphrase when given), host keys not checked, and
// PerDialTimeout as ssh's Timeout, which bounds the TCP connect only (not the SSH handshake).
func (c connConfig) clientConfig() (*ssh.ClientConfig, error) {
	var signer ssh.Signer
	var err error
	if c.PrivateKeyPassword != "" {
		signer, err = ssh.ParsePrivateKeyWithPassphrase([]byte(c.PrivateKey), []byte(c.PrivateKeyPassword))
	} else {
		signer, err = ssh.ParsePrivateKey([]byte(c.PrivateKey))
	}
	if err != nil {
		return nil, err // the parse error text never contains the key
	}
	auth := []ssh.AuthMethod{ssh.PublicKeys(signer)}
	// Upstream also offers the keys of the agent SSH_AUTH_SOCK names, and fails every command when that socket
	// cannot be opened (a stale agent): the double does the same.
	if sock := os.Getenv("SSH_AUTH_SOCK"); sock != "" {
		conn, err := net.Dial("unix", sock)
		if err != nil {
			return nil, err
		}
		auth = append(auth, ssh.PublicKeysCallback(agent.NewClient(conn).Signers))
	}
	return &ssh.ClientConfig{
		User:            c.User,
		Auth:            auth,
		HostKeyCallback: ssh.InsecureIgnoreHostKey(),
		Timeout:         time.Duration(c.PerDialTimeout) * time.Second,
	}, nil
}

// Dial retries as upstream's (pulumi's retry.Until): the first delay 100 ms, then ×1.5 each time, at most 5 s.
const (
	dialFirstDelay = 100 * time.Millisecond
	dialBackoff    = 1.5
	dialMaxDelay   = 5 * time.Second
)

// dialFunc is ssh.Dial; tests replace it.
var dialFunc = ssh.Dial

// dial connects as upstream does: DialErrorLimit N allows N+1 attempts (-1: unlimited), each TCP connect bounded
// by PerDialTimeout; a failed attempt is reported to the engine as an ephemeral "Dial i/N failed: retrying"; the
// final error is "after N failed attempts: <the last dial error>". A cancelled context stops the retries.
func dial(ctx context.Context, lg *lineLogger, c connConfig) (*ssh.Client, error) {
	cfg, err := c.clientConfig()
	if err != nil {
		return nil, err
	}
	delay := dialFirstDelay
	for try := 0; ; try++ {
		client, err := dialFunc("tcp", c.addr(), cfg)
		if err == nil {
			return client, nil
		}
		dials := try + 1
		if c.DialErrorLimit > -1 && dials > c.DialErrorLimit {
			return nil, fmt.Errorf("after %d failed attempts: %w", try, err)
		}
		limit := "inf"
		if c.DialErrorLimit != -1 {
			limit = strconv.Itoa(c.DialErrorLimit)
		}
		lg.status(fmt.Sprintf("Dial %d/%s failed: retrying", dials, limit))
		if delay > dialMaxDelay {
			delay = dialMaxDelay
		}
		select {
		case <-time.After(delay):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		delay = time.Duration(float64(delay) * dialBackoff)
	}
}

// openClients holds every SSH client a command dialled: upstream never closes them, so each command run keeps
// its TCP connection (and a sshd process on the host) until the plugin exits. The double does the same, so that
// hosts see the same number of connections with either plugin.
var openClients struct {
	sync.Mutex
	list []*ssh.Client
}

func keepOpen(c *ssh.Client) {
	openClients.Lock()
	defer openClients.Unlock()
	openClients.list = append(openClients.list, c)
}

// setenvWarning is upstream's text when sshd refuses a variable (an error for `environment`, a warning for the
// previous outputs).
func setenvWarning(key string) string {
	return fmt.Sprintf(`Unable to set '%s'. This only works if your SSH server is configured to accept
	these variables via AcceptEnv. Alternatively, if a Bash-like shell runs the command on the remote host, you could
	prefix the command itself with the variables in the form 'VAR=value command'`, key)
}

// runRemote runs cmd on the host as upstream v1.0.1 does:
//   - `environment` is sent with SSH setenv; a variable sshd refuses fails the command
//     (`could not set environment variable "K": ssh: setenv failed`) before it runs;
//   - the previous stdout/stderr (prev, when non-empty) go as PULUMI_COMMAND_STDOUT/STDERR with setenv too, and a
//     refusal is only a warning: the command runs without them;
//   - stdin is fed only when non-empty;
//   - stdout and stderr are streamed line by line to the engine as ephemeral info, as `logging` selects;
//   - the context is not watched while the command runs (Cancel and custom timeouts stop only dialling), and a
//     session that ends without an exit status is an error, never run again;
//   - a failure reads `<error>: running "<command>":` followed by the combined output.
func runRemote(ctx context.Context, lg *lineLogger, c connConfig, cmd string, env map[string]string,
	prev previous, stdin *string,
) (runResult, error) {
	client, err := dial(ctx, lg, c)
	if err != nil {
		return runResult{}, err
	}
	keepOpen(client)
	session, err := client.NewSession()
	if err != nil {
		return runResult{}, err
	}
	defer session.Close()

	keys := make([]string, 0, len(env))
	for k := range env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if err := session.Setenv(k, env[k]); err != nil {
			lg.log(diag.Error, setenvWarning(k))
			return runResult{}, fmt.Errorf("could not set environment variable %q: %w", k, err)
		}
	}
	for _, kv := range prev.env() {
		if err := session.Setenv(kv[0], kv[1]); err != nil {
			lg.log(diag.Warning, setenvWarning(kv[0]))
		}
	}
	if stdin != nil && len(*stdin) > 0 {
		session.Stdin = strings.NewReader(*stdin)
	}
	out := lg.capture()
	session.Stdout, session.Stderr = out.stdout, out.stderr
	err = session.Run(cmd)
	return out.finish(cmd, err)
}
