"""A loopback HTTP server that behaves like LiteLLM 1.108.7's key API for the handler's tests, with fault hooks.

Like the proxy (proxy/management_endpoints/key_management_endpoints.py, proxy/schema.prisma):
- master-key auth; keys stored by their SHA-256 hash; unique key aliases, checked before the key value;
- /key/generate with a caller-chosen `sk-` key; unset fields take GenerateKeyRequest's defaults (models [],
  metadata {});
- /key/update is a merge patch: a field left out keeps its value, an explicit null clears a nullable column; null for
  `models` or `metadata` (columns without null) fails like the database does; `metadata` replaces the stored one;
- /key/delete by values, hashes or aliases; 404 "No keys found"; the answer echoes what was asked (keys included);
- /key/list?key_alias=…&return_full_object=true lists holders with their hash as `token`;
- errors as {"error": {"message", "type", "param", "code"}}, an unknown route as {"detail": "Not Found"}.

Fault hooks (each `inject(path, fault, times=1, seconds=…)`, consumed in order per path; None = answer normally):
- "commit_then_500": do the work, then answer 500;
- "commit_then_hang": do the work, then hold the answer `seconds` (the client times out) and answer 500;
- "hang": hold the request `seconds` without doing the work, then answer 503;
- "500" / "503": answer that status without doing the work;
- "echo_422": answer 422 echoing the request body in `input` (what pydantic's validation errors carry);
- "echo_400": answer 400 "Authentication Error, <the request body>" (update_key_fn wraps any exception so).
`ready_after` answers 503 until then; `delay` slows every request.
"""

import hashlib
import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MASTER_KEY_ENV = "FAKE_LITELLM_MASTER_KEY"
NULLABLE = ("max_budget", "budget_duration", "tpm_limit", "rpm_limit", "max_parallel_requests", "key_alias")
FIELDS = NULLABLE + ("models", "metadata")


def hash_key(value):
    return hashlib.sha256(value.encode()).hexdigest()


def error(status, message, kind="bad_request_error", param=None):
    return status, {"error": {"message": message, "type": kind, "param": param, "code": str(status)}}


class FakeLiteLLM:
    def __init__(self, master_key, ready_after=0.0, delay=0.0):
        self.master_key = master_key
        self.keys = {}  # hash -> row
        self.requests: list[tuple] = []  # (method, path, body)
        self.added = []  # values of keys a test put in directly
        self.faults = {}  # path -> [(fault, seconds)]
        self.ready_at = time.monotonic() + ready_after
        self.delay = delay
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _reply(self, status, body):
                data = json.dumps(body).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    pass  # the client gave up (a timeout under test)

            def do_GET(self):
                self._handle("GET", None)

            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                self._handle("POST", json.loads(self.rfile.read(length) or b"{}"))

            def _handle(self, method, body):
                route, _, query = self.path.partition("?")
                fake.requests.append((method, route, body))
                if fake.delay:
                    time.sleep(fake.delay)
                if time.monotonic() < fake.ready_at:
                    return self._reply(503, {"detail": "starting"})
                if self.headers.get("Authorization") != f"Bearer {fake.master_key}":
                    return self._reply(
                        *error(401, "Authentication Error, Invalid proxy server token passed.", "auth_error")
                    )
                handler = getattr(fake, "route_" + route.strip("/").replace("/", "_"), None)
                if handler is None:
                    return self._reply(404, {"detail": "Not Found"})
                fault, seconds = fake._next_fault(route)
                if fault in ("500", "503"):
                    return self._reply(
                        int(fault), {"error": {"message": "Internal Server Error", "type": "internal_server_error"}}
                    )
                if fault == "hang":
                    time.sleep(seconds)
                    return self._reply(503, {"detail": "timed out"})
                if fault == "echo_400":
                    return self._reply(*error(400, f"Authentication Error, {body}", "auth_error"))
                if fault == "echo_422":
                    return self._reply(
                        422, {"detail": [{"type": "value_error", "loc": ["body"], "msg": "invalid", "input": body}]}
                    )
                params = dict(urllib.parse.parse_qsl(query))
                with fake.lock:
                    result = handler(body or {}, params) if method == "GET" else handler(body or {})
                if fault == "commit_then_500":
                    return self._reply(
                        500, {"error": {"message": "Internal Server Error", "type": "internal_server_error"}}
                    )
                if fault == "commit_then_hang":
                    time.sleep(seconds)
                    return self._reply(
                        500, {"error": {"message": "Internal Server Error", "type": "internal_server_error"}}
                    )
                self._reply(*result)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def inject(self, path, fault, times=1, seconds=0.0):
        self.faults.setdefault(path, []).extend([(fault, seconds)] * times)
        return self

    def _next_fault(self, path):
        queue = self.faults.get(path) or []
        return queue.pop(0) if queue else (None, 0.0)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    # --- state helpers for tests

    def key(self, value):
        return self.keys.get(hash_key(value))

    def add(self, value, **row):
        self.added.append(value)
        self.keys[hash_key(value)] = {
            "key_alias": None,
            "models": [],
            "metadata": {},
            **{f: None for f in NULLABLE if f != "key_alias"},
            **row,
        }

    def count(self, path):
        return sum(1 for _, p, _ in self.requests if p == path)

    # --- routes

    def _alias_taken(self, alias, except_hash=None):
        return alias is not None and any(r["key_alias"] == alias and h != except_hash for h, r in self.keys.items())

    def route_key_generate(self, body):
        alias = body.get("key_alias")
        if self._alias_taken(alias):
            return error(
                400,
                f"Key with alias '{alias}' already exists. Unique key aliases across all keys are required.",
                param="key_alias",
            )
        value = body.get("key")
        if not isinstance(value, str) or not value.startswith("sk-"):
            masked = f"{value[:4]}****{value[-4:]}" if isinstance(value, str) and len(value) > 8 else "****"
            return error(
                400, {"error": f"Invalid key format. LiteLLM Virtual Key must start with 'sk-'. Received: {masked}"}
            )
        if hash_key(value) in self.keys:
            return error(500, "Unique constraint failed on the fields: (`token`)", "internal_server_error")
        row: dict = {"key_alias": None, "models": [], "metadata": {}, **{f: None for f in NULLABLE if f != "key_alias"}}
        row.update({k: v for k, v in body.items() if k in FIELDS and v is not None})
        self.keys[hash_key(value)] = row
        return 200, {"key": value, "key_alias": alias, "token": hash_key(value), **row}

    def route_key_update(self, body):
        value = body.get("key")
        token = hash_key(value) if isinstance(value, str) and value.startswith("sk-") else value
        if token not in self.keys:
            return error(404, "Key not found.", "not_found_error", "key")
        if "key_alias" in body and self._alias_taken(body["key_alias"], except_hash=token):
            return error(
                400,
                f"Key with alias '{body['key_alias']}' already exists. Unique key aliases across all keys are required.",  # noqa: E501
                param="key_alias",
            )
        for column in ("models", "metadata"):
            if column in body and body[column] is None:
                return error(400, f"Authentication Error, Argument `{column}` must not be null.", "auth_error")
        self.keys[token].update({k: v for k, v in body.items() if k in FIELDS})
        return 200, {"key": value, "token": token, **self.keys[token]}

    def route_key_delete(self, body):
        asked = body.get("keys") or []
        tokens = {hash_key(v) if v.startswith("sk-") else v for v in asked}
        tokens |= {h for h, r in self.keys.items() if r["key_alias"] in (body.get("key_aliases") or [])}
        found = [t for t in tokens if t in self.keys]
        if not found:
            return error(404, {"error": "No keys found"}, "internal_server_error", "keys")
        for token in found:
            del self.keys[token]
        return 200, {"deleted_keys": asked or body.get("key_aliases")}

    def route_key_list(self, body, params):
        rows = [
            {"token": h, **r}
            for h, r in self.keys.items()
            if params.get("key_alias") is None or r["key_alias"] == params["key_alias"]
        ]
        if params.get("return_full_object") != "true":
            rows = [r["token"] for r in rows]
        return 200, {"keys": rows, "total_count": len(rows), "current_page": 1, "total_pages": 1}
