package main

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

const (
	remoteCommandType = "command:remote:Command"
	localCommandType  = "command:local:Command"
)

// commandSpec is a resource's inputs, decoded (secrets unwrapped) for execution.
type commandSpec struct {
	Create, Update, Delete string
	Environment            map[string]string
	Stdin                  string
	AddPreviousOutput      bool
	Dir                    string   // local only
	Interpreter            []string // local only
	Connection             *connection
}

// connection mirrors pulumi_command.remote.ConnectionArgs (wire names are camelCase).
type connection struct {
	Host, User, Password, PrivateKey, PrivateKeyPassword, AgentSocketPath, HostKey string
	Port                                                                           int
	DialErrorLimit                                                                 int
	PerDialTimeout                                                                 time.Duration
}

// plain strips secret wrappers recursively so values can be used and compared.
func plain(v resource.PropertyValue) resource.PropertyValue {
	switch {
	case v.IsSecret():
		return plain(v.SecretValue().Element)
	case v.IsObject():
		out := resource.PropertyMap{}
		for k, e := range v.ObjectValue() {
			out[k] = plain(e)
		}
		return resource.NewProperty(out)
	case v.IsArray():
		arr := v.ArrayValue()
		out := make([]resource.PropertyValue, len(arr))
		for i, e := range arr {
			out[i] = plain(e)
		}
		return resource.NewProperty(out)
	}
	return v
}

func stringProp(m resource.PropertyMap, key string) string {
	v, ok := m[resource.PropertyKey(key)]
	if !ok {
		return ""
	}
	if v = plain(v); v.IsString() {
		return v.StringValue()
	}
	return ""
}

func numberProp(m resource.PropertyMap, key string, fallback int) int {
	if v, ok := m[resource.PropertyKey(key)]; ok {
		if v = plain(v); v.IsNumber() {
			return int(v.NumberValue())
		}
	}
	return fallback
}

func decodeSpec(resourceType string, m resource.PropertyMap) (*commandSpec, error) {
	spec := &commandSpec{
		Create:            stringProp(m, "create"),
		Update:            stringProp(m, "update"),
		Delete:            stringProp(m, "delete"),
		Stdin:             stringProp(m, "stdin"),
		Dir:               stringProp(m, "dir"),
		AddPreviousOutput: true,
		Environment:       map[string]string{},
	}
	if v, ok := m["addPreviousOutputInEnv"]; ok && plain(v).IsBool() {
		spec.AddPreviousOutput = plain(v).BoolValue()
	}
	if v, ok := m["environment"]; ok && plain(v).IsObject() {
		for k, e := range plain(v).ObjectValue() {
			if e.IsString() {
				spec.Environment[string(k)] = e.StringValue()
			}
		}
	}
	if v, ok := m["interpreter"]; ok && plain(v).IsArray() {
		for _, e := range plain(v).ArrayValue() {
			if e.IsString() {
				spec.Interpreter = append(spec.Interpreter, e.StringValue())
			}
		}
	}
	if resourceType != remoteCommandType {
		return spec, nil
	}
	raw, ok := m["connection"]
	if !ok || !plain(raw).IsObject() {
		return nil, fmt.Errorf("%s: connection is required (host, user and a privateKey or password)", resourceType)
	}
	c := plain(raw).ObjectValue()
	spec.Connection = &connection{
		Host:               stringProp(c, "host"),
		User:               stringProp(c, "user"),
		Password:           stringProp(c, "password"),
		PrivateKey:         stringProp(c, "privateKey"),
		PrivateKeyPassword: stringProp(c, "privateKeyPassword"),
		AgentSocketPath:    stringProp(c, "agentSocketPath"),
		HostKey:            stringProp(c, "hostKey"),
		Port:               numberProp(c, "port", 22),
		DialErrorLimit:     numberProp(c, "dialErrorLimit", 10),
		PerDialTimeout:     time.Duration(numberProp(c, "perDialTimeout", 15)) * time.Second,
	}
	if spec.Connection.User == "" {
		spec.Connection.User = "root"
	}
	if spec.Connection.Host == "" {
		return nil, fmt.Errorf("%s: connection.host is required", resourceType)
	}
	return spec, nil
}

// envExports renders environment variables as a shell prefix. Setting them through the SSH
// "env" request would need AcceptEnv on every server, so they travel inside the command.
func envExports(env map[string]string) string {
	keys := make([]string, 0, len(env))
	for k := range env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "export %s=%s; ", k, shellQuote(env[k]))
	}
	return b.String()
}

func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'"'"'`) + "'"
}
