// Command vcsim-guest plays VMware Tools for the VMs of a vcsim (govmomi's vCenter simulator).
//
// Why: vcsim powers cloned VMs on but runs no guest, so it never reports a guest network, and
// the vSphere provider's wait_for_guest_net (which reads guest.net[].ipConfig and guest.ipStack)
// would wait forever. A real guest configures itself from what vCenter hands it: cloud-init reads
// guestinfo.metadata (the netplan under "network", and "local-hostname"), netplan brings the
// interfaces up, and Tools reports them. This hook does exactly that and no more: it reads only
// the VM's own guestinfo and hardware (its NICs' MAC addresses and port groups), never the config
// of the program that made the VM, and publishes what Tools would publish, through the simulator's
// documented "SET.<property>" extraConfig keys. A guest whose netplan has no static address
// (DHCP only, or no guestinfo at all) reports nothing, like a real guest with no DHCP server.
//
// It also fills one vCenter default vcsim leaves empty: config.swapPlacement ("inherit", the value
// vCenter reports for a VM created without one; vSphere API VirtualMachineConfigInfo.swapPlacement).
// Without it the provider sees a perpetual swapPlacementPolicy diff.
//
// The vcsim URL (with credentials) comes from GOVC_URL, never from the command line.
package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/netip"
	"net/url"
	"os"
	"os/signal"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/vmware/govmomi"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/property"
	govtask "github.com/vmware/govmomi/task"
	"github.com/vmware/govmomi/view"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

// options are the guest behaviours a test can ask for.
type options struct {
	bootDelay   time.Duration  // time from power-on until the guest's network is up
	reportEvery time.Duration  // Tools re-reports the guest network this often (0: once)
	poll        time.Duration  // how often the inventory is scanned
	silent      *regexp.Regexp // VMs whose guest runs no Tools: they never report anything
	vipFirst    bool           // list tunnel interfaces (which hold the VIPs) before the NICs
}

func main() {
	opts := options{}
	silent := flag.String("silent", "", "regexp of VM names whose guest never reports (no Tools)")
	flag.DurationVar(&opts.bootDelay, "boot-delay", time.Second, "power-on to network-up delay")
	flag.DurationVar(&opts.reportEvery, "report-every", 5*time.Second, "Tools re-report interval (0: report once)")
	flag.DurationVar(&opts.poll, "poll", 250*time.Millisecond, "inventory scan interval")
	flag.BoolVar(&opts.vipFirst, "vip-first", false, "report tunnel interfaces (the VIPs) before the NICs")
	flag.Parse()
	if *silent != "" {
		re, err := regexp.Compile(*silent)
		if err != nil {
			log.Fatalf("vcsim-guest: -silent: %v", err)
		}
		opts.silent = re
	}
	raw := os.Getenv("GOVC_URL")
	if raw == "" {
		log.Fatal("vcsim-guest: GOVC_URL is not set (the vcsim URL with credentials)")
	}
	u, err := url.Parse(raw)
	if err != nil {
		log.Fatalf("vcsim-guest: GOVC_URL: %v", err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	// vcsim's certificate is its own self-signed one; this process only ever talks to it.
	client, err := govmomi.NewClient(ctx, u, true)
	if err != nil {
		log.Fatalf("vcsim-guest: cannot log in to %s: %v", u.Redacted(), err)
	}
	log.SetFlags(log.Ltime)
	log.Printf("vcsim-guest: watching %s", u.Host)
	collector, err := property.DefaultCollector(client.Client).Create(ctx)
	if err != nil {
		log.Fatalf("vcsim-guest: %v", err)
	}
	(&hook{client: client, collector: collector, opts: opts, guests: map[string]*guest{}}).run(ctx)
}

// guest is what the hook remembers about one VM between scans.
type guest struct {
	poweredOnAt time.Time
	reportedAt  time.Time
	reported    string // digest of the last report, "" if none
}

type hook struct {
	client *govmomi.Client
	// The hook waits for its tasks on a PropertyCollector of its own: vcsim v0.56.0 registers the
	// update handler of every session's default collector ("propertyCollector") under that one
	// name, so a wait on ours would steal the updates of a provider waiting on its own.
	collector *property.Collector
	opts      options
	guests    map[string]*guest // by VM moref
	names     map[string]string // network moref -> name
}

func (h *hook) run(ctx context.Context) {
	ticker := time.NewTicker(h.opts.poll)
	defer ticker.Stop()
	for {
		if err := h.scan(ctx); err != nil && ctx.Err() == nil {
			log.Printf("vcsim-guest: scan: %v", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
	}
}

var vmProps = []string{
	"name", "config.template", "config.extraConfig", "config.hardware.device",
	"config.swapPlacement", "runtime.powerState",
}

func (h *hook) scan(ctx context.Context) error {
	m := view.NewManager(h.client.Client)
	v, err := m.CreateContainerView(ctx, h.client.ServiceContent.RootFolder, []string{"VirtualMachine"}, true)
	if err != nil {
		return err
	}
	defer func() { _ = v.Destroy(context.Background()) }()
	var vms []mo.VirtualMachine
	if err := v.Retrieve(ctx, []string{"VirtualMachine"}, vmProps, &vms); err != nil {
		return err
	}
	seen := map[string]bool{}
	for i := range vms {
		vm := &vms[i]
		if vm.Config == nil || vm.Config.Template {
			continue
		}
		id := vm.Self.Value
		seen[id] = true
		if err := h.visit(ctx, vm); err != nil {
			log.Printf("vcsim-guest: %s: %v", vm.Name, err)
		}
	}
	for id := range h.guests {
		if !seen[id] {
			delete(h.guests, id)
		}
	}
	return nil
}

func (h *hook) visit(ctx context.Context, vm *mo.VirtualMachine) error {
	var set []types.BaseOptionValue
	if vm.Config.SwapPlacement == "" {
		set = append(set, setting("config.swapPlacement", string(types.VirtualMachineConfigInfoSwapPlacementTypeInherit)))
	}
	g := h.guests[vm.Self.Value]
	if g == nil {
		g = &guest{}
		h.guests[vm.Self.Value] = g
	}
	now := time.Now()
	on := vm.Runtime.PowerState == types.VirtualMachinePowerStatePoweredOn
	switch {
	case !on:
		// A guest that is down reports nothing. (vCenter would also clear guest.net; nothing
		// reads it from a VM that is off, and writing it would race the Destroy_Task that
		// usually follows a power-off.)
		*g = guest{}
	case h.opts.silent != nil && h.opts.silent.MatchString(vm.Name):
		// no Tools in this guest: nothing to report, ever
	case g.poweredOnAt.IsZero():
		g.poweredOnAt = now
	case now.Sub(g.poweredOnAt) < h.opts.bootDelay:
		// still booting
	default:
		due := g.reported == "" || (h.opts.reportEvery > 0 && now.Sub(g.reportedAt) >= h.opts.reportEvery)
		if !due {
			break
		}
		report, summary, err := h.report(ctx, vm)
		if err != nil {
			return err
		}
		if report == nil {
			break // nothing configured statically: a real guest would report nothing either
		}
		digest := digestOf(summary)
		if digest != g.reported {
			log.Printf("vcsim-guest: %s: %s", vm.Name, summary)
		}
		set = append(set, report...)
		g.reported, g.reportedAt = digest, now
	}
	if len(set) == 0 {
		return nil
	}
	task, err := object.NewVirtualMachine(h.client.Client, vm.Self).Reconfigure(ctx, types.VirtualMachineConfigSpec{ExtraConfig: set})
	if err != nil {
		return err
	}
	_, err = govtask.WaitEx(ctx, task.Reference(), h.collector, nil)
	return err
}

func setting(property string, value any) types.BaseOptionValue {
	return &types.OptionValue{Key: "SET." + property, Value: value}
}

func digestOf(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:8])
}

// report builds the Tools report from the VM's guestinfo. The order matters to the vSphere
// provider's waiter, which reads the default gateway from guest.ipStack while it walks guest.net:
// like a guest whose routes are up before Tools lists its addresses, ipStack comes first.
func (h *hook) report(ctx context.Context, vm *mo.VirtualMachine) ([]types.BaseOptionValue, string, error) {
	meta, err := guestinfoMetadata(vm.Config.ExtraConfig)
	if err != nil || meta == nil {
		return nil, "", err
	}
	plan, err := netplanOf(meta)
	if err != nil || plan == nil {
		return nil, "", err
	}
	nics, err := h.nics(ctx, vm)
	if err != nil {
		return nil, "", err
	}
	ifaces := plan.interfaces(nics)
	if !hasAddress(ifaces) {
		return nil, "", nil
	}
	if h.opts.vipFirst { // software interfaces (the tunnels) first, then the NICs
		slices.SortStableFunc(ifaces, func(a, b iface) int { return boolCmp(a.nic != nil, b.nic != nil) })
	}
	hostname, _ := meta["local-hostname"].(string)
	var netInfo []types.GuestNicInfo
	var routes []types.NetIpRouteConfigInfoIpRoute
	var summary []string
	for index, i := range ifaces {
		info := types.GuestNicInfo{Connected: true, DeviceConfigId: -1, IpConfig: &types.NetIpConfigInfo{}}
		if i.nic != nil {
			info.DeviceConfigId, info.MacAddress, info.Network = i.nic.key, i.nic.mac, i.nic.network
		}
		for _, p := range i.addresses {
			info.IpAddress = append(info.IpAddress, p.Addr().String())
			info.IpConfig.IpAddress = append(info.IpConfig.IpAddress, types.NetIpConfigInfoIpAddress{
				IpAddress: p.Addr().String(), PrefixLength: int32(p.Bits()), State: "preferred",
			})
			summary = append(summary, fmt.Sprintf("%s (%s)", p, i.name))
			if !p.Addr().IsLinkLocalUnicast() && p.Bits() < p.Addr().BitLen() {
				routes = append(routes, route(p.Masked(), "", index))
			}
		}
		for _, r := range i.routes {
			routes = append(routes, route(r.to, r.via.String(), index))
		}
		netInfo = append(netInfo, info)
	}
	stack := types.GuestStackInfo{
		DnsConfig:     &types.NetDnsConfigInfo{HostName: hostname, IpAddress: plan.dns, SearchDomain: plan.search},
		IpRouteConfig: &types.NetIpRouteConfigInfo{IpRoute: routes},
	}
	set := []types.BaseOptionValue{
		setting("guest.toolsRunningStatus", string(types.VirtualMachineToolsRunningStatusGuestToolsRunning)),
		setting("guest.ipStack", types.ArrayOfGuestStackInfo{GuestStackInfo: []types.GuestStackInfo{stack}}),
	}
	if hostname != "" {
		set = append(set, setting("guest.hostName", hostname))
	}
	if primary := primaryAddress(ifaces); primary != "" {
		// before guest.net: vcsim copies ipAddress into the first NIC's flat list
		set = append(set, setting("guest.ipAddress", primary))
	}
	set = append(set, setting("guest.net", types.ArrayOfGuestNicInfo{GuestNicInfo: netInfo}))
	return set, fmt.Sprintf("hostname %q, %s", hostname, strings.Join(summary, ", ")), nil
}

// boolCmp orders false before true.
func boolCmp(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	default:
		return -1
	}
}

func route(to netip.Prefix, via string, device int) types.NetIpRouteConfigInfoIpRoute {
	return types.NetIpRouteConfigInfoIpRoute{
		Network:      to.Addr().String(),
		PrefixLength: int32(to.Bits()),
		Gateway:      types.NetIpRouteConfigInfoGateway{IpAddress: via, Device: strconv.Itoa(device)},
	}
}

func hasAddress(ifaces []iface) bool {
	for _, i := range ifaces {
		for _, p := range i.addresses {
			if !p.Addr().IsLinkLocalUnicast() {
				return true
			}
		}
	}
	return false
}

// primaryAddress is what Tools shows as the guest's IP: the first IPv4 it lists, else the first
// global IPv6.
func primaryAddress(ifaces []iface) string {
	var v6 string
	for _, i := range ifaces {
		for _, p := range i.addresses {
			switch {
			case p.Addr().Is4():
				return p.Addr().String()
			case v6 == "" && !p.Addr().IsLinkLocalUnicast():
				v6 = p.Addr().String()
			}
		}
	}
	return v6
}

// ------------------------------------------------------------------ guestinfo and netplan

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
		plan.dns = append(plan.dns, strings_(ns["addresses"])...)
		plan.search = append(plan.search, strings_(ns["search"])...)
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
	return slices.Contains(strings_(v), "ipv6")
}

func strings_(v any) []string {
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

// ------------------------------------------------------------------ virtual hardware

type nic struct {
	key     int32
	mac     string
	network string
}

// iface is one guest interface as Tools sees it: a vNIC (nic set) or a software device.
type iface struct {
	name      string
	nic       *nic
	addresses []netip.Prefix
	routes    []netplanRoute
}

func (h *hook) nics(ctx context.Context, vm *mo.VirtualMachine) ([]nic, error) {
	var out []nic
	for _, d := range vm.Config.Hardware.Device {
		card, ok := d.(types.BaseVirtualEthernetCard)
		if !ok {
			continue
		}
		c := card.GetVirtualEthernetCard()
		n := nic{key: c.Key, mac: strings.ToLower(c.MacAddress)}
		switch b := c.Backing.(type) {
		case *types.VirtualEthernetCardNetworkBackingInfo:
			n.network = b.DeviceName
		case *types.VirtualEthernetCardDistributedVirtualPortBackingInfo:
			name, err := h.networkName(ctx, b.Port.PortgroupKey)
			if err != nil {
				return nil, err
			}
			n.network = name
		}
		out = append(out, n)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].key < out[j].key })
	return out, nil
}

func (h *hook) networkName(ctx context.Context, portgroupKey string) (string, error) {
	if name, ok := h.names[portgroupKey]; ok {
		return name, nil
	}
	var pg mo.DistributedVirtualPortgroup
	ref := types.ManagedObjectReference{Type: "DistributedVirtualPortgroup", Value: portgroupKey}
	if err := h.client.PropertyCollector().RetrieveOne(ctx, ref, []string{"name"}, &pg); err != nil {
		return "", err
	}
	if h.names == nil {
		h.names = map[string]string{}
	}
	h.names[portgroupKey] = pg.Name
	return pg.Name, nil
}

// interfaces pairs netplan ethernets with vNICs (by match.macaddress, else in order, as Ubuntu
// names its first vmxnet3 NIC ens192) and adds the tunnels; a vNIC gets its EUI-64 link-local
// address when netplan leaves IPv6 link-local on (its default).
func (p *netplan) interfaces(nics []nic) []iface {
	var out []iface
	free := slices.Clone(nics)
	take := func(mac string) *nic {
		for i, n := range free {
			if mac == "" || strings.EqualFold(n.mac, mac) {
				free = slices.Delete(free, i, i+1)
				return &n
			}
		}
		return nil
	}
	for _, e := range p.ethernets {
		n := take(e.mac)
		if n == nil {
			continue // no such device in this VM: netplan leaves it unconfigured
		}
		addrs := slices.Clone(e.addresses)
		if e.linkLocal {
			if ll, err := eui64LinkLocal(n.mac); err == nil {
				addrs = append(addrs, ll)
			}
		}
		out = append(out, iface{name: e.name, nic: n, addresses: addrs, routes: e.routes})
	}
	for _, t := range p.tunnels {
		out = append(out, iface{name: t.name, addresses: t.addresses, routes: t.routes})
	}
	return out
}

func eui64LinkLocal(mac string) (netip.Prefix, error) {
	hw, err := net.ParseMAC(mac)
	if err != nil || len(hw) != 6 {
		return netip.Prefix{}, errors.New("not a 48-bit MAC")
	}
	var a [16]byte
	a[0], a[1] = 0xfe, 0x80
	copy(a[8:], []byte{hw[0] ^ 0x02, hw[1], hw[2], 0xff, 0xfe, hw[3], hw[4], hw[5]})
	return netip.PrefixFrom(netip.AddrFrom16(a), 64), nil
}
