// The VM's virtual NICs, and how the guest's interfaces map onto them.
package main

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"slices"
	"sort"
	"strings"

	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

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
