"""Stand-in for the profile API in one region: GET /health, GET /profiles/<id> read from that
region's copy of the global table (so the standby serves replicated data)."""

import argparse
import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import boto3


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--bind", required=True, help="IP to listen on")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--region", required=True)
    p.add_argument("--endpoint", required=True, help="local AWS endpoint URL")
    p.add_argument("--table", default="profiles")
    a = p.parse_args()
    table = boto3.resource("dynamodb", region_name=a.region, endpoint_url=a.endpoint,
                           aws_access_key_id="local", aws_secret_access_key="local").Table(a.table)

    class Handler(BaseHTTPRequestHandler):
        def _send(self, code: int, body: dict) -> None:
            data = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):  # noqa: N802 (http.server's naming)
            if self.path == "/health":
                self._send(200, {"status": "ok", "region": a.region})
            elif self.path.startswith("/profiles/"):
                key = self.path.split("/", 2)[2]
                item = table.get_item(Key={"pk": key}).get("Item")
                self._send(200 if item else 404, {"region": a.region, "profile": item})
            else:
                self._send(404, {"error": "not found"})

        def log_message(self, *args):  # quiet: the demo prints its own progress
            pass

    ThreadingHTTPServer((a.bind, a.port), Handler).serve_forever()


if __name__ == "__main__":
    main()
