"""python -m localaws --host 127.0.0.1 --port PORT --dns-port DNSPORT [--time-scale F]"""

import argparse
import os
import signal
import sys
import threading


def parse_args(argv):
    p = argparse.ArgumentParser(prog="serve", description="moto + fidelity layer (see README.md)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True, help="AWS API port (0 = pick a free one)")
    p.add_argument("--dns-port", type=int, required=True, help="authoritative DNS port, UDP and TCP (0 = free)")
    p.add_argument("--time-scale", type=float, default=1.0,
                   help="multiplies health-check intervals and timeouts (0.1: a 10 s interval takes 1 s)")
    p.add_argument("--replication-delay", type=float, default=None, help="seconds (default 0.5)")
    p.add_argument("--map-endpoint", action="append", default=[], metavar="HOST[:PORT]=IP:PORT",
                   help="probe this health-check target at a local address instead (repeatable)")
    p.add_argument("--iam", choices=("off", "enforce"), default="off",
                   help="enforce: authenticate SigV4 keys and evaluate identity policies (default off: allow all)")
    p.add_argument("--root-access-key", action="append", default=None, metavar="KEY",
                   help="access key that acts as the account root (repeatable; default: testing and local)")
    p.add_argument("--verbose", action="store_true", help="log every request")
    args = p.parse_args(argv)
    if args.root_access_key is None:
        args.root_access_key = ["testing", "local"]
    if args.time_scale <= 0:
        p.error("--time-scale must be positive")
    for mapping in args.map_endpoint:
        if "=" not in mapping or ":" not in mapping.split("=", 1)[1]:
            p.error(f"--map-endpoint {mapping!r}: expected HOST[:PORT]=IP:PORT")
    return args


def _stop_at_stdin_eof(stop_requested):
    """The starter holds stdin's other end and never writes: EOF means it is gone (even killed by
    SIGKILL, which it cannot forward), so stop as on SIGTERM rather than outlive it."""
    while sys.stdin.buffer.read(4096):
        pass
    print("localaws: stdin closed (RF_STOP_WITH_STDIN=1): the starter is gone, stopping", file=sys.stderr, flush=True)
    stop_requested.set()


def main(argv=None):
    args = parse_args(argv if argv is not None else sys.argv[1:])
    stop_requested = threading.Event()
    # Installed before the slow imports so an early SIGTERM still ends the process cleanly.
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop_requested.set())
    if os.environ.get("RF_STOP_WITH_STDIN") == "1":
        threading.Thread(target=_stop_at_stdin_eof, args=(stop_requested,), daemon=True).start()
    os.environ.setdefault("MOTO_ALLOW_NONEXISTENT_REGION", "false")

    from .server import Server

    server = Server(args)
    server.start()
    print(f"READY endpoint=http://{args.host}:{server.port} dns={args.host}:{server.dns_port}", flush=True)
    while not stop_requested.wait(0.2):
        pass
    server.stop()
    sys.stdout.flush()
    sys.stderr.flush()
    # Everything is stopped; skip tearing down moto's thousands of module objects (seconds on a busy machine).
    os._exit(0)


if __name__ == "__main__":
    main()
