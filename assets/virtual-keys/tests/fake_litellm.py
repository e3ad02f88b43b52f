"""A loopback HTTP server that behaves like LiteLLM's key API for the handler's tests: master-key auth, unique key
aliases, caller-chosen `sk-` keys, 4xx errors like LiteLLM's, and an optional slow start (503 until ready)."""
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MASTER_KEY = "sk-master-test"


class FakeLiteLLM:
    def __init__(self, ready_after=0.0, fail_generate=None):
        self.keys = {}  # value -> settings
        self.requests = []  # (method, path, body) without key values
        self.ready_at = time.monotonic() + ready_after
        self.fail_generate = fail_generate
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _reply(self, status, body):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                self._handle("GET", None)

            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                self._handle("POST", json.loads(self.rfile.read(length) or b"{}"))

            def _handle(self, method, body):
                fake.requests.append((method, self.path, body))
                if time.monotonic() < fake.ready_at:
                    return self._reply(503, {"detail": "starting"})
                if self.headers.get("Authorization") != f"Bearer {MASTER_KEY}":
                    return self._reply(401, {"error": {"message": "Authentication Error, invalid master key"}})
                route = getattr(fake, "route_" + self.path.strip("/").replace("/", "_"), None)
                if route is None:
                    return self._reply(404, {"detail": "Not Found"})
                self._reply(*route(body or {}))

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def route_key_generate(self, body):
        if self.fail_generate:
            return self.fail_generate
        value = body.get("key")
        if not isinstance(value, str) or not value.startswith("sk-"):
            return 400, {"detail": "key must start with sk-"}
        alias = body.get("key_alias")
        if alias and any(s.get("key_alias") == alias for s in self.keys.values()):
            return 400, {"detail": f"Key with alias '{alias}' already exists."}
        if value in self.keys:
            return 400, {"detail": "Unique key constraint failed"}
        self.keys[value] = {k: v for k, v in body.items() if k != "key"}
        return 200, {"key": value, "key_alias": alias}

    def route_key_update(self, body):
        value = body.get("key")
        if value not in self.keys:
            return 404, {"detail": {"error": f"Key not found: {str(value)[:6]}…"}}
        self.keys[value].update({k: v for k, v in body.items() if k != "key"})
        return 200, {"key": value}

    def route_key_delete(self, body):
        targets = [v for v in body.get("keys") or [] if v in self.keys]
        targets += [v for v, s in self.keys.items() if s.get("key_alias") in (body.get("key_aliases") or [])]
        if not targets:
            return 404, {"detail": {"error": "Key not found"}}
        for value in set(targets):
            del self.keys[value]
        return 200, {"deleted_keys": len(set(targets))}
