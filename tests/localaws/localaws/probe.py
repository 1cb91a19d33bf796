"""One Route 53 health-checker probe against a real endpoint, with AWS's status texts."""

import http.client
import ipaddress
import socket
import ssl
from dataclasses import dataclass

SEARCH_WINDOW = 5120  # AWS searches the first 5,120 bytes of the body for SearchString
USER_AGENT = "Amazon-Route53-Health-Check-Service (localaws)"


@dataclass
class Target:
    ip: str | None  # None: the name did not resolve
    port: int
    host_header: str
    sni: str | None
    error: str | None = None
    header_port: int | None = None  # the configured port, also when the probe goes to a mapped one


@dataclass
class Result:
    ok: bool
    status: str


def is_loopback(ip: str) -> bool:
    try:
        return ipaddress.ip_address(ip).is_loopback
    except ValueError:
        return False


def probe(kind: str, target: Target, path: str | None, search: str | None,
          connect_timeout: float, response_timeout: float) -> Result:
    if target.ip is None:
        return Result(False, f"Failure: {target.error or 'DNS resolution failed.'}")
    if not is_loopback(target.ip):
        # Only addresses on this machine are ever contacted; anything else behaves like a
        # black-holed endpoint (map real names to local ports with the endpoints control API).
        return Result(False, "Failure: Connection timed out. The endpoint or the internet connection "
                             "is down, or requests are being blocked by your firewall.")
    try:
        sock = socket.create_connection((target.ip, target.port), timeout=connect_timeout)
    except ConnectionRefusedError:
        return Result(False, "Failure: Connection refused")
    except (socket.timeout, TimeoutError):
        return Result(False, "Failure: Connection timed out. The endpoint or the internet connection "
                             "is down, or requests are being blocked by your firewall.")
    except OSError as e:
        return Result(False, f"Failure: Connection failed ({e.strerror or e})")
    try:
        if kind == "TCP":
            return Result(True, "Success: TCP connection established")
        sock.settimeout(response_timeout)
        if kind.startswith("HTTPS"):
            ctx = ssl.create_default_context()
            # Route 53 does not validate certificates.
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            try:
                sock = ctx.wrap_socket(sock, server_hostname=target.sni)
            except (ssl.SSLError, OSError) as e:
                return Result(False, f"Failure: TLS handshake failed ({getattr(e, 'reason', None) or e})")
        return _http(sock, target, path or "/", search if kind.endswith("STR_MATCH") else None)
    finally:
        try:
            sock.close()
        except OSError:
            pass


def _http(sock, target: Target, path: str, search: str | None) -> Result:
    conn = http.client.HTTPConnection(target.host_header, target.port)
    conn.sock = sock
    try:
        conn.putrequest("GET", path, skip_host=True, skip_accept_encoding=True)
        port = target.header_port or target.port
        host = target.host_header if port in (80, 443) else f"{target.host_header}:{port}"
        conn.putheader("Host", host)
        conn.putheader("User-Agent", USER_AGENT)
        conn.endheaders()
        resp = conn.getresponse()
        code, reason = resp.status, resp.reason
        body = resp.read(SEARCH_WINDOW) if search is not None else b""
    except (socket.timeout, TimeoutError):
        return Result(False, "Failure: The endpoint did not respond before the timeout")
    except (http.client.HTTPException, OSError) as e:
        return Result(False, f"Failure: Invalid HTTP response ({type(e).__name__})")
    if not 200 <= code < 400:
        return Result(False, f"Failure: HTTP Status Code {code}, {reason}")
    if search is not None and search.encode() not in body:
        return Result(False, f"Failure: HTTP Status Code {code}, {reason}. "
                             "The search string was not found in the response body")
    return Result(True, f"Success: HTTP Status Code {code}, {reason}")
