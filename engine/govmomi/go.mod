// Builds VMware's vcsim and govc (govmomi v0.56.0) and our vcsim-guest hook. The vcsim and govc
// main packages are separate, unpublished modules upstream, so their main.go files come from
// <project root>/../shared/third_party/govmomi-cmd, laid over ./vcsim and ./govc at build time
// (go build -overlay, see scripts/ensure-pulumi.sh); everything else is govmomi from the proxy.
// `go mod tidy` takes no -overlay: tidy in a scratch copy holding those two main.go files (their
// imports, e.g. google/uuid, would otherwise be dropped), then bring go.mod and go.sum back.
module avi-dsr.local/engine/govmomi

go 1.25.0

require (
	github.com/google/uuid v1.6.0
	github.com/vmware/govmomi v0.56.0
	gopkg.in/yaml.v3 v3.0.1
)

require (
	github.com/a8m/tree v0.0.0-20240104212747-2c8764a5f17e // indirect
	github.com/dougm/pretty v0.0.0-20160325215624-add1dbc86daf // indirect
	github.com/kr/text v0.2.0 // indirect
	github.com/rogpeppe/go-internal v1.16.0 // indirect
	github.com/xlab/treeprint v1.2.0 // indirect
	golang.org/x/text v0.41.0 // indirect
)
