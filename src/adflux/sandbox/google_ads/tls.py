"""TLS material for the gRPC endpoint: a trustme CA and a localhost certificate in the state dir.

GoogleAdsClient always opens a TLS channel, so the sandbox must speak TLS for the adapter to run
unchanged; clients trust it through GRPC_DEFAULT_SSL_ROOTS_FILE_PATH=<state_dir>/google-ads-ca.pem.
gRPC core reads that file once per process, so one process must keep one CA: the first CA made or
loaded here is reused by every later sandbox in the same process (tests start several).
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

import trustme

CA_FILE = "google-ads-ca.pem"
CA_KEY_FILE = "google-ads-ca-key.pem"
IDENTITIES = ("localhost", "127.0.0.1", "::1")

_process_ca: trustme.CA | None = None
_process_dir: Path | None = None
_lock = threading.Lock()


@dataclass(frozen=True)
class TlsFiles:
    """Where the CA certificate lives (for clients) and the server's own key pair (PEM bytes)."""

    ca_path: Path
    cert_chain_pem: bytes
    private_key_pem: bytes


def _load_or_make_ca(state_dir: Path) -> trustme.CA:
    global _process_ca
    with _lock:
        if _process_ca is None:
            ca_path, key_path = state_dir / CA_FILE, state_dir / CA_KEY_FILE
            if ca_path.exists() and key_path.exists():
                # A restarted sandbox keeps its CA, so clients started earlier still trust it.
                _process_ca = trustme.CA.from_pem(ca_path.read_bytes(), key_path.read_bytes())
            else:
                _process_ca = trustme.CA(organization_name="AdFlux sandbox")
        return _process_ca


def process_tls_dir() -> Path:
    """A directory for sandboxes without a state dir: one per process, so the CA path is stable."""
    global _process_dir
    with _lock:
        if _process_dir is None:
            _process_dir = Path(tempfile.mkdtemp(prefix="adflux-sandbox-tls-"))
            atexit.register(shutil.rmtree, _process_dir, True)
        return _process_dir


def ensure_tls(state_dir: Path) -> TlsFiles:
    """Write the CA to `state_dir` (reusing an existing one) and issue a localhost certificate."""
    state_dir.mkdir(parents=True, exist_ok=True)
    ca = _load_or_make_ca(state_dir)
    ca_path = state_dir / CA_FILE
    ca.cert_pem.write_to_path(str(ca_path))
    key_path = state_dir / CA_KEY_FILE
    ca.private_key_pem.write_to_path(str(key_path))
    key_path.chmod(0o600)
    leaf = ca.issue_cert(*IDENTITIES)
    chain = b"".join(blob.bytes() for blob in leaf.cert_chain_pems)
    return TlsFiles(
        ca_path=ca_path, cert_chain_pem=chain, private_key_pem=leaf.private_key_pem.bytes()
    )
