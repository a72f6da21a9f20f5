"""A minimal OpenAI-compatible chat completions server for the end-to-end tests.

POST /v1/chat/completions with "stream": true answers with server-sent events that
spell "Hello from MODEL: PROMPT" in a few chunks, then `data: [DONE]`. The bound port
is written to the file named by the first argument.
"""
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        if self.path != "/v1/chat/completions":
            self.send_error(404)
            return
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        prompt = body["messages"][-1]["content"]
        text = f"Hello from {body['model']}: {prompt}"
        pieces = [text[i : i + 5] for i in range(0, len(text), 5)]
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for piece in pieces:
            event = {"choices": [{"index": 0, "delta": {"content": piece}}]}
            self._chunk(f"data: {json.dumps(event)}\n\n")
        self._chunk("data: [DONE]\n\n")
        self.wfile.write(b"0\r\n\r\n")

    def _chunk(self, text):
        data = text.encode()
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    def log_message(self, *args):
        pass


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
import os

os.rename(sys.argv[1] + ".tmp", sys.argv[1])
server.serve_forever()
