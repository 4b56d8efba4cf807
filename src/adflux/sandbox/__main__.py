"""`python -m adflux.sandbox`: serve the platform sandbox until interrupted."""

from __future__ import annotations

import argparse
import json
import logging
import os
from pathlib import Path

from adflux.sandbox.server import RunningSandbox, run


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m adflux.sandbox", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--http-port", type=int, default=8765)
    parser.add_argument("--grpc-port", type=int, default=8766)
    parser.add_argument("--no-grpc", action="store_true", help="HTTP platforms only")
    parser.add_argument("--state-dir", type=Path, default=None)
    parser.add_argument("--persist", action="store_true", help="keep objects in STATE_DIR")
    parser.add_argument(
        "--faults",
        default=os.environ.get("ADFLUX_SANDBOX_FAULTS", ""),
        help='JSON, e.g. {"meta": {"rate_limit": 0.1, "latency_ms": 50}}',
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")

    def ready(sandbox: RunningSandbox) -> None:
        print(f"sandbox HTTP on {sandbox.base_url}", flush=True)
        if sandbox.grpc_endpoint:
            print(f"sandbox gRPC (TLS) on {sandbox.grpc_endpoint}, CA {sandbox.ca_pem}", flush=True)

    run(
        args.host,
        args.http_port,
        None if args.no_grpc else args.grpc_port,
        args.state_dir,
        persist=args.persist,
        faults=json.loads(args.faults) if args.faults else None,
        on_ready=ready,
    )


if __name__ == "__main__":
    main()
