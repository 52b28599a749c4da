// Command pulumi-resource-command is a small stand-in for pulumi-command's provider
// (resource types command:remote:Command and command:local:Command).
//
// Why it exists: the upstream provider module (github.com/pulumi/pulumi-command/provider) is
// not served by the Go module proxy reachable from this project, yet the existing-server path
// of avi-dsr uses pulumi_command 1.2.1 from PyPI. This binary speaks the same wire contract
// (type tokens, input and output property names, replace-on-triggers) for the subset avi-dsr
// and its tests need: run create/update/delete over SSH (or locally), capture stdout/stderr,
// keep the connection secret. Not supported: CopyToRemote/CopyFile, local.run, proxy jumps,
// streaming command output to the engine while it runs.
package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
)

// version is set at link time (-X main.version=1.2.1) to the pulumi_command SDK version, so
// the engine matches this plugin to the default provider the Python SDK asks for.
var version = "1.2.1"

func main() {
	if len(os.Args) > 1 && os.Args[1] == "--version" {
		fmt.Println(version)
		return
	}
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterResourceProviderServer(srv, &provider{})
			return nil
		},
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-resource-command: %v\n", err)
		os.Exit(1)
	}
	// The engine reads the port from our first line of stdout.
	fmt.Printf("%d\n", handle.Port)
	if err := <-handle.Done; err != nil && !strings.Contains(err.Error(), "closed") {
		fmt.Fprintf(os.Stderr, "pulumi-resource-command: %v\n", err)
		os.Exit(1)
	}
}
