"""`python -m devstack` (what `make dev` runs): the whole service on 127.0.0.1.

Prints `Keywarden local stack ready at http://127.0.0.1:<port>` once it serves, and
stops within 5 seconds on Ctrl-C or SIGTERM. PORT picks the port (0: any free one).
Meanwhile it prints what the API function prints in Lambda: a JSON line per request and
the service's other logs (`POWERTOOLS_LOG_LEVEL`, INFO by default), and EMF metrics of
verifications; neither the embedded moto's access log nor the HTTP server's.
"""

from __future__ import annotations

import errno
import logging
import os
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

PROJECT_DIR = Path(__file__).resolve().parent.parent


def main() -> int:
    os.environ["KEYWARDEN_STAGE"] = "local"
    # Other libraries' warnings, on stderr; the service's own logs are JSON on stdout.
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    from chalicelib.observability import logs

    logs.configure()
    raw_port = os.environ.get("PORT", "8000")
    if not raw_port.isdigit() or int(raw_port) > 65535:
        print(f"PORT must be a port number (0 for any free one), not {raw_port!r}", file=sys.stderr, flush=True)
        return 2
    port = int(raw_port)

    from chalice.cli.factory import CLIFactory

    from chalicelib.jobs import local_intervals
    from devstack.aws import provision, start_moto
    from devstack.http_server import create_local_server
    from devstack.scheduler import Scheduler

    moto, endpoint = start_moto()
    provision(endpoint)

    factory = CLIFactory(str(PROJECT_DIR), environ=os.environ)
    config = factory.create_config_obj(chalice_stage_name="local")
    try:
        server = create_local_server(config.chalice_app, config, "127.0.0.1", port)
    except OSError as error:
        moto.stop()
        why = "is in use" if error.errno == errno.EADDRINUSE else f"cannot be used ({error.strerror})"
        print(
            f"Port {port} on 127.0.0.1 {why}: stop what holds it, or run with another port, "
            "e.g. `PORT=8001 make dev` (PORT=0 picks any free one).",
            file=sys.stderr,
            flush=True,
        )
        return 1
    serving = threading.Thread(target=server.server.serve_forever, name="keywarden-http", daemon=True)
    serving.start()
    scheduler = Scheduler(local_intervals())
    scheduler.start()

    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    bound_port = server.server.server_address[1]
    print(f"Keywarden local stack ready at http://127.0.0.1:{bound_port}", flush=True)
    stop.wait()

    scheduler.stop()
    server.shutdown()
    server.server.server_close()
    # Jobs and the usage flush end while the embedded AWS still answers: a job left talking
    # to a stopped moto would spend the shutdown's seconds on retries.
    scheduler.join(timeout=2)
    _flush_usage()
    moto.stop()
    print("Keywarden local stack stopped", flush=True)
    return 0


def _flush_usage() -> None:
    """Writes the buffered usage counts before the embedded DynamoDB goes away."""
    recorder = sys.modules.get("chalicelib.services.usage_recorder")
    if recorder is not None:
        try:
            recorder.recorder().stop()
            recorder.flush()
        except Exception:
            logging.getLogger("keywarden.devstack").exception("could not write the last usage counts")


if __name__ == "__main__":
    code = main()
    # Everything is closed; skip the interpreter's teardown of moto's and botocore's
    # ~1,000 modules, which alone took 4-8 s on a busy 2-core machine (the contract: 5 s).
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
