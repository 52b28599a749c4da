"""A bounded "does this host speak SSH?" check, rendered as a small Python program.

Why: pulumi-command bounds only the TCP connect of each SSH dial (``perDialTimeout`` becomes
``ssh.ClientConfig.Timeout``); the SSH handshake that follows has no deadline, so a host that
accepts the connection and never sends its banner (a hung sshd, a firewall that proxies the port,
the wrong service) holds ``pulumi up`` forever, whatever ``dialErrorLimit`` says. Running this
check as a ``local.Command`` right before the ``remote.Command`` needs turns that hang into an
error that names the server and says how long was waited. It needs only ``python3`` on the
machine that runs Pulumi, which a Python program has anyway.
"""

from __future__ import annotations

INTERPRETER = ["python3", "-c"]

_PROGRAM = """\
import socket, sys, time
name, host, port, seconds, attempts = {name!r}, {host!r}, {port!r}, {seconds!r}, {attempts!r}
where = f"avi-dsr: server {{name}}: SSH at {{host}}:{{port}}"
problem = ""
for attempt in range(1, attempts + 1):
    deadline = time.monotonic() + seconds
    try:
        with socket.create_connection((host, port), timeout=seconds) as conn:
            lines, line = conn.makefile("rb"), b""
            while not line.startswith(b"SSH-"):  # RFC 4253 4.2: other lines may come first
                conn.settimeout(max(deadline - time.monotonic(), 0.001))
                line = lines.readline(256)
                if not line:
                    break
        if line.startswith(b"SSH-"):
            sys.exit(0)
        problem = "closed the connection without an SSH banner"
    except TimeoutError:
        problem = f"sent no SSH banner: timed out after {{seconds}} s"
    except OSError as err:
        problem = f"is not reachable: {{err.strerror or err}}"
    if attempt < attempts:
        print(f"{{where}} {{problem}} (attempt {{attempt}} of {{attempts}})", file=sys.stderr)
        time.sleep(1)
sys.exit(f"{{where}} {{problem}}")
"""


def render_ssh_probe(*, name: str, host: str, port: int, seconds: int, attempts: int) -> str:
    """Python source that exits 0 once ``host:port`` sends an SSH banner, else names the problem.

    Each attempt waits at most ``seconds`` for the connection and the banner together.
    """
    return _PROGRAM.format(name=name, host=host, port=port, seconds=seconds, attempts=attempts)
