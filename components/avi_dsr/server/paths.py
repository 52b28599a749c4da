"""Where the rendered files live on a server; one place so scripts, cloud-init and tests agree."""

SYSCTL_PATH = (
    "/etc/sysctl.d/99-zz-avi-dsr.conf"  # sorts after 10-network-security, 50-default, 99-sysctl
)
MODULES_LOAD_PATH = "/etc/modules-load.d/avi-dsr.conf"
NETPLAN_PATH = "/etc/netplan/60-avi-dsr.yaml"  # after 50-cloud-init / 00-installer-config
MSS_RULESET_PATH = "/etc/avi-dsr/mss.nft"  # existing servers only: nftables MSS clamp
MSS_UNIT = "avi-dsr-mss.service"
MSS_UNIT_PATH = f"/etc/systemd/system/{MSS_UNIT}"
# existing servers only: the values our sysctl keys had before the first apply, so remove can
# put them back
SYSCTL_STATE_PATH = "/etc/avi-dsr/sysctl-before.conf"
