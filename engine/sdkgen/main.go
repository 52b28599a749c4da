// Command avi-dsr-sdkgen writes the avi-dsr SDK for one language from the package schema.
//
//	avi-dsr-sdkgen -schema schema.json -language nodejs|go|python -out DIR
//
// Why our own tool: `pulumi package gen-sdk` delegates to each language's host plugin, and the
// Go module proxy reachable here serves neither pulumi-language-nodejs nor pulumi-language-go.
// The generators themselves are library code of pkg/v3 (codegen/nodejs, codegen/go), the same
// the language hosts call, so this is their output without the plugin round trip.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/blang/semver"
	gogen "github.com/pulumi/pulumi/pkg/v3/codegen/go"
	"github.com/pulumi/pulumi/pkg/v3/codegen/nodejs"
	"github.com/pulumi/pulumi/pkg/v3/codegen/python"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
)

const tool = "avi-dsr-sdkgen"

// noLoader: the avi-dsr schema refers to no other package.
type noLoader struct{}

var errNoPackages = errors.New("avi-dsr-sdkgen: the schema may not refer to other packages")

func (noLoader) LoadPackage(string, *semver.Version) (*schema.Package, error) {
	return nil, errNoPackages
}

func (noLoader) LoadPackageV2(context.Context, *schema.PackageDescriptor) (*schema.Package, error) {
	return nil, errNoPackages
}

func (noLoader) LoadPackageReference(string, *semver.Version) (schema.PackageReference, error) {
	return nil, errNoPackages
}

func (noLoader) LoadPackageReferenceV2(
	context.Context, *schema.PackageDescriptor,
) (schema.PackageReference, error) {
	return nil, errNoPackages
}

func main() {
	schemaPath := flag.String("schema", "", "package schema (JSON)")
	language := flag.String("language", "", "nodejs, go or python")
	out := flag.String("out", "", "output directory")
	flag.Parse()
	if err := run(*schemaPath, *language, *out); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", tool, err)
		os.Exit(1)
	}
}

func run(schemaPath, language, out string) error {
	if schemaPath == "" || out == "" {
		return errors.New("-schema and -out are required")
	}
	raw, err := os.ReadFile(schemaPath)
	if err != nil {
		return err
	}
	var spec schema.PackageSpec
	if err := json.Unmarshal(raw, &spec); err != nil {
		return fmt.Errorf("%s: %w", schemaPath, err)
	}
	pkg, diags, err := schema.BindSpec(spec, noLoader{}, schema.ValidationOptions{})
	if err != nil {
		return err
	}
	if diags.HasErrors() {
		return diags
	}
	var files map[string][]byte
	switch language {
	case "nodejs":
		files, err = nodejs.GeneratePackage(tool, pkg, nil, nil, false, noLoader{})
	case "go":
		files, err = gogen.GeneratePackage(tool, pkg, nil)
	case "python":
		files, err = python.GeneratePackage(tool, pkg, nil, noLoader{})
	default:
		return fmt.Errorf("unknown language %q (nodejs, go or python)", language)
	}
	if err != nil {
		return err
	}
	for name, data := range files {
		path := filepath.Join(out, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			return err
		}
	}
	return nil
}
