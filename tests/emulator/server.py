"""Launch moto's server with sesinfra's extension installed.

    python server.py --host 127.0.0.1 --port 0

Binds a loopback address only (port 0 picks a free port), then prints exactly
one line to stdout once the server answers HTTP requests:

    READY http://127.0.0.1:PORT

and serves until SIGTERM or SIGINT, or until its standard input reaches end of
file when standard input is a pipe, a socket or a terminal, so that a test
process that spawned it with a piped stdin and then died does not leave it
running.  (A stdin of /dev/null or a regular file is not watched.)

Quotas and latency (sesinfra_moto/quota.py), off by default:

    --quotas                AWS-like quotas: SES 10/s, Firehose 5/s, IAM 20/s,
                            S3 50/s, 20 ms latency
    --rate SERVICE=N        calls per second for one service (repeatable)
    --burst SERVICE=N       calls at once for one service (default: its rate)
    --latency-ms N          added to every AWS request
    --rate-scale F          every rate and burst times F
"""

from __future__ import annotations

import argparse
import ipaddress
import logging
import os
import signal
import stat
import sys
import threading
import urllib.request

# Make the sibling package importable however this script is started.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def _loopback(host: str) -> str:
    if host == "localhost":
        return "127.0.0.1"
    try:
        if ipaddress.ip_address(host).is_loopback:
            return host
    except ValueError:
        pass
    raise argparse.ArgumentTypeError(f"{host!r} is not a loopback address")


def _service_number(text: str) -> tuple[str, float]:
    name, _, number = text.partition("=")
    try:
        value = float(number)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: give SERVICE=NUMBER") from None
    return name, value


def _stdin_is_watchable() -> bool:
    try:
        mode = os.fstat(sys.stdin.fileno()).st_mode
    except (OSError, ValueError, AttributeError):
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode) or os.isatty(sys.stdin.fileno())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", type=_loopback, default="127.0.0.1", help="loopback address to bind")
    parser.add_argument("--port", type=int, default=0, help="port to bind; 0 picks a free one")
    parser.add_argument("--verbose", action="store_true", help="log every request to stderr")
    parser.add_argument("--quotas", action="store_true", help="enforce AWS-like quotas and latency")
    parser.add_argument("--rate", action="append", type=_service_number, default=[], metavar="SERVICE=N")
    parser.add_argument("--burst", action="append", type=_service_number, default=[], metavar="SERVICE=N")
    parser.add_argument("--latency-ms", type=float, default=None, metavar="N")
    parser.add_argument("--rate-scale", type=float, default=1.0, metavar="F")
    args = parser.parse_args()

    # Request logging would fill an unread stderr pipe; errors are still logged.
    logging.getLogger("werkzeug").setLevel(logging.INFO if args.verbose else logging.WARNING)

    import sesinfra_moto
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
    from werkzeug.serving import make_server

    sesinfra_moto.install()
    from sesinfra_moto import quota

    quotas = quota.Quotas()
    problem = quotas.configure(
        quota.settings(args.quotas, dict(args.rate), dict(args.burst), args.latency_ms, args.rate_scale)
    )
    if problem:
        parser.error(problem)
    app = quota.QuotaMiddleware(
        sesinfra_moto.ControlMiddleware(
            sesinfra_moto.RpcV2CborTranslator(DomainDispatcherApplication(create_backend_app))
        ),
        quotas,
    )
    server = make_server(args.host, args.port, app, threaded=True, request_handler=MotoRequestHandler)
    host = f"[{args.host}]" if ":" in args.host else args.host
    url = f"http://{host}:{server.server_address[1]}"

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    serving = threading.Thread(target=server.serve_forever, name="serve", daemon=True)
    serving.start()

    # Ready means answering: probe the control endpoint through the real socket.
    direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never via a proxy
    with direct.open(f"{url}/_sesinfra/health", timeout=30) as probe:
        if probe.status != 200:
            print(f"health check failed: HTTP {probe.status}", file=sys.stderr)
            return 1
    print(f"READY {url}", flush=True)

    if _stdin_is_watchable():
        def watch_stdin() -> None:
            # os.read, not sys.stdin: a daemon thread blocked inside a buffered
            # reader would abort the interpreter at exit.
            while os.read(sys.stdin.fileno(), 65536):
                pass
            stop.set()

        threading.Thread(target=watch_stdin, name="stdin", daemon=True).start()

    while not stop.wait(0.5):
        pass
    server.shutdown()
    serving.join(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
