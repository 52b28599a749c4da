"""Small packet tools run inside namespaces:
  python3 probes.py arp-who-has DEV TARGET_IP SENDER_IP     one ARP request on DEV
  python3 probes.py ns DEV TARGET_IP6                        one Neighbour Solicitation for TARGET
  python3 probes.py udp HOST PORT COUNT                      DNS-style queries; JSON out
The UDP client connects its socket, so the kernel accepts only replies whose source is HOST:PORT:
a received answer proves the reply came from the VIP."""

from __future__ import annotations

import ipaddress
import json
import socket
import struct
import sys
from pathlib import Path


def arp_who_has(dev: str, target: str, sender: str) -> None:
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    sock.bind((dev, 0))
    mac = sock.getsockname()[4]
    arp = struct.pack(
        "!HHBBH6s4s6s4s",
        1,
        0x0800,
        6,
        4,
        1,
        mac,
        socket.inet_aton(sender),
        b"\0" * 6,
        socket.inet_aton(target),
    )
    sock.send(b"\xff" * 6 + mac + b"\x08\x06" + arp)


def neighbour_solicit(dev: str, target: str) -> None:
    addr = ipaddress.IPv6Address(target)
    group = f"ff02::1:ff{addr.packed[13]:02x}:{addr.packed[14]:02x}{addr.packed[15]:02x}"
    mac = Path(f"/sys/class/net/{dev}/address").read_text().strip()
    option = struct.pack("!BB6s", 1, 1, bytes.fromhex(mac.replace(":", "")))
    message = struct.pack("!BBHI16s", 135, 0, 0, 0, addr.packed) + option
    sock = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
    sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 255)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, dev.encode())
    sock.sendto(message, (group, 0, 0, socket.if_nametoindex(dev)))


def udp_queries(host: str, port: int, count: int) -> list[dict]:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    answers = []
    for query_id in range(1, count + 1):
        sock = socket.socket(family, socket.SOCK_DGRAM)
        sock.settimeout(3)
        sock.connect((host, port))
        sock.send(struct.pack("!H", query_id) + b" lab.example A?")
        try:
            data, peer = sock.recvfrom(512)
            answers.append(
                {
                    "id": query_id,
                    "ok": data[:2] == struct.pack("!H", query_id),
                    "server": data[3:].decode(),
                    "from": f"{peer[0]}:{peer[1]}",
                }
            )
        except TimeoutError:
            answers.append({"id": query_id, "ok": False, "server": None, "from": None})
        finally:
            sock.close()
    return answers


def main(argv: list[str]) -> None:
    if argv[0] == "arp-who-has":
        arp_who_has(argv[1], argv[2], argv[3])
    elif argv[0] == "ns":
        neighbour_solicit(argv[1], argv[2])
    elif argv[0] == "udp":
        print(json.dumps(udp_queries(argv[1], int(argv[2]), int(argv[3]))))
    else:
        raise SystemExit(f"unknown probe {argv[0]!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
