// Command pulumi-language-python is a minimal Pulumi language host for Python programs.
//
// Why it exists: the upstream host (module sdk/python/cmd/pulumi-language-python/v3) is only
// published as pseudo-versions, and the Go module proxy reachable from this project serves none
// of them. The engine talks to a language host over the LanguageRuntime gRPC service; for
// `pulumi preview/up/refresh/destroy` of a Python program it needs only Run (start the program
// against the engine's resource monitor) plus a few informational calls. The program itself is
// started through `pulumi-language-python-exec`, the shim shipped in the Python SDK (copied next
// to this binary by scripts/ensure-pulumi.sh), exactly as the upstream host does.
//
// Deliberately not implemented (they return Unimplemented, which the engine tolerates or which
// only `pulumi new`/`pulumi convert`/`pulumi package` need): dependency installation, codegen,
// packing, linking and runtime-option prompts. Dependencies come from the project's virtualenv.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/version"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/emptypb"
)

// exitCodeUserActionable is what pulumi-language-python-exec returns after it has already
// reported the error to the user; the engine should then not print a second, generic error.
const exitCodeUserActionable = 32

const execShimName = "pulumi-language-python-exec"

func main() {
	engineAddress, err := engineAddressFromArgs(os.Args[1:])
	if err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-python: %v\n", err)
		os.Exit(2)
	}
	host := &languageHost{engineAddress: engineAddress}
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, host)
			return nil
		},
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-python: could not start gRPC server: %v\n", err)
		os.Exit(1)
	}
	// The engine reads the port from our first line of stdout.
	fmt.Printf("%d\n", handle.Port)
	if err := <-handle.Done; err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-python: %v\n", err)
		os.Exit(1)
	}
}

// engineAddressFromArgs returns the last positional argument (the engine's gRPC address).
// The engine may prepend logging/tracing flags (`--logtostderr`, `-v=N`, `--tracing URL`);
// they are accepted and ignored so a verbose `pulumi up -v=9` still works.
func engineAddressFromArgs(args []string) (string, error) {
	var positional []string
	for i := 0; i < len(args); i++ {
		arg := args[i]
		switch {
		case arg == "--tracing" || arg == "-tracing":
			i++ // skip its value
		case strings.HasPrefix(arg, "-"):
			// other flags carry their value inline (-v=9, --root=DIR) or are booleans
		default:
			positional = append(positional, arg)
		}
	}
	if len(positional) == 0 {
		return "", errors.New("missing engine address argument (this binary is started by the pulumi CLI)")
	}
	return positional[len(positional)-1], nil
}

type languageHost struct {
	pulumirpc.UnimplementedLanguageRuntimeServer
	engineAddress string
}

func (h *languageHost) Handshake(
	_ context.Context, req *pulumirpc.LanguageHandshakeRequest,
) (*pulumirpc.LanguageHandshakeResponse, error) {
	if req.GetEngineAddress() != "" {
		h.engineAddress = req.GetEngineAddress()
	}
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

func (h *languageHost) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version.Version}, nil
}

// GetRequiredPackages reports no packages: provider plugins are installed ahead of time by
// scripts/ensure-pulumi.sh and automatic plugin acquisition is disabled for offline use.
func (h *languageHost) GetRequiredPackages(
	context.Context, *pulumirpc.GetRequiredPackagesRequest,
) (*pulumirpc.GetRequiredPackagesResponse, error) {
	return &pulumirpc.GetRequiredPackagesResponse{}, nil
}

//nolint:staticcheck // the deprecated call is still made by engines that predate GetRequiredPackages
func (h *languageHost) GetRequiredPlugins(
	context.Context, *pulumirpc.GetRequiredPluginsRequest,
) (*pulumirpc.GetRequiredPluginsResponse, error) {
	return &pulumirpc.GetRequiredPluginsResponse{}, nil
}

func (h *languageHost) GetProgramDependencies(
	context.Context, *pulumirpc.GetProgramDependenciesRequest,
) (*pulumirpc.GetProgramDependenciesResponse, error) {
	return &pulumirpc.GetProgramDependenciesResponse{}, nil
}

// InstallDependencies succeeds without doing anything: the virtualenv is managed by `make venv`.
func (h *languageHost) InstallDependencies(
	_ *pulumirpc.InstallDependenciesRequest,
	stream grpc.ServerStreamingServer[pulumirpc.InstallDependenciesResponse],
) error {
	msg := "dependencies are managed outside pulumi (make venv); nothing to install\n"
	return stream.Send(&pulumirpc.InstallDependenciesResponse{Stdout: []byte(msg)})
}

// Run executes the Python program and reports how it ended.
func (h *languageHost) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	python, env, err := pythonCommand(req.GetInfo())
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	shim, err := execShimPath()
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	configEnv, err := configEnvironment(req)
	if err != nil {
		return nil, err
	}

	cmd := exec.CommandContext(ctx, python, append([]string{"-u", shim}, runArgs(req, h.engineAddress)...)...)
	cmd.Dir = req.GetPwd()
	cmd.Env = append(append(env, configEnv...), "PYTHONUNBUFFERED=1")
	cmd.Stdout = os.Stdout
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return runFailure(err), nil
	}
	return &pulumirpc.RunResponse{}, nil
}

// runArgs builds the command line understood by pulumi-language-python-exec.
func runArgs(req *pulumirpc.RunRequest, engineAddress string) []string {
	args := []string{
		"--monitor", req.GetMonitorAddress(),
		"--engine", engineAddress,
		"--project", req.GetProject(),
		"--stack", req.GetStack(),
		"--pwd", req.GetPwd(),
		"--dry_run", strconv.FormatBool(req.GetDryRun()),
		"--parallel", strconv.Itoa(int(req.GetParallel())),
	}
	if org := req.GetOrganization(); org != "" {
		args = append(args, "--organization", org)
	}
	if info := req.GetInfo(); info != nil && info.GetRootDirectory() != "" {
		args = append(args, "--root_directory", info.GetRootDirectory())
	}
	args = append(args, programPath(req))
	return append(args, req.GetArgs()...)
}

// programPath is the directory (or file) the shim hands to runpy.
func programPath(req *pulumirpc.RunRequest) string {
	info := req.GetInfo()
	if info == nil || info.GetProgramDirectory() == "" {
		if req.GetProgram() != "" { //nolint:staticcheck // fallback for engines without ProgramInfo
			return req.GetProgram() //nolint:staticcheck
		}
		return req.GetPwd()
	}
	entry := info.GetEntryPoint()
	if entry == "" || entry == "." {
		return info.GetProgramDirectory()
	}
	return filepath.Join(info.GetProgramDirectory(), entry)
}

// configEnvironment passes stack config the way the Python SDK reads it (pulumi.runtime.config).
func configEnvironment(req *pulumirpc.RunRequest) ([]string, error) {
	config, err := json.Marshal(req.GetConfig())
	if err != nil {
		return nil, fmt.Errorf("encoding stack config: %w", err)
	}
	keys := req.GetConfigSecretKeys()
	if keys == nil {
		keys = []string{}
	}
	secretKeys, err := json.Marshal(keys)
	if err != nil {
		return nil, fmt.Errorf("encoding secret config keys: %w", err)
	}
	return []string{"PULUMI_CONFIG=" + string(config), "PULUMI_CONFIG_SECRET_KEYS=" + string(secretKeys)}, nil
}

// pythonCommand picks the interpreter: the project's `runtime.options.virtualenv` if set
// (relative to the project root), else $PULUMI_PYTHON_CMD, else python3 on PATH.
func pythonCommand(info *pulumirpc.ProgramInfo) (string, []string, error) {
	env := os.Environ()
	virtualenv := ""
	if info != nil && info.GetOptions() != nil {
		if v, ok := info.GetOptions().AsMap()["virtualenv"].(string); ok {
			virtualenv = v
		}
	}
	if virtualenv == "" {
		if cmd := os.Getenv("PULUMI_PYTHON_CMD"); cmd != "" {
			return cmd, env, nil
		}
		path, err := exec.LookPath("python3")
		if err != nil {
			return "", nil, errors.New("python3 not found on PATH; set runtime.options.virtualenv in Pulumi.yaml")
		}
		return path, env, nil
	}
	if !filepath.IsAbs(virtualenv) && info.GetRootDirectory() != "" {
		virtualenv = filepath.Join(info.GetRootDirectory(), virtualenv)
	}
	python := filepath.Join(virtualenv, "bin", "python")
	if _, err := os.Stat(python); err != nil {
		return "", nil, fmt.Errorf(
			"the virtualenv option in Pulumi.yaml points at %q, which has no bin/python; create it with `make venv`",
			virtualenv)
	}
	return python, activateVirtualenv(env, virtualenv), nil
}

// activateVirtualenv mirrors `source bin/activate`: venv bin first on PATH, no PYTHONHOME.
func activateVirtualenv(env []string, virtualenv string) []string {
	out := make([]string, 0, len(env)+2)
	path := os.Getenv("PATH")
	for _, kv := range env {
		if strings.HasPrefix(kv, "PATH=") || strings.HasPrefix(kv, "PYTHONHOME=") ||
			strings.HasPrefix(kv, "VIRTUAL_ENV=") {
			continue
		}
		out = append(out, kv)
	}
	return append(out,
		"PATH="+filepath.Join(virtualenv, "bin")+string(os.PathListSeparator)+path,
		"VIRTUAL_ENV="+virtualenv)
}

// execShimPath finds pulumi-language-python-exec next to this binary (as upstream requires).
func execShimPath() (string, error) {
	self, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("locating the language host: %w", err)
	}
	shim := filepath.Join(filepath.Dir(self), execShimName)
	if _, err := os.Stat(shim); err != nil {
		return "", fmt.Errorf("missing executor %s next to the language host; rerun scripts/ensure-pulumi.sh", shim)
	}
	return shim, nil
}

// runFailure converts the program's exit status into the engine's error/bail contract.
func runFailure(err error) *pulumirpc.RunResponse {
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		if exitErr.ExitCode() == exitCodeUserActionable {
			return &pulumirpc.RunResponse{Bail: true}
		}
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("Program exited with non-zero exit code: %d", exitErr.ExitCode())}
	}
	return &pulumirpc.RunResponse{Error: fmt.Sprintf("Problem executing program (could not run language executor): %v", err)}
}
