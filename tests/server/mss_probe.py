"""Run inside a throwaway network namespace: which MSS does a listener's SYN-ACK carry?

Each argument is `LISTEN@FROM`: a listener bound to LISTEN and a client bound to FROM (both must
already be on `lo`) connect, and the JSON printed maps each argument to {"wire": the MSS option
seen on the wire in the SYN-ACK, "client": the client socket's TCP_MAXSEG}. Distinct addresses
tell a rule on the SYN-ACK's source apart from one on its destination. The wire value comes from
an AF_PACKET capture on `lo` (what tcpdump would show): the packet after every output hook.
"""

from __future__ import annotations

import ipaddress
import json
import socket
import struct
import sys

ETH_P_ALL = 0x0003
ETH_HEADER = 14
ETHERTYPE_IPV4 = 0x0800
ETHERTYPE_IPV6 = 0x86DD
TCP = 6
SYN, ACK = 0x02, 0x10
MSS_OPTION = 2
END_OPTION, NOP_OPTION = 0, 1


def syn_ack_mss(frame: bytes, source: str, port: int) -> int | None:
    """The MSS option of `frame` if it is a TCP SYN-ACK from source:port, else None."""
    ethertype = struct.unpack_from("!H", frame, 12)[0]
    packet = frame[ETH_HEADER:]
    if ethertype == ETHERTYPE_IPV4 and packet[9] == TCP:
        sender = ipaddress.IPv4Address(packet[12:16])
        segment = packet[(packet[0] & 0x0F) * 4 :]
    elif ethertype == ETHERTYPE_IPV6 and packet[6] == TCP:  # no extension headers on lo
        sender = ipaddress.IPv6Address(packet[8:24])
        segment = packet[40:]
    else:
        return None
    sport = struct.unpack_from("!H", segment, 0)[0]
    flags = segment[13]
    if sender != ipaddress.ip_address(source) or sport != port or flags & (SYN | ACK) != SYN | ACK:
        return None
    return _mss_option(segment[20 : (segment[12] >> 4) * 4])


def _mss_option(options: bytes) -> int | None:
    index = 0
    while index < len(options):
        kind = options[index]
        if kind == END_OPTION:
            return None
        if kind == NOP_OPTION:
            index += 1
            continue
        length = options[index + 1]
        if kind == MSS_OPTION and length == 4:
            return struct.unpack_from("!H", options, index + 2)[0]
        index += max(length, 2)
    return None


def measure(address: str, source: str) -> dict[str, int | None]:
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    capture = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    capture.bind(("lo", 0))
    capture.settimeout(2.0)
    with capture, socket.socket(family, socket.SOCK_STREAM) as listener:
        listener.bind((address, 0))
        listener.listen(1)
        port = listener.getsockname()[1]
        with socket.socket(family, socket.SOCK_STREAM) as client:
            client.bind((source, 0))
            client.connect((address, port))
            accepted, _ = listener.accept()
            accepted.close()
            client_mss = client.getsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG)
        wire = None
        while wire is None:
            wire = syn_ack_mss(capture.recv(65536), address, port)  # socket.timeout if never
    return {"wire": wire, "client": client_mss}


if __name__ == "__main__":
    pairs = [argument.split("@") for argument in sys.argv[1:]]
    print(json.dumps({f"{listen}@{source}": measure(listen, source) for listen, source in pairs}))
