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
	"context"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"log"
	"net/netip"
	"net/url"
	"os"
	"os/signal"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

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
