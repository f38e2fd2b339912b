"""Launch moto's server with sesinfra's extension installed.

    python server.py --host 127.0.0.1 --port 0

Binds a loopback address only (port 0 picks a free port), then prints exactly
one line to stdout once the server answers HTTP requests:

    READY http://127.0.0.1:PORT

and serves until SIGTERM or SIGINT, or until its standard input reaches end of
file when standard input is a pipe, a socket or a terminal, so that a test
process that spawned it with a piped stdin and then died does not leave it
running.  (A stdin of /dev/null or a regular file is not watched.)

    python server.py --host 127.0.0.1 --fork-server

loads moto and the extension once, prints `FORK-SERVER READY`, then serves one
command per line of standard input, each answered by one line on stdout:

    start LOGFILE   fork a fresh emulator (its own state, a free port, its
                    stderr appended to LOGFILE); answers `READY <url> <pid>`
                    or `FAILED <reason>`
    stop PID        stop an emulator it started; answers `STOPPED PID`

At end of file on stdin it stops every emulator it started and exits.  Loading
moto takes about a second of CPU; a fork takes milliseconds, which is what a
test suite that starts one emulator per test wants.  An emulator also stops if
its fork server dies.

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


def _load_app(args, parser):
    """moto's WSGI app with sesinfra's extension (behind the quota mode, a pass-through
    unless asked for), and the request handler."""
    import sesinfra_moto
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app

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
    return app, MotoRequestHandler


# The services sesinfra and its tests call: imported by the fork server before it
# forks, so each emulator starts with them loaded (moto imports them lazily).
_SERVICES = (
    "athena",
    "cloudwatch",
    "firehose",
    "glue",
    "iam",
    "kms",
    "resourcegroupstaggingapi",
    "s3",
    "ses",
    "sesv2",
    "sts",
)


def _start_serving(host: str, port: int, app, handler) -> tuple[str, object, threading.Thread]:
    """Binds and serves in a thread; returns once the control endpoint answers."""
    from werkzeug.serving import make_server

    server = make_server(host, port, app, threaded=True, request_handler=handler)
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{server.server_address[1]}"
    serving = threading.Thread(target=server.serve_forever, name="serve", daemon=True)
    serving.start()
    # Ready means answering: probe the control endpoint through the real socket.
    direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never via a proxy
    with direct.open(f"{url}/_sesinfra/health", timeout=30) as probe:
        if probe.status != 200:
            raise RuntimeError(f"health check failed: HTTP {probe.status}")
    return url, server, serving


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", type=_loopback, default="127.0.0.1", help="loopback address to bind")
    parser.add_argument("--port", type=int, default=0, help="port to bind; 0 picks a free one")
    parser.add_argument("--verbose", action="store_true", help="log every request to stderr")
    parser.add_argument(
        "--fork-server", action="store_true", help="start emulators on request, one per `start` line on stdin"
    )
    parser.add_argument("--quotas", action="store_true", help="enforce AWS-like quotas and latency")
    parser.add_argument("--rate", action="append", type=_service_number, default=[], metavar="SERVICE=N")
    parser.add_argument("--burst", action="append", type=_service_number, default=[], metavar="SERVICE=N")
    parser.add_argument("--latency-ms", type=float, default=None, metavar="N")
    parser.add_argument("--rate-scale", type=float, default=1.0, metavar="F")
    return parser


def main() -> int:
    parser = _parser()
    args = parser.parse_args()

    # Request logging would fill an unread stderr pipe; errors are still logged.
    logging.getLogger("werkzeug").setLevel(logging.INFO if args.verbose else logging.WARNING)

    app, handler = _load_app(args, parser)
    if args.fork_server:
        return _fork_server(args.host, app, handler)
    try:
        url, server, serving = _start_serving(args.host, args.port, app, handler)
    except RuntimeError as error:
        print(error, file=sys.stderr)
        return 1

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
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


def _fork_server(host: str, app, handler) -> int:
    """Single-threaded (so forking is safe): reads commands, forks emulators."""
    import importlib

    for service in _SERVICES:
        importlib.import_module(f"moto.{service}")
        importlib.import_module(f"moto.{service}.urls")
    _warm_up(app)
    # Children are reaped by the kernel; `stop` needs no wait.
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    children: set[int] = set()
    print("FORK-SERVER READY", flush=True)
    for line in sys.stdin:
        command, _, argument = line.strip().partition(" ")
        if command == "start":
            pid = os.fork()
            if pid == 0:
                _emulator_child(host, app, handler, argument)  # never returns
            children.add(pid)
        elif command == "stop" and argument.isdigit() and int(argument) in children:
            children.discard(int(argument))
            try:
                os.kill(int(argument), signal.SIGKILL)
            except ProcessLookupError:
                pass
            print(f"STOPPED {argument}", flush=True)
        else:
            print(f"FAILED unknown command {line.strip()!r}", flush=True)
    for pid in children:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return 0


# One read-only call per service, in each service's protocol.
_WARM_UP_CALLS = (
    ("sts", "POST", "/", {}, "Action=GetCallerIdentity&Version=2011-06-15"),
    ("iam", "POST", "/", {}, "Action=ListRoles&Version=2010-05-08"),
    ("firehose", "POST", "/", {"X-Amz-Target": "Firehose_20150804.ListDeliveryStreams"}, "{}"),
    ("tagging", "POST", "/", {"X-Amz-Target": "ResourceGroupsTaggingAPI_20170126.GetResources"}, "{}"),
    ("kms", "POST", "/", {"X-Amz-Target": "TrentService.ListKeys"}, "{}"),
    ("glue", "POST", "/", {"X-Amz-Target": "AWSGlue.GetDatabases"}, "{}"),
    ("athena", "POST", "/", {"X-Amz-Target": "AmazonAthena.ListWorkGroups"}, "{}"),
    ("s3", "GET", "/", {}, ""),
    ("ses", "GET", "/v2/email/contact-lists", {}, ""),
)


def _warm_up(app) -> None:
    """Calls each service once through the WSGI app, in this thread, then resets every
    backend: moto builds its URL maps and service apps on first use, which would
    otherwise cost each forked emulator most of a second."""
    from werkzeug.test import Client

    client = Client(app)
    for scope, method, path, headers, body in _WARM_UP_CALLS:
        credential = f"testing/20260101/us-east-1/{scope}/aws4_request"
        headers = {
            **headers,
            "Authorization": f"AWS4-HMAC-SHA256 Credential={credential}, SignedHeaders=host, Signature=0",
        }
        if body:
            json_body = "X-Amz-Target" in headers
            headers["Content-Type"] = "application/x-amz-json-1.1" if json_body else "application/x-www-form-urlencoded"
        response = client.open(path, method=method, headers=headers, data=body)
        if response.status_code != 200:
            raise RuntimeError(f"warm-up call to {scope} answered {response.status}: {response.get_data()[:300]!r}")
    response = client.post("/moto-api/reset")
    if response.status_code != 200:
        raise RuntimeError(f"reset after the warm-up answered {response.status}")


def _emulator_child(host: str, app, handler, log: str) -> None:
    """In a forked child: serve on a free port, answer one line, serve until killed
    or until the fork server is gone."""
    parent = os.getppid()
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    try:
        os.close(0)  # the fork server's commands are not for this process
        with open(log, "ab") as log_file:
            os.dup2(log_file.fileno(), 2)
        url, server, _ = _start_serving(host, 0, app, handler)
        os.write(1, f"READY {url} {os.getpid()}\n".encode())
    except BaseException as error:  # the test must hear of it, whatever it is
        os.write(1, f"FAILED {type(error).__name__}: {error}\n".replace("\n", " ").strip().encode() + b"\n")
        os._exit(1)
    # Nothing more goes to the fork server's stdout.
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    while os.getppid() == parent:
        threading.Event().wait(0.5)
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main())
