package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/diag"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"golang.org/x/crypto/ssh"
	"google.golang.org/protobuf/types/known/structpb"
)

var remoteURN = string(resource.NewURN("dev", "proj", "", remoteCmdTok, "step"))

// sshServer is an in-process sshd for the tests: public-key auth, `exec` run with /bin/sh -c, and `env`
// requests accepted only for names acceptEnv allows, as OpenSSH's AcceptEnv does (Debian: LANG LC_*).
type sshServer struct {
	t         *testing.T
	addr      string
	acceptEnv func(name string) bool
	// dropSession closes the session channel right after starting the command, with no exit status (a dropped
	// connection as the client sees it).
	dropSession bool
	execs       atomic.Int32 // commands started
	open        atomic.Int32 // connections currently open
}

func debianAcceptEnv(name string) bool { return name == "LANG" || strings.HasPrefix(name, "LC_") }

func newSSHServer(t *testing.T, acceptEnv func(string) bool) (*sshServer, string) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		t.Fatal(err)
	}
	clientKey := string(pem.EncodeToMemory(block))
	authorized, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	_, hostPriv, _ := ed25519.GenerateKey(rand.Reader)
	hostSigner, err := ssh.NewSignerFromKey(hostPriv)
	if err != nil {
		t.Fatal(err)
	}
	cfg := &ssh.ServerConfig{
		PublicKeyCallback: func(_ ssh.ConnMetadata, key ssh.PublicKey) (*ssh.Permissions, error) {
			if string(key.Marshal()) == string(authorized.Marshal()) {
				return nil, nil
			}
			return nil, errors.New("unknown key")
		},
	}
	cfg.AddHostKey(hostSigner)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &sshServer{t: t, addr: ln.Addr().String(), acceptEnv: acceptEnv}
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serve(c, cfg)
		}
	}()
	return s, clientKey
}

func (s *sshServer) serve(c net.Conn, cfg *ssh.ServerConfig) {
	s.open.Add(1)
	defer s.open.Add(-1)
	conn, chans, reqs, err := ssh.NewServerConn(c, cfg)
	if err != nil {
		return
	}
	defer conn.Close()
	go ssh.DiscardRequests(reqs)
	for nc := range chans {
		if nc.ChannelType() != "session" {
			_ = nc.Reject(ssh.UnknownChannelType, "only sessions")
			continue
		}
		ch, chReqs, err := nc.Accept()
		if err != nil {
			return
		}
		go s.session(ch, chReqs)
	}
}

func (s *sshServer) session(ch ssh.Channel, reqs <-chan *ssh.Request) {
	defer ch.Close()
	var env []string
	for req := range reqs {
		switch req.Type {
		case "env":
			var kv struct{ Name, Value string }
			ok := ssh.Unmarshal(req.Payload, &kv) == nil && s.acceptEnv(kv.Name)
			if ok {
				env = append(env, kv.Name+"="+kv.Value)
			}
			_ = req.Reply(ok, nil)
		case "exec":
			var cmd struct{ Command string }
			if ssh.Unmarshal(req.Payload, &cmd) != nil {
				_ = req.Reply(false, nil)
				return
			}
			_ = req.Reply(true, nil)
			s.execs.Add(1)
			if s.dropSession {
				return
			}
			c := exec.Command("/bin/sh", "-c", cmd.Command)
			c.Env = append([]string{"PATH=" + os.Getenv("PATH")}, env...)
			c.Stdin, c.Stdout, c.Stderr = ch, ch, ch.Stderr()
			status := 0
			if err := c.Run(); err != nil {
				var exit *exec.ExitError
				if !errors.As(err, &exit) {
					s.t.Errorf("test sshd: %v", err)
				}
				status = exit.ExitCode()
			}
			_, _ = ch.SendRequest("exit-status", false, ssh.Marshal(struct{ Status uint32 }{uint32(status)}))
			return
		default:
			_ = req.Reply(false, nil)
		}
	}
}

func (s *sshServer) connection(key string) map[string]any {
	host, port, _ := net.SplitHostPort(s.addr)
	p, _ := strconv.Atoi(port)
	return map[string]any{"host": host, "port": float64(p), "privateKey": key, "dialErrorLimit": float64(0)}
}

func checkedRemote(t *testing.T, p *cmdProvider, in map[string]any) *structpb.Struct {
	t.Helper()
	resp, err := p.Check(context.Background(), &pulumirpc.CheckRequest{Urn: remoteURN, News: mustMarshal(t, pm(in))})
	if err != nil || len(resp.GetFailures()) != 0 {
		t.Fatalf("Check: %v %v", err, resp.GetFailures())
	}
	return resp.GetInputs()
}

func createRemote(t *testing.T, p *cmdProvider, in map[string]any) (propertyMap, error) {
	t.Helper()
	resp, err := p.Create(context.Background(), &pulumirpc.CreateRequest{Urn: remoteURN, Properties: checkedRemote(t, p, in)})
	if err != nil {
		return nil, err
	}
	return mustUnmarshal(t, resp.GetProperties()), nil
}

func TestRemoteEnvironmentRefusedFailsTheCommand(t *testing.T) {
	srv, key := newSSHServer(t, debianAcceptEnv)
	host := &fakeHost{}
	p := newProvider()
	p.host = host
	marker := filepath.Join(t.TempDir(), "ran")
	_, err := createRemote(t, p, map[string]any{
		"connection":  srv.connection(key),
		"create":      "touch " + marker,
		"environment": map[string]any{"KUBEADM_PULUMI_TRIGGERS": "abc"},
	})
	want := `could not set environment variable "KUBEADM_PULUMI_TRIGGERS": ssh: setenv failed`
	if err == nil || err.Error() != want {
		t.Fatalf("error %v, want %q", err, want)
	}
	if _, statErr := os.Stat(marker); statErr == nil {
		t.Errorf("the command must not run when a variable is refused")
	}
	logs := lasting(host.take())
	if len(logs) != 1 || logs[0].Sev != diag.Error || !strings.HasPrefix(logs[0].Msg, "Unable to set 'KUBEADM_PULUMI_TRIGGERS'") {
		t.Errorf("want upstream's error diagnostic, got %+v", logs)
	}

	// A variable sshd accepts reaches the command.
	state, err := createRemote(t, p, map[string]any{
		"connection": srv.connection(key), "create": `echo "$LC_KUBEADM"`,
		"environment": map[string]any{"LC_KUBEADM": "accepted"},
	})
	if err != nil || str(state, "stdout") != "accepted" {
		t.Errorf("accepted variable: %v %v", state, err)
	}
}

func TestRemotePreviousOutputsRefusedOnlyWarn(t *testing.T) {
	srv, key := newSSHServer(t, debianAcceptEnv)
	host := &fakeHost{}
	p := newProvider()
	p.host = host
	olds := pm(map[string]any{"create": "x", "connection": srv.connection(key), "stdout": "earlier", "stderr": ""})
	resp, err := p.Delete(context.Background(), &pulumirpc.DeleteRequest{Urn: remoteURN, Properties: mustMarshal(t, func() propertyMap {
		olds["delete"] = resource.NewStringProperty(`echo "[${PULUMI_COMMAND_STDOUT-unset}]" >&2`)
		return olds
	}())})
	if err != nil || resp == nil {
		t.Fatalf("delete must run without the refused variables: %v", err)
	}
	logs := host.take()
	l := lasting(logs)
	if len(l) != 1 || l[0].Sev != diag.Warning || !strings.HasPrefix(l[0].Msg, "Unable to set 'PULUMI_COMMAND_STDOUT'") {
		t.Errorf("want one warning for PULUMI_COMMAND_STDOUT (stderr was empty, so not sent), got %+v", l)
	}
	if got := statusLines(logs); !reflect.DeepEqual(got, []string{"[unset]"}) {
		t.Errorf("the delete ran without PULUMI_COMMAND_STDOUT: %q", got)
	}

	// With AcceptEnv *, the previous outputs arrive.
	open, key2 := newSSHServer(t, func(string) bool { return true })
	uresp, err := p.Update(context.Background(), &pulumirpc.UpdateRequest{
		Urn:  remoteURN,
		Olds: mustMarshal(t, pm(map[string]any{"create": "x", "connection": open.connection(key2), "stdout": "earlier", "stderr": "e"})),
		News: checkedRemote(t, p, map[string]any{"create": `echo "$PULUMI_COMMAND_STDOUT/$PULUMI_COMMAND_STDERR"`, "connection": open.connection(key2)}),
	})
	if err != nil || str(mustUnmarshal(t, uresp.GetProperties()), "stdout") != "earlier/e" {
		t.Errorf("update with accepted previous outputs: %v %v", uresp, err)
	}
}

func TestRemoteStreamsOutputAsEphemeralInfo(t *testing.T) {
	srv, key := newSSHServer(t, debianAcceptEnv)
	cmd := "echo line-1; echo 'warning: not special' >&2; sleep 0.1; echo line-2"
	for logging, want := range map[string][]string{
		"":       {"line-1", "warning: not special", "line-2"},
		"stdout": {"line-1", "line-2"},
		"stderr": {"warning: not special"},
		"none":   nil,
	} {
		t.Run("logging="+logging, func(t *testing.T) {
			host := &fakeHost{}
			p := newProvider()
			p.host = host
			in := map[string]any{"connection": srv.connection(key), "create": cmd}
			if logging != "" {
				in["logging"] = logging
			}
			state, err := createRemote(t, p, in)
			if err != nil {
				t.Fatal(err)
			}
			if str(state, "stdout") != "line-1\nline-2" || str(state, "stderr") != "warning: not special" {
				t.Errorf("outputs: %v", state)
			}
			logs := host.take()
			got := statusLines(logs)
			// stdout and stderr share one pipe upstream: compare as sets of lines, in stdout's own order.
			if !sameLines(got, want) {
				t.Errorf("streamed %q, want %q", got, want)
			}
			if l := lasting(logs); len(l) != 0 {
				t.Errorf("no `warning: ` convention: nothing but status lines, got %+v", l)
			}
			for _, lg := range logs {
				if lg.Sev != diag.Info || lg.URN != resource.URN(remoteURN) {
					t.Errorf("status lines are info on the resource: %+v", lg)
				}
			}
		})
	}
}

func sameLines(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	count := map[string]int{}
	for _, x := range a {
		count[x]++
	}
	for _, x := range b {
		count[x]--
	}
	for _, n := range count {
		if n != 0 {
			return false
		}
	}
	return true
}

func TestRemoteFailureCarriesCommandAndOutput(t *testing.T) {
	srv, key := newSSHServer(t, debianAcceptEnv)
	p := newProvider()
	cmd := "echo partial; exit 3"
	_, err := createRemote(t, p, map[string]any{"connection": srv.connection(key), "create": cmd})
	want := "Process exited with status 3: running " + strconv.Quote(cmd) + ":\npartial\n"
	if err == nil || err.Error() != want {
		t.Fatalf("error\n got %v\nwant %q", err, want)
	}
}

func TestRemoteDroppedSessionIsNotRetried(t *testing.T) {
	srv, key := newSSHServer(t, debianAcceptEnv)
	srv.dropSession = true
	p := newProvider()
	_, err := createRemote(t, p, map[string]any{"connection": srv.connection(key), "create": "true"})
	if err == nil || !strings.Contains(err.Error(), "remote command exited without exit status or exit signal") {
		t.Fatalf("want the dropped session as the error, got %v", err)
	}
	if n := srv.execs.Load(); n != 1 {
		t.Errorf("the command was started %d times; upstream never runs it again", n)
	}
}

func TestRemoteClientsStayOpen(t *testing.T) {
	srv, key := newSSHServer(t, debianAcceptEnv)
	p := newProvider()
	for i := 0; i < 3; i++ {
		if _, err := createRemote(t, p, map[string]any{"connection": srv.connection(key), "create": "true"}); err != nil {
			t.Fatal(err)
		}
	}
	// Upstream never closes a command's client: each run leaves its connection open.
	deadline := time.Now().Add(2 * time.Second)
	for srv.open.Load() < 3 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := srv.open.Load(); n != 3 {
		t.Errorf("%d connections open after 3 commands, want 3", n)
	}
}

func TestDialRetriesAsUpstream(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close() // nothing listens: every dial is refused
	var mu sync.Mutex
	var attempts []time.Time
	real := dialFunc
	dialFunc = func(network, a string, cfg *ssh.ClientConfig) (*ssh.Client, error) {
		mu.Lock()
		attempts = append(attempts, time.Now())
		mu.Unlock()
		return real(network, a, cfg)
	}
	t.Cleanup(func() { dialFunc = real })

	host := &fakeHost{}
	p := newProvider()
	p.host = host
	_, key := newSSHServer(t, debianAcceptEnv)
	h, port, _ := net.SplitHostPort(addr)
	pn, _ := strconv.Atoi(port)
	_, err = createRemote(t, p, map[string]any{
		"connection": map[string]any{"host": h, "port": float64(pn), "privateKey": key, "dialErrorLimit": float64(3)},
		"create":     "true",
	})
	want := "after 3 failed attempts: dial tcp " + addr + ": connect: connection refused"
	if err == nil || err.Error() != want {
		t.Fatalf("error %v, want %q", err, want)
	}
	if len(attempts) != 4 {
		t.Fatalf("dialErrorLimit 3 means 4 attempts, got %d", len(attempts))
	}
	// Delays 100 ms, 150 ms, 225 ms (x1.5): never shorter.
	for i, min := range []time.Duration{100, 150, 225} {
		if gap := attempts[i+1].Sub(attempts[i]); gap < min*time.Millisecond {
			t.Errorf("gap %d was %v, want >= %v ms", i, gap, min)
		}
	}
	want2 := []string{"Dial 1/3 failed: retrying", "Dial 2/3 failed: retrying", "Dial 3/3 failed: retrying"}
	if got := statusLines(host.take()); !reflect.DeepEqual(got, want2) {
		t.Errorf("status %q, want %q", got, want2)
	}
}

func TestAStaleAgentSocketFailsEveryCommand(t *testing.T) {
	srv, key := newSSHServer(t, debianAcceptEnv)
	t.Setenv("SSH_AUTH_SOCK", filepath.Join(t.TempDir(), "gone.sock"))
	p := newProvider()
	_, err := createRemote(t, p, map[string]any{"connection": srv.connection(key), "create": "true"})
	if err == nil || !strings.Contains(err.Error(), "gone.sock") {
		t.Fatalf("want the agent socket's dial error, got %v", err)
	}
	if n := srv.execs.Load(); n != 0 {
		t.Errorf("nothing may run: %d", n)
	}
}
