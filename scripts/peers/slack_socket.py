#!/usr/bin/env python3
"""A loopback fake of Slack Socket Mode plus a minimal Web API, for tests.

usage: slack_socket.py --http-port P --ws-port W --out LOG [--app-token xapp-1-test]
                       [--retry-after N] [--grace SECONDS]
Port 0 picks a free port; once both listen, one line "listening http=P ws=W" is printed on stdout.

Wire format follows (read July-Aug 2026):
- https://docs.slack.dev/apis/events-api/using-socket-mode/   (hello, envelopes, acks, disconnect)
- https://docs.slack.dev/reference/methods/apps.connections.open/  (Bearer app token, {"ok","url"})
- https://docs.slack.dev/apis/web-api/rate-limits/  (HTTP 429 + Retry-After, {"ok":false,"error":"ratelimited"})
- python-slack-sdk tests/slack_sdk/socket_mode/mock_socket_mode_server.py (envelope field sets:
  only events_api envelopes carry retry_attempt/retry_reason)
and is held to slack_sdk.socket_mode.builtin.SocketModeClient by check_fakes.py.

HTTP (127.0.0.1:P):
  POST /api/apps.connections.open    Authorization: Bearer <app token>
                                     -> {"ok":true,"url":"ws://127.0.0.1:W/link/?ticket=N&app_id=A0TEST"}
  POST /api/<method>                 any other Web API method (JSON or form body) -> logged, {"ok":true,...}
  POST /control/envelope             {"type","payload","accepts_response_payload"?,"envelope_id"?,"connection"?}
  POST /control/disconnect           {"reason":"warning"|"refresh_requested"|"link_disabled"|..., "connection"?}
  POST /control/link                 {"enabled": bool}  (re-enable after link_disabled)
  GET  /control/acks | /control/state | /control/requests | /control/envelopes
WS (127.0.0.1:W/link/?ticket=N): hello on connect; acks {"envelope_id","payload"?} are recorded.
Every event is also appended to LOG as one JSON line."""
import argparse, asyncio, json, signal, threading, time, uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit
from websockets.asyncio.server import serve

signal.pthread_sigmask(signal.SIG_SETMASK, [])  # a parent may hand down blocked signals
ap = argparse.ArgumentParser()
ap.add_argument("--http-port", type=int, required=True)
ap.add_argument("--ws-port", type=int, required=True)
ap.add_argument("--out", required=True)
ap.add_argument("--app-token", default="xapp-1-test")
ap.add_argument("--retry-after", type=int, default=None, help="first apps.connections.open answers 429")
ap.add_argument("--grace", type=float, default=10.0, help="seconds a socket stays open after warning/refresh_requested")
args = ap.parse_args()
APP_ID = "A0TEST"

class State:
    """All mutation happens on the asyncio loop thread (HTTP handlers hop over with run())."""
    def __init__(self):
        self.conns = {}          # number -> websocket connection (open ones only)
        self.conn_total = 0      # sockets ever accepted
        self.opens = 0           # successful apps.connections.open calls
        self.tickets = {}        # ticket -> False (issued) / True (used)
        self.envelopes = {}      # envelope_id -> {"sent_at","connection","type","attempts"}
        self.acks, self.requests = [], []
        self.link_disabled = False
        self.rate_limit_pending = args.retry_after is not None
        self.ws_port = args.ws_port
        self.lock = threading.Lock()

    def log(self, kind, **fields):
        rec = {"ts": time.time(), "event": kind, **fields}
        with self.lock, open(args.out, "a") as f:
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")

S = State()
LOOP = None
_ts_counter = [0]

def next_ts():
    _ts_counter[0] += 1
    return f"{int(time.time())}.{_ts_counter[0]:06d}"

def run(coro, timeout=10):
    return asyncio.run_coroutine_threadsafe(coro, LOOP).result(timeout)


# ---- WebSocket side -------------------------------------------------------------------------
def check_ticket(connection, request):
    url = urlsplit(request.path)
    ticket = (parse_qs(url.query).get("ticket") or [""])[0]
    if not url.path.startswith("/link"):
        return connection.respond(404, "not found\n")
    if S.tickets.get(ticket) is not False:   # unknown or already used (fake's choice: single use)
        S.log("ws_rejected", path=request.path, reason="unknown or reused ticket")
        return connection.respond(401, "invalid ticket\n")
    S.tickets[ticket] = True
    return None

async def ws_handler(ws):
    S.conn_total += 1
    num = S.conn_total
    S.conns[num] = ws
    S.log("ws_open", connection=num, path=ws.request.path)
    hello = {"type": "hello", "num_connections": len(S.conns),
             "debug_info": {"host": "fake", "build_number": 1, "approximate_connection_time": 18060},
             "connection_info": {"app_id": APP_ID}}
    await ws.send(json.dumps(hello))
    S.log("hello_sent", connection=num, message=hello)
    try:
        async for raw in ws:
            try:
                msg = json.loads(raw)
            except ValueError:
                S.log("ws_junk", connection=num, raw=str(raw)[:500])
                continue
            if isinstance(msg, dict) and "envelope_id" in msg:
                env = S.envelopes.get(msg["envelope_id"], {})
                ack = {"envelope_id": msg["envelope_id"], "payload": msg.get("payload"), "connection": num,
                       "received_at": time.time(), "sent_at": env.get("sent_at"),
                       "known": bool(env)}
                S.acks.append(ack)
                S.log("ack", **ack)
            else:
                S.log("ws_message", connection=num, message=msg)
    except Exception as e:  # abrupt close from the client side
        S.log("ws_error", connection=num, error=repr(e))
    finally:
        S.conns.pop(num, None)
        S.log("ws_closed", connection=num, code=ws.close_code, reason=ws.close_reason)

def target(body):
    n = body.get("connection")
    if n is None:
        return max(S.conns) if S.conns else None
    return n if n in S.conns else None

async def send_envelope(body):
    num = target(body)
    if num is None:
        return 409, {"ok": False, "error": "no_open_socket"}
    etype = body.get("type", "events_api")
    eid = body.get("envelope_id") or str(uuid.uuid4())
    prior = S.envelopes.get(eid)
    attempt = prior["attempts"] if prior else 0
    env = {"envelope_id": eid, "payload": body.get("payload", {}), "type": etype,
           "accepts_response_payload": body.get("accepts_response_payload", etype == "slash_commands")}
    if etype == "events_api":  # only Events API envelopes carry retry fields (SDK fixtures)
        env["retry_attempt"] = attempt
        env["retry_reason"] = body.get("retry_reason", "timeout" if attempt else "")
    sent_at = time.time()
    await S.conns[num].send(json.dumps(env))
    S.envelopes[eid] = {"sent_at": sent_at, "connection": num, "type": etype, "attempts": attempt + 1}
    S.log("envelope_sent", connection=num, message=env)
    return 200, {"envelope_id": eid, "connection": num, "retry_attempt": attempt}

async def close_later(ws, num, delay):
    await asyncio.sleep(delay)
    if S.conns.get(num) is ws:
        S.log("grace_expired_closing", connection=num)
        await ws.close(1000, "refresh")

async def disconnect(body):
    num = target(body)
    reason = body.get("reason", "refresh_requested")
    if num is None:
        return 409, {"ok": False, "error": "no_open_socket"}
    ws = S.conns[num]
    msg = {"type": "disconnect", "reason": reason, "debug_info": {"host": "fake"}}
    await ws.send(json.dumps(msg))
    S.log("disconnect_sent", connection=num, message=msg)
    if reason == "link_disabled":
        S.link_disabled = True
        await ws.close(1000, "link_disabled")
    else:
        asyncio.ensure_future(close_later(ws, num, float(body.get("grace", args.grace))))
    return 200, {"connection": num, "reason": reason}

async def snapshot(what):
    if what == "state":
        return {"open_connections": sorted(S.conns), "connections_total": S.conn_total, "opens": S.opens,
                "link_disabled": S.link_disabled}
    return {"acks": S.acks, "requests": S.requests, "envelopes": S.envelopes}[what]

async def record_request(rec):
    S.requests.append(rec)
    S.log("web_api", **rec)

async def open_connection(auth):
    if S.rate_limit_pending:
        S.rate_limit_pending = False
        return 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(args.retry_after)}
    if not auth:
        return 200, {"ok": False, "error": "not_authed"}, {}
    if auth != f"Bearer {args.app_token}":
        return 200, {"ok": False, "error": "invalid_auth"}, {}
    if S.link_disabled:  # the docs give no error for this case; this name is the fake's choice
        return 200, {"ok": False, "error": "link_disabled"}, {}
    S.opens += 1
    ticket = str(S.opens)
    S.tickets[ticket] = False
    return 200, {"ok": True, "url": f"ws://127.0.0.1:{S.ws_port}/link/?ticket={ticket}&app_id={APP_ID}"}, {}

async def set_link(body):
    S.link_disabled = not body.get("enabled", True)
    return 200, {"link_disabled": S.link_disabled}


# ---- HTTP side ------------------------------------------------------------------------------
def web_api_answer(method, params, auth):
    token = auth[7:] if auth.startswith("Bearer ") else params.get("token", "")
    if not token:
        return {"ok": False, "error": "not_authed"}
    if token.startswith("xapp-"):  # an app-level token only opens sockets
        return {"ok": False, "error": "not_allowed_token_type"}
    channel, ts = params.get("channel") or "C0", next_ts()
    if method == "chat.postEphemeral":
        return {"ok": True, "message_ts": ts}
    if method == "chat.postMessage":
        return {"ok": True, "channel": channel, "ts": ts,
                "message": {"type": "message", "subtype": "bot_message", "text": params.get("text", ""),
                            "bot_id": "B0FAKE", "ts": ts}}
    if method == "chat.update":
        return {"ok": True, "channel": channel, "ts": params.get("ts") or ts, "text": params.get("text", "")}
    return {"ok": True, "channel": channel, "ts": ts}

class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def reply(self, code, obj, headers=None):
        data = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def body(self):
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode("utf-8", "replace")
        if "json" in (self.headers.get("Content-Type") or ""):
            try:
                return raw, json.loads(raw or "{}")
            except ValueError:
                return raw, {}
        return raw, {k: v[-1] for k, v in parse_qs(raw).items()}

    def do_GET(self):
        what = urlsplit(self.path).path.removeprefix("/control/")
        if what in ("acks", "state", "requests", "envelopes"):
            return self.reply(200, run(snapshot(what)))
        self.reply(404, {"ok": False, "error": "unknown_method"})

    def do_POST(self):
        path = urlsplit(self.path).path
        raw, params = self.body()
        auth = self.headers.get("Authorization", "")
        if path.startswith("/control/"):
            fn = {"envelope": send_envelope, "disconnect": disconnect, "link": set_link}.get(path[9:])
            if fn is None:
                return self.reply(404, {"error": "unknown control"})
            return self.reply(*run(fn(params)))
        if not path.startswith("/api/"):
            return self.reply(404, {"ok": False, "error": "unknown_method"})
        method = path[5:]
        if method == "apps.connections.open":
            code, answer, headers = run(open_connection(auth))
        else:
            code, answer, headers = 200, web_api_answer(method, params, auth), {}
        rec = {"method": method, "path": self.path, "authorization": auth,
               "content_type": self.headers.get("Content-Type"), "body": raw, "params": params,
               "status": code, "answer": answer, "received_at": time.time()}
        run(record_request(rec))
        self.reply(code, answer, headers)

    def log_message(self, *a):
        pass

async def main():
    global LOOP
    LOOP = asyncio.get_running_loop()
    async with serve(ws_handler, "127.0.0.1", args.ws_port, process_request=check_ticket) as server:
        S.ws_port = server.sockets[0].getsockname()[1]
        httpd = ThreadingHTTPServer(("127.0.0.1", args.http_port), H)
        httpd.daemon_threads = True
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        S.log("started", http_port=httpd.server_address[1], ws_port=S.ws_port)
        print(f"listening http={httpd.server_address[1]} ws={S.ws_port}", flush=True)
        stop = asyncio.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            LOOP.add_signal_handler(sig, stop.set)
        await stop.wait()
        httpd.shutdown()

if __name__ == "__main__":
    asyncio.run(main())
