"""Wires moto's WSGI app, the fidelity layer, the DNS server and the background loops together."""

import os
import threading

from . import state
from .state import LOCK, SETTINGS, STOP, log


class Server:
    def __init__(self, args):
        SETTINGS.time_scale = args.time_scale
        SETTINGS.verbose = args.verbose
        if args.replication_delay is not None:
            SETTINGS.replication_delay = args.replication_delay
        self.args = args
        from .iam import IAM

        IAM.configure(mode=args.iam, root_keys=args.root_access_key)
        self.port = None
        self.dns_port = None
        self._http = None
        self._dns = []

    def start(self):
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
        from werkzeug.serving import make_server

        from . import control, dynamo_global, extensions, metrics, replication, route53_fidelity
        from .dnsserver import DnsTracker, start_dns
        from .health import ENGINE
        from .middleware import FidelityApp
        from .resolver import Resolver
        from .scheduler_fire import FIRER

        route53_fidelity.install()
        dynamo_global.install()
        replication.install()
        extensions.install()  # after route53_fidelity: it wraps some of the same moto handlers

        resolver = Resolver(ENGINE)
        ENGINE.resolver = resolver
        cli_endpoints = dict(m.split("=", 1) for m in self.args.map_endpoint)
        ENGINE.endpoints.update(cli_endpoints)
        tracker = DnsTracker(resolver)
        ENGINE.listeners.append(lambda at: tracker.refresh(at))

        def reset_all():
            from moto.moto_api._internal.models import moto_api_backend

            with LOCK:
                moto_api_backend.reset()
                ENGINE.reset()
                ENGINE.endpoints.update(cli_endpoints)  # command-line mappings outlive resets
                dynamo_global.reset()
                replication.REPLICATOR.reset()
                FIRER.reset()
                tracker.reset()
                metrics.reset()
                from .faults import FAULTS

                FAULTS.clear()
                from .iam import IAM

                IAM.reset()  # the decision log; mode, root keys and OIDC keys outlive resets
                extensions.reset()
            log("reset")

        class QuietHandler(MotoRequestHandler):
            def log_request(self, code="-", size="-"):
                if SETTINGS.verbose:
                    super().log_request(code, size)

        app = FidelityApp(DomainDispatcherApplication(create_backend_app), tracker, reset_all)
        self._http = make_server(self.args.host, self.args.port, app, threaded=True, request_handler=QuietHandler)
        self.port = self._http.server_port
        # moto occasionally calls itself over HTTP and finds itself through MOTO_PORT.
        os.environ["MOTO_PORT"] = str(self.port)
        self._dns, self.dns_port = start_dns(self.args.host, self.args.dns_port, resolver, tracker)
        control.CTX.update(tracker=tracker, reset_all=reset_all,
                           endpoint=f"http://{self.args.host}:{self.port}", dns=f"{self.args.host}:{self.dns_port}")

        threading.Thread(target=self._http.serve_forever, kwargs={"poll_interval": 0.1}, name="http",
                         daemon=True).start()
        ENGINE.start()
        tracker.start()
        replication.REPLICATOR.start()
        FIRER.start()
        metrics.start()
        extensions.start()
        log(f"listening http={self.args.host}:{self.port} dns={self.args.host}:{self.dns_port} "
            f"time-scale={SETTINGS.time_scale}")

    def stop(self):
        from .dnsserver import stop_dns

        STOP.set()
        if self._http is not None:
            self._http.shutdown()
            self._http.server_close()
        stop_dns(self._dns)
        log("stopped")


__all__ = ["Server", "state"]
