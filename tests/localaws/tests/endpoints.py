"""Little endpoints for the health checkers to probe: Python http.server on 127.0.0.1."""

import datetime
import http.server
import socket
import ssl
import tempfile
import threading


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        owner = self.server.owner
        owner.requests.append((self.path, self.headers.get("Host"), self.headers.get("User-Agent")))
        body = owner.body.encode()
        self.send_response(owner.status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64  # many checkers connect at once
    tls = None

    def finish_request(self, request, client_address):
        # The TLS handshake happens in the connection's own thread, not in the accept loop.
        if self.tls is not None:
            try:
                request = self.tls.wrap_socket(request, server_side=True)
            except OSError:
                return
        super().finish_request(request, client_address)


class Endpoint:
    """An HTTP(S) endpoint that can go down (connection refused) and come back on the same port."""

    def __init__(self, status: int = 200, body: str = "ok", tls: bool = False):
        self.status, self.body, self.tls = status, body, tls
        self.requests: list = []
        self.port = None
        self._server = None
        self._certfile = _self_signed_cert() if tls else None
        self.up()

    def up(self):
        server = _Server(("127.0.0.1", self.port or 0), _Handler)
        server.owner = self
        if self.tls:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(self._certfile)
            server.tls = ctx
        self.port = server.server_address[1]
        self._server = server
        threading.Thread(target=server.serve_forever, daemon=True).start()

    def down(self):
        self._server.shutdown()
        self._server.server_close()
        self._server = None

    def close(self):
        if self._server is not None:
            self.down()


def free_ports(n: int) -> list[int]:
    """n distinct free TCP ports (all held open while choosing, so they cannot repeat)."""
    socks = [socket.socket() for _ in range(n)]
    try:
        for s in socks:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def _self_signed_cert() -> str:
    """PEM file with a throwaway key and self-signed certificate (cryptography ships with moto)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "not-verified.invalid")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=1)).sign(key, hashes.SHA256()))
    f = tempfile.NamedTemporaryFile("wb", suffix=".pem", delete=False)
    f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption()))
    f.write(cert.public_bytes(serialization.Encoding.PEM))
    f.close()
    return f.name
