package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
)

// commandResult is what a finished command printed.
type commandResult struct{ Stdout, Stderr string }

// runCommand executes one shell command for the spec, remotely when it has a connection.
func runCommand(ctx context.Context, spec *commandSpec, command string, extraEnv map[string]string) (commandResult, error) {
	env := map[string]string{}
	for k, v := range spec.Environment {
		env[k] = v
	}
	for k, v := range extraEnv {
		env[k] = v
	}
	if spec.Connection != nil {
		return runRemote(ctx, spec.Connection, envExports(env)+command, spec.Stdin)
	}
	return runLocal(ctx, spec, command, env)
}

func runLocal(ctx context.Context, spec *commandSpec, command string, env map[string]string) (commandResult, error) {
	interpreter := spec.Interpreter
	if len(interpreter) == 0 {
		interpreter = []string{"/bin/sh", "-c"}
	}
	cmd := exec.CommandContext(ctx, interpreter[0], append(interpreter[1:], command)...)
	cmd.Dir = spec.Dir
	cmd.Env = os.Environ()
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.Stdin = strings.NewReader(spec.Stdin)
	err := cmd.Run()
	return finish(stdout.String(), stderr.String(), err)
}

func runRemote(ctx context.Context, c *connection, command, stdin string) (commandResult, error) {
	client, err := dial(ctx, c)
	if err != nil {
		return commandResult{}, err
	}
	defer client.Close()
	session, err := client.NewSession()
	if err != nil {
		return commandResult{}, fmt.Errorf("opening SSH session to %s: %w", c.Host, err)
	}
	defer session.Close()
	var stdout, stderr bytes.Buffer
	session.Stdout, session.Stderr = &stdout, &stderr
	session.Stdin = strings.NewReader(stdin)
	err = session.Run(command)
	return finish(stdout.String(), stderr.String(), err)
}

// finish trims the trailing newline (as upstream does) and folds output into failures.
func finish(stdout, stderr string, err error) (commandResult, error) {
	res := commandResult{Stdout: strings.TrimSuffix(stdout, "\n"), Stderr: strings.TrimSuffix(stderr, "\n")}
	if err != nil {
		return res, fmt.Errorf("command failed: %w\nstdout: %s\nstderr: %s", err, res.Stdout, res.Stderr)
	}
	return res, nil
}

// dial connects with the configured auth, retrying like upstream (dialErrorLimit tries).
func dial(ctx context.Context, c *connection) (*ssh.Client, error) {
	config, err := clientConfig(c)
	if err != nil {
		return nil, err
	}
	addr := net.JoinHostPort(c.Host, strconv.Itoa(c.Port))
	limit := c.DialErrorLimit
	if limit < 1 {
		limit = 1
	}
	var lastErr error
	for attempt := 0; attempt < limit; attempt++ {
		if attempt > 0 {
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(time.Duration(attempt) * 500 * time.Millisecond):
			}
		}
		client, err := ssh.Dial("tcp", addr, config)
		if err == nil {
			return client, nil
		}
		lastErr = err
		if strings.Contains(err.Error(), "unable to authenticate") || strings.Contains(err.Error(), "host key") {
			break // retrying cannot fix credentials or a host key mismatch
		}
	}
	return nil, fmt.Errorf("SSH to %s as %s failed: %w", addr, c.User, lastErr)
}

func clientConfig(c *connection) (*ssh.ClientConfig, error) {
	var auth []ssh.AuthMethod
	if c.PrivateKey != "" {
		var signer ssh.Signer
		var err error
		if c.PrivateKeyPassword != "" {
			signer, err = ssh.ParsePrivateKeyWithPassphrase([]byte(c.PrivateKey), []byte(c.PrivateKeyPassword))
		} else {
			signer, err = ssh.ParsePrivateKey([]byte(c.PrivateKey))
		}
		if err != nil {
			// never echo the key itself
			return nil, errors.New("connection.privateKey could not be parsed (expect an OpenSSH or PEM private key)")
		}
		auth = append(auth, ssh.PublicKeys(signer))
	}
	if c.Password != "" {
		auth = append(auth, ssh.Password(c.Password))
	}
	if c.AgentSocketPath != "" {
		if conn, err := net.Dial("unix", c.AgentSocketPath); err == nil {
			auth = append(auth, ssh.PublicKeysCallback(agent.NewClient(conn).Signers))
		}
	}
	if len(auth) == 0 {
		return nil, errors.New("connection needs privateKey, password or agentSocketPath")
	}
	hostKeyCallback := ssh.InsecureIgnoreHostKey() // upstream's behaviour when no hostKey is given
	if c.HostKey != "" {
		key, _, _, _, err := ssh.ParseAuthorizedKey([]byte(c.HostKey))
		if err != nil {
			return nil, fmt.Errorf("connection.hostKey %q is not an OpenSSH public key line: %w", c.HostKey, err)
		}
		hostKeyCallback = ssh.FixedHostKey(key)
	}
	return &ssh.ClientConfig{
		User:            c.User,
		Auth:            auth,
		HostKeyCallback: hostKeyCallback,
		Timeout:         c.PerDialTimeout,
	}, nil
}
