// What a guest configures itself from: guestinfo.metadata, decoded and read as cloud-init's
// VMware datasource and netplan would.
package main

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"fmt"
	"io"
	"net/netip"
	"slices"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/vmware/govmomi/vim25/types"
)

// guestinfoMetadata decodes guestinfo.metadata the way cloud-init's VMware datasource does
// (encodings "gzip+base64"/"gz+b64", "base64"/"b64", or none); nil when the VM has none.
func guestinfoMetadata(extra []types.BaseOptionValue) (map[string]any, error) {
	values := map[string]string{}
	for _, o := range extra {
		if v := o.GetOptionValue(); v != nil {
			if s, ok := v.Value.(string); ok {
				values[v.Key] = s
			}
		}
	}
	raw, ok := values["guestinfo.metadata"]
	if !ok || raw == "" {
		return nil, nil
	}
	data := []byte(raw)
	switch enc := values["guestinfo.metadata.encoding"]; enc {
	case "", "none":
	case "base64", "b64", "gzip+base64", "gz+b64":
		decoded, err := base64.StdEncoding.DecodeString(raw)
		if err != nil {
			return nil, fmt.Errorf("guestinfo.metadata: not base64: %w", err)
		}
		data = decoded
		if strings.HasPrefix(enc, "gz") {
			r, err := gzip.NewReader(bytes.NewReader(decoded))
			if err != nil {
				return nil, fmt.Errorf("guestinfo.metadata: not gzip: %w", err)
			}
			if data, err = io.ReadAll(r); err != nil {
				return nil, fmt.Errorf("guestinfo.metadata: %w", err)
			}
		}
	default:
		return nil, fmt.Errorf("guestinfo.metadata.encoding %q is not one cloud-init knows", enc)
	}
	var meta map[string]any
	if err := yaml.Unmarshal(data, &meta); err != nil {
		return nil, fmt.Errorf("guestinfo.metadata is not YAML/JSON: %w", err)
	}
	return meta, nil
}

type netplanRoute struct {
	to  netip.Prefix
	via netip.Addr
}

type ethernet struct {
	name      string
	mac       string
	addresses []netip.Prefix
	routes    []netplanRoute
	linkLocal bool
}

type netplan struct {
	ethernets []ethernet
	tunnels   []ethernet // same shape: a name and addresses
	dns       []string
	search    []string
}

// netplanOf reads the netplan v2 mapping under metadata "network" (cloud-init passes it through).
func netplanOf(meta map[string]any) (*netplan, error) {
	network, _ := meta["network"].(map[string]any)
	if inner, ok := network["network"].(map[string]any); ok {
		network = inner
	}
	if network == nil {
		return nil, nil
	}
	if v := fmt.Sprint(network["version"]); v != "2" {
		return nil, fmt.Errorf("network config version %s: only netplan v2 is understood", v)
	}
	plan := &netplan{}
	for _, name := range sortedKeys(network["ethernets"]) {
		cfg, _ := network["ethernets"].(map[string]any)[name].(map[string]any)
		e, err := readInterface(name, cfg)
		if err != nil {
			return nil, err
		}
		if match, ok := cfg["match"].(map[string]any); ok {
			e.mac, _ = match["macaddress"].(string)
		}
		e.linkLocal = linkLocalV6(cfg)
		ns, _ := cfg["nameservers"].(map[string]any)
		plan.dns = append(plan.dns, stringList(ns["addresses"])...)
		plan.search = append(plan.search, stringList(ns["search"])...)
		plan.ethernets = append(plan.ethernets, e)
	}
	for _, name := range sortedKeys(network["tunnels"]) {
		cfg, _ := network["tunnels"].(map[string]any)[name].(map[string]any)
		t, err := readInterface(name, cfg)
		if err != nil {
			return nil, err
		}
		plan.tunnels = append(plan.tunnels, t)
	}
	return plan, nil
}

func readInterface(name string, cfg map[string]any) (ethernet, error) {
	e := ethernet{name: name}
	for _, a := range addressList(cfg["addresses"]) {
		p, err := netip.ParsePrefix(a)
		if err != nil {
			return e, fmt.Errorf("%s: address %q: %w", name, a, err)
		}
		e.addresses = append(e.addresses, p)
	}
	routes, _ := cfg["routes"].([]any)
	for _, legacy := range []string{"gateway4", "gateway6"} { // deprecated netplan keys
		if via, ok := cfg[legacy].(string); ok {
			routes = append(routes, map[string]any{"to": "default", "via": via})
		}
	}
	for _, item := range routes {
		r, _ := item.(map[string]any)
		to, _ := r["to"].(string)
		via, _ := r["via"].(string)
		if via == "" {
			continue
		}
		gw, err := netip.ParseAddr(via)
		if err != nil {
			return e, fmt.Errorf("%s: route via %q: %w", name, via, err)
		}
		if to == "default" {
			to = map[bool]string{true: "0.0.0.0/0", false: "::/0"}[gw.Is4()]
		}
		dst, err := netip.ParsePrefix(to)
		if err != nil {
			return e, fmt.Errorf("%s: route to %q: %w", name, to, err)
		}
		e.routes = append(e.routes, netplanRoute{dst, gw})
	}
	return e, nil
}

// addressList reads netplan "addresses": plain strings or single-key mappings with options.
func addressList(v any) []string {
	var out []string
	items, _ := v.([]any)
	for _, item := range items {
		switch a := item.(type) {
		case string:
			out = append(out, a)
		case map[string]any:
			for k := range a {
				out = append(out, k)
			}
		}
	}
	return out
}

// linkLocalV6: netplan's default "link-local" is [ipv6].
func linkLocalV6(cfg map[string]any) bool {
	v, ok := cfg["link-local"]
	if !ok {
		return true
	}
	return slices.Contains(stringList(v), "ipv6")
}

func stringList(v any) []string {
	var out []string
	items, _ := v.([]any)
	for _, item := range items {
		out = append(out, fmt.Sprint(item))
	}
	return out
}

func sortedKeys(v any) []string {
	m, _ := v.(map[string]any)
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
