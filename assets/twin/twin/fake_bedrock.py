"""A fake Amazon Bedrock runtime on 127.0.0.1, reached by LiteLLM through ``AWS_BEDROCK_RUNTIME_ENDPOINT``.

It speaks what LiteLLM 1.108 calls for the catalog's Claude models (``litellm/llms/bedrock/``): Converse
(``POST /model/{id}/converse``), ConverseStream (``POST /model/{id}/converse-stream``, AWS event-stream framing) and
InvokeModel (``POST /model/{id}/invoke``, Anthropic messages body) for models LiteLLM routes to Invoke. Per model id
it can answer slowly, with 429 (ThrottlingException), 500 (InternalServerException) or a context-window
ValidationException whose message LiteLLM maps to ContextWindowExceededError ("Input is too long",
``litellm_core_utils/exception_mapping_utils.py`` ``_map_bedrock_exception``). Every call is recorded.
"""
from __future__ import annotations

import binascii
import json
import re
import struct
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote

from .fake_embeddings import embedding_response, is_embedding_model

OK = 'ok'
THROTTLE = 'throttle'
SERVER_ERROR = 'server_error'
CONTEXT_WINDOW = 'context_window'

_ERRORS = {
    THROTTLE: (429, 'ThrottlingException', 'Too many requests, please wait before trying again.'),
    SERVER_ERROR: (500, 'InternalServerException',
                   'The server encountered an internal error while processing the request.'),
    CONTEXT_WINDOW: (400, 'ValidationException', 'Input is too long for requested model.'),
}
_PATH = re.compile(r'^/model/(?P<model>[^/]+)/(?P<op>converse|converse-stream|invoke|invoke-with-response-stream)$')
_CREDENTIAL = re.compile(r'Credential=[^/]+/\d{8}/(?P<region>[^/]+)/(?P<service>[^/]+)/aws4_request')


@dataclass
class Behaviour:
    """How the fake answers one model id: ``outcome`` for the next ``times`` calls (None: every call), then OK.
    ``delay`` seconds pass before the answer (before the first event of a stream); ``chunk_delay`` between events."""
    outcome: str = OK
    delay: float = 0.0
    chunk_delay: float = 0.0
    times: int | None = None


@dataclass(frozen=True)
class Call:
    """One request the fake received."""
    model_id: str
    operation: str
    status: int
    outcome: str
    region: str | None
    service: str | None
    body: dict[str, Any]
    at: float = field(default_factory=time.time)


def reply_text(model_id: str) -> str:
    """The text every successful answer for ``model_id`` carries (a stream delivers it word by word)."""
    return f'Hello from the twin Bedrock, answering as {model_id}. This sentence arrives whole.'


def usage(model_id: str, body: dict[str, Any]) -> tuple[int, int]:
    """(input, output) tokens the fake reports for a request body: the prompt's words, the reply's words."""
    return _prompt_words(body), len(reply_text(model_id).split())


def _prompt_words(body: dict[str, Any]) -> int:
    words = 0
    for message in body.get('messages', []):
        content = message.get('content', [])
        if isinstance(content, str):
            words += len(content.split())
            continue
        for block in content:
            if isinstance(block, dict) and isinstance(block.get('text'), str):
                words += len(block['text'].split())
    return max(words, 1)


def encode_event(payload: dict[str, Any], event_type: str, message_type: str = 'event') -> bytes:
    """One AWS event-stream message: prelude (total and header length, CRC32), string headers, payload, CRC32."""
    def header(name: str, value: str) -> bytes:
        n, v = name.encode(), value.encode()
        return struct.pack('>B', len(n)) + n + struct.pack('>BH', 7, len(v)) + v

    headers = (header(':event-type', event_type) + header(':content-type', 'application/json')
               + header(':message-type', message_type))
    body = json.dumps(payload, separators=(',', ':')).encode()
    total = 12 + len(headers) + len(body) + 4
    prelude = struct.pack('>II', total, len(headers))
    prelude += struct.pack('>I', binascii.crc32(prelude) & 0xFFFFFFFF)
    message = prelude + headers + body
    return message + struct.pack('>I', binascii.crc32(message) & 0xFFFFFFFF)


class FakeBedrock:
    """Start with ``with FakeBedrock() as bedrock:``; ``bedrock.endpoint`` is the URL to give LiteLLM."""

    def __init__(self, host: str = '127.0.0.1', port: int = 0):
        if host not in ('127.0.0.1', 'localhost', '::1'):
            raise ValueError('the fake Bedrock listens on loopback only')
        self._lock = threading.Lock()
        self._behaviours: dict[str, Behaviour] = {}
        self._calls: list[Call] = []
        self._in_flight: dict[str, int] = {}
        self._peak: dict[str, int] = {}
        self.unexpected: list[str] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = 'HTTP/1.1'

            def log_message(self, *args):  # quiet: the calls are recorded instead
                pass

            def do_GET(self):
                fake._unexpected(self)

            def do_POST(self):
                fake._handle(self)

        self._server = ThreadingHTTPServer((host, port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name='fake-bedrock', daemon=True)

    # Lifecycle -----------------------------------------------------------------------------------------------
    @property
    def endpoint(self) -> str:
        host, port = self._server.server_address[:2]
        return f'http://{host}:{port}'

    def start(self) -> 'FakeBedrock':
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # Control -------------------------------------------------------------------------------------------------
    def behave(self, model_id: str, outcome: str = OK, *, delay: float = 0.0, chunk_delay: float = 0.0,
               times: int | None = None) -> None:
        if outcome != OK and outcome not in _ERRORS:
            raise ValueError(f'unknown outcome {outcome!r}')
        with self._lock:
            self._behaviours[model_id] = Behaviour(outcome, delay, chunk_delay, times)

    def reset(self) -> None:
        """Every model answers OK at once again; the call log is emptied."""
        with self._lock:
            self._behaviours.clear()
            self._calls.clear()
            self._peak.clear()
            self.unexpected.clear()

    def calls(self, model_id: str | None = None, operation: str | None = None) -> list[Call]:
        with self._lock:
            return [c for c in self._calls
                    if (model_id is None or c.model_id == model_id) and (operation is None or c.operation == operation)]

    def count(self, model_id: str | None = None) -> int:
        return len(self.calls(model_id))

    def peak_in_flight(self, model_id: str) -> int:
        """The most requests for ``model_id`` the fake was answering at the same time since the last reset."""
        with self._lock:
            return self._peak.get(model_id, 0)

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for c in self.calls():
            out[c.model_id] = out.get(c.model_id, 0) + 1
        return out

    # Serving -------------------------------------------------------------------------------------------------
    def _unexpected(self, h: BaseHTTPRequestHandler) -> None:
        with self._lock:
            self.unexpected.append(f'{h.command} {h.path}')
        self._send_json(h, 404, {'message': f'the twin Bedrock does not serve {h.command} {h.path}'},
                        'UnknownOperationException')

    def _next_behaviour(self, model_id: str) -> Behaviour:
        with self._lock:
            b = self._behaviours.get(model_id, Behaviour())
            current = Behaviour(b.outcome, b.delay, b.chunk_delay)
            if b.times is not None:
                b.times -= 1
                if b.times <= 0:
                    self._behaviours[model_id] = Behaviour(OK, b.delay, b.chunk_delay)
            return current

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        length = int(h.headers.get('Content-Length') or 0)
        raw = h.rfile.read(length) if length else b''
        match = _PATH.match(h.path.split('?', 1)[0])
        if not match:
            self._unexpected(h)
            return
        model_id, op = unquote(match['model']), match['op']
        try:
            body = json.loads(raw or b'{}')
        except ValueError:
            body = {'_unparsed': raw.decode(errors='replace')}
        credential = _CREDENTIAL.search(h.headers.get('Authorization', ''))
        behaviour = self._next_behaviour(model_id)
        status = _ERRORS[behaviour.outcome][0] if behaviour.outcome != OK else 200
        with self._lock:
            self._calls.append(Call(model_id, op, status, behaviour.outcome,
                                    credential['region'] if credential else None,
                                    credential['service'] if credential else None, body))
        with self._lock:
            self._in_flight[model_id] = self._in_flight.get(model_id, 0) + 1
            self._peak[model_id] = max(self._peak.get(model_id, 0), self._in_flight[model_id])
        try:
            self._answer(h, model_id, op, body, behaviour)
        finally:
            with self._lock:
                self._in_flight[model_id] -= 1

    def _answer(self, h: BaseHTTPRequestHandler, model_id: str, op: str, body: dict[str, Any],
                behaviour: Behaviour) -> None:
        if behaviour.delay:
            time.sleep(behaviour.delay)
        try:
            if behaviour.outcome != OK:
                status, error_type, message = _ERRORS[behaviour.outcome]
                self._send_json(h, status, {'message': message}, error_type)
            elif op == 'converse':
                self._send_json(h, 200, self._converse(model_id, body))
            elif op == 'converse-stream':
                self._converse_stream(h, model_id, body, behaviour.chunk_delay)
            elif op == 'invoke' and is_embedding_model(model_id):
                self._send_json(h, 200, embedding_response(model_id, body))
            elif op == 'invoke':
                self._send_json(h, 200, self._invoke(model_id, body))
            else:
                self._unexpected(h)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test): nothing to answer

    @staticmethod
    def _send_json(h: BaseHTTPRequestHandler, status: int, payload: dict[str, Any],
                   error_type: str | None = None) -> None:
        data = json.dumps(payload).encode()
        h.send_response(status)
        h.send_header('Content-Type', 'application/json')
        h.send_header('Content-Length', str(len(data)))
        h.send_header('x-amzn-RequestId', f'twin-{time.time_ns()}')
        if error_type:
            h.send_header('x-amzn-ErrorType', f'{error_type}:http://internal.amazon.com/coral/com.amazon.bedrock/')
        h.end_headers()
        h.wfile.write(data)
        h.wfile.flush()

    def _converse(self, model_id: str, body: dict[str, Any]) -> dict[str, Any]:
        prompt, completion = usage(model_id, body)
        return {
            'output': {'message': {'role': 'assistant', 'content': [{'text': reply_text(model_id)}]}},
            'stopReason': 'end_turn',
            'usage': {'inputTokens': prompt, 'outputTokens': completion, 'totalTokens': prompt + completion},
            'metrics': {'latencyMs': 1},
        }

    def _invoke(self, model_id: str, body: dict[str, Any]) -> dict[str, Any]:
        prompt, completion = usage(model_id, body)
        return {
            'id': f'msg_twin_{time.time_ns()}', 'type': 'message', 'role': 'assistant', 'model': model_id,
            'content': [{'type': 'text', 'text': reply_text(model_id)}],
            'stop_reason': 'end_turn', 'stop_sequence': None,
            'usage': {'input_tokens': prompt, 'output_tokens': completion},
        }

    def _converse_stream(self, h: BaseHTTPRequestHandler, model_id: str, body: dict[str, Any],
                         chunk_delay: float) -> None:
        prompt, completion = usage(model_id, body)
        words = reply_text(model_id).split(' ')
        events = [encode_event({'role': 'assistant'}, 'messageStart')]
        for i, word in enumerate(words):
            text = word if i == 0 else ' ' + word
            events.append(encode_event({'contentBlockIndex': 0, 'delta': {'text': text}}, 'contentBlockDelta'))
        events += [
            encode_event({'contentBlockIndex': 0}, 'contentBlockStop'),
            encode_event({'stopReason': 'end_turn'}, 'messageStop'),
            encode_event({'usage': {'inputTokens': prompt, 'outputTokens': completion,
                                    'totalTokens': prompt + completion},
                          'metrics': {'latencyMs': 1}}, 'metadata'),
        ]
        h.send_response(200)
        h.send_header('Content-Type', 'application/vnd.amazon.eventstream')
        h.send_header('Transfer-Encoding', 'chunked')
        h.send_header('x-amzn-RequestId', f'twin-{time.time_ns()}')
        h.end_headers()
        for event in events:
            h.wfile.write(f'{len(event):X}\r\n'.encode() + event + b'\r\n')
            h.wfile.flush()
            if chunk_delay:
                time.sleep(chunk_delay)
        h.wfile.write(b'0\r\n\r\n')
        h.wfile.flush()
