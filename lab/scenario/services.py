"""The services a lab server runs: HTTP on [::]:80 (GET /whoami, GET /blob, POST /upload) and a
DNS-style UDP responder on VIP:53.
Usage: python3 services.py NAME BLOB VIP4 VIP6 PORT UDP_PORT READY_FILE

The UDP sockets bind to the VIPs themselves (IP_FREEBIND, so a server without its VIP still
starts): a UDP reply takes its source from the bound address, and DSR needs that to be the VIP.
"""

from __future__ import annotations

import socket
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

IP_FREEBIND = 15
IPV6_FREEBIND = 78


def make_handler(name: str, blob: bytes):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _reply(self, body: bytes) -> None:
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("X-Served-By", name)
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            if self.path == "/whoami":
                self._reply(name.encode() + b"\n")
            elif self.path == "/blob":
                self._reply(blob)
            else:
                self.send_error(404)

        def do_POST(self):
            length = int(self.headers.get("Content-Length", "0"))
            remaining = length
            while remaining:
                chunk = self.rfile.read(min(remaining, 65536))
                if not chunk:
                    break
                remaining -= len(chunk)
            self._reply(f"{name} received {length - remaining}\n".encode())

    return Handler


class DualStackServer(ThreadingHTTPServer):
    address_family = socket.AF_INET6
    daemon_threads = True

    def server_bind(self):
        self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        super().server_bind()


def udp_responder(name: str, family: int, vip: str, port: int) -> socket.socket:
    sock = socket.socket(family, socket.SOCK_DGRAM)
    if family == socket.AF_INET:
        sock.setsockopt(socket.IPPROTO_IP, IP_FREEBIND, 1)
    else:
        sock.setsockopt(socket.IPPROTO_IPV6, IPV6_FREEBIND, 1)
    sock.bind((vip, port))

    def serve() -> None:
        while True:
            query, peer = sock.recvfrom(512)
            # DNS-style: the 2-byte query id comes back first, then the answer
            sock.sendto(query[:2] + b" " + name.encode(), peer)

    threading.Thread(target=serve, daemon=True).start()
    return sock


def main(argv: list[str]) -> None:
    name, blob_path, vip4, vip6, port, udp_port, ready = argv
    blob = Path(blob_path).read_bytes()
    httpd = DualStackServer(("::", int(port)), make_handler(name, blob))
    udp_responder(name, socket.AF_INET, vip4, int(udp_port))
    if vip6:
        udp_responder(name, socket.AF_INET6, vip6, int(udp_port))
    Path(ready).write_text("ready\n")
    httpd.serve_forever()


if __name__ == "__main__":
    main(sys.argv[1:])
