#!/usr/bin/env python3
"""A loopback HTTP sink that stands in for an outbound API in tests: appends every request
(path, headers, body) as one JSON line to OUT and answers with STATUS (default 200) and BODY.
usage: sink.py PORT OUT [STATUS] [BODY]

Copied from shared/peers/sink.py and extended (all extensions optional, the original usage is unchanged):
- PORT 0 picks a free port; the bound port is always printed on stdout as "listening PORT" once ready.
- SINK_HEADERS: extra response headers, one "Name: value" per line (e.g. "Retry-After: 7").
- SINK_DELAY: seconds to wait before answering (slow peer).
- SINK_STATUSES: comma-separated statuses for successive requests, the last one repeating (e.g. "429,200").
- DELETE, PATCH and HEAD are logged too; "header_list" keeps repeated headers in order."""
import json, os, signal, sys, time, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
# A parent may hand down a blocked SIGTERM (e.g. a test runner thread); stop must work.
signal.pthread_sigmask(signal.SIG_SETMASK, [])
port, out = int(sys.argv[1]), sys.argv[2]
status = int(sys.argv[3]) if len(sys.argv) > 3 else 200
reply = (sys.argv[4] if len(sys.argv) > 4 else '{"ok":true}').encode()
extra = [tuple(p.strip() for p in line.split(":", 1))
         for line in os.environ.get("SINK_HEADERS", "").splitlines() if ":" in line]
delay = float(os.environ.get("SINK_DELAY", "0") or 0)
statuses = [int(x) for x in os.environ.get("SINK_STATUSES", "").split(",") if x.strip()]
import threading
lock = threading.Lock()
class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def _any(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n)
        rec = {"ts": datetime.datetime.now(datetime.timezone.utc).isoformat(), "method": self.command,
               "path": self.path, "headers": dict(self.headers), "header_list": list(self.headers.items()),
               "body": body.decode("utf-8", "replace")}
        with open(out, "a") as f:
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")
        if delay: time.sleep(delay)
        with lock:
            code = statuses.pop(0) if len(statuses) > 1 else (statuses[0] if statuses else status)
        self.send_response(code); self.send_header("Content-Type", "application/json")
        for name, value in extra: self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply))); self.end_headers()
        if self.command != "HEAD": self.wfile.write(reply)
    do_POST = do_PUT = do_GET = do_DELETE = do_PATCH = do_HEAD = _any
    def log_message(self, *a): pass
server = ThreadingHTTPServer(("127.0.0.1", port), H)
server.daemon_threads = True
print("listening", server.server_address[1], flush=True)
server.serve_forever()
