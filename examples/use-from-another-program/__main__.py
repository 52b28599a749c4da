"""One existing Ubuntu server made DSR-ready over SSH, behind one Avi L3 DSR service.

The components take typed args directly, so no avi-dsr stack config is involved. Servers are
built first and handed to the service by name; a server shared by several services is built once
and lists every VIP it serves.
"""

import ipaddress

import pulumi
from avi_dsr import ExistingDsrServer, ExistingDsrServerArgs, L3DsrService, L3DsrServiceArgs
from avi_dsr.avi import AviConnectionArgs
from avi_dsr.config import HealthMonitorConfig, MemberConfig, PortRange, ServiceSpec
from avi_dsr.server import ServerSpec

config = pulumi.Config()
VIP = "203.0.113.20"

app01 = ExistingDsrServer(
    "app01",
    ExistingDsrServerArgs(
        spec=ServerSpec(
            name="app01", ipv4="198.51.100.21/24", gateway4="198.51.100.1", vips4=(VIP,)
        ),
        host="198.51.100.21",
        host_key=config.require("hostKey"),
        private_key=config.require_secret("sshPrivateKey"),
    ),
)

app = L3DsrService(
    "app",
    L3DsrServiceArgs(
        connection=AviConnectionArgs(
            controller=config.require("controller"),
            username="admin",
            password=config.require_secret("controllerPassword"),
        ),
        service=ServiceSpec(
            name="app",
            vip=ipaddress.IPv4Address(VIP),
            ports=(PortRange(8080, 8080),),
            members=(MemberConfig("app01"),),
            health_monitor=HealthMonitorConfig(type="tcp"),
        ),
        servers={"app01": app01},
        controller_url=f"https://{config.require('controller')}",
    ),
)

pulumi.export("vip", app.vip)
pulumi.export("vsUrl", app.vs_url)
pulumi.export("poolMembers", app.pool_members)
