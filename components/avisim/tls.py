"""A local CA and a server certificate for ``--tls``, made once with the openssl CLI and cached
under ``~/.cache/avi-dsr/avisim/tls-v1/`` (clients can verify against ``ca.pem``)."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

CACHE_KEY = "tls-v1"
_SAN = "subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost"


@dataclass(frozen=True)
class TlsFiles:
    ca_cert: Path
    server_cert: Path
    server_key: Path


def default_cert_dir() -> Path:
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "avi-dsr" / "avisim" / CACHE_KEY


def ensure_tls_files(cert_dir: Path | None = None) -> TlsFiles:
    """Reuse the cached CA + server cert, or create them atomically (safe if run concurrently)."""
    target = cert_dir or default_cert_dir()
    files = TlsFiles(target / "ca.pem", target / "server.pem", target / "server.key")
    if all(p.exists() for p in (files.ca_cert, files.server_cert, files.server_key)):
        return files
    if shutil.which("openssl") is None:
        raise RuntimeError("--tls needs the openssl command (apt-get install openssl)")
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".tls-", dir=target.parent))
    try:
        _generate(work)
        with contextlib.suppress(OSError):  # another process won the race: use its files
            work.rename(target)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return files


def _generate(out: Path) -> None:
    os.chmod(out, 0o700)
    ext = out / "server.ext"
    ext.write_text(
        f"{_SAN}\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n"
        "extendedKeyUsage=serverAuth\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n"
    )
    _openssl(
        "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", str(out / "ca.key"), "-out", str(out / "ca.pem"), "-days", "3650",
        "-subj", "/CN=avisim local CA",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign",
    )  # fmt: skip
    _openssl(
        "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", str(out / "server.key"), "-out", str(out / "server.csr"),
        "-subj", "/CN=127.0.0.1",
    )  # fmt: skip
    _openssl(
        "x509", "-req", "-in", str(out / "server.csr"), "-CA", str(out / "ca.pem"),
        "-CAkey", str(out / "ca.key"), "-CAcreateserial", "-out", str(out / "server.pem"),
        "-days", "825", "-extfile", str(ext),
    )  # fmt: skip
    for name in ("ca.key", "server.key"):
        os.chmod(out / name, 0o600)


def _openssl(*args: str) -> None:
    result = subprocess.run(["openssl", *args], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"openssl {args[0]} failed: {result.stderr.strip()}")
