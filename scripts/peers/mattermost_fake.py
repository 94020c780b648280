#!/usr/bin/env python3
"""A loopback fake of a Mattermost server (REST v4 + /api/v4/websocket on ONE port), for tests.

usage: mattermost_fake.py --port P --out LOG --token BOT_TOKEN [--state FILE]
Port 0 picks a free port; once listening, "listening P" is printed on stdout.

Wire format follows (read Aug 2026):
- https://developers.mattermost.com/api-documentation/ (api/v4/source/introduction.yaml "WebSocket": auth
  header or authentication_challenge -> {"status":"OK","seq_reply":1}; event envelope event/data/broadcast/seq)
- https://docs.mattermost.com/api/reference/connect-web-socket (GET /api/v4/websocket)
- mattermost server/channels/api4/websocket.go, app/platform/web_conn.go, web_hub.go, websocket_router.go
  (reliable websockets: connection_id + sequence_number resume, dead queue of 128, hello only for new ids)
- mattermost webapp/platform/client/src/websocket.ts (sequence_number = next expected seq = last seq + 1)
- server/public/model/post.go, post_list.go, websocket_message.go; store/sqlstore/post_store.go
  (GetPostsSince: UpdateAt > since, newest CreateAt first, deleted posts included)
and is held to mattermostdriver 7.3.2 by check_fakes.py. WebSocket framing is websockets' sans-I/O ServerProtocol.

Control (no auth): POST /control/post {channel_id,user_id?,username,message,root_id?,props?}; POST /control/drop;
POST /control/restart {down_seconds}; GET /control/bot_posts | /control/ephemeral_posts | /control/state.
Every request, frame and control call is appended to LOG as one JSON line."""
import argparse, asyncio, base64, hashlib, http, json, os, signal, time, uuid
from collections import deque
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit
from websockets.frames import Opcode
from websockets.protocol import State as WSState
from websockets.server import ServerProtocol

signal.pthread_sigmask(signal.SIG_SETMASK, [])  # a parent may hand down blocked signals
ap = argparse.ArgumentParser()
ap.add_argument("--port", type=int, required=True)
ap.add_argument("--out", required=True)
ap.add_argument("--token", required=True)
ap.add_argument("--state", default=None, help="persist posts here (JSON) and reload them at start")
args = ap.parse_args()
ALPHABET = "ybndrfg8ejkmcpqxot1uwisza345h769"  # model.NewId's base32 alphabet
VERSION = "9.11.0.0.fakeconfighash.false"
DEAD_QUEUE = 128

def new_id(seed=None):
    raw = hashlib.sha256(seed.encode()).digest()[:16] if seed else uuid.uuid4().bytes
    b32 = base64.b32encode(raw).decode().lower().rstrip("=")
    return b32.translate(str.maketrans("abcdefghijklmnopqrstuvwxyz234567", ALPHABET))[:26]

def now_ms():
    return int(time.time() * 1000)

def gojson(obj):  # like Go's json.Marshal: compact, HTML-escaped
    s = json.dumps(obj, separators=(",", ":"), ensure_ascii=False)
    for a, b in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        s = s.replace(a, b)
    return s

def log(kind, **fields):
    with open(args.out, "a") as f:
        f.write(json.dumps({"ts": time.time(), "event": kind, **fields}, ensure_ascii=False) + "\n")

BOT = {"id": new_id("bot:incident-bot"), "create_at": 1700000000000, "update_at": 1700000000000, "delete_at": 0,
       "username": "incident-bot", "auth_data": "", "auth_service": "", "email": "incident-bot@localhost",
       "nickname": "", "first_name": "Incident", "last_name": "Bot", "position": "", "roles": "system_user",
       "locale": "en", "timezone": {}, "is_bot": True, "bot_description": "IncidentBridge test bot"}
DB = {"posts": {}, "users": {BOT["id"]: BOT}, "channels": {}, "bot_posts": [], "ephemeral": []}
if args.state and os.path.exists(args.state):
    with open(args.state) as f:
        DB.update(json.load(f))

def save():
    if args.state:
        with open(args.state + ".tmp", "w") as f:
            json.dump(DB, f)
        os.replace(args.state + ".tmp", args.state)

def channel(cid):
    if cid not in DB["channels"]:  # unknown ids are created on first use (a real server would 404)
        DB["channels"][cid] = {"id": cid, "create_at": 1700000000000, "update_at": 1700000000000, "delete_at": 0,
                               "team_id": "team1", "type": "O", "display_name": cid, "name": cid, "header": "",
                               "purpose": "", "last_post_at": 0, "total_msg_count": 0, "extra_update_at": 0,
                               "creator_id": "", "scheme_id": None, "props": None, "group_constrained": None,
                               "shared": None, "total_msg_count_root": 0, "policy_id": None, "last_root_post_at": 0}
    return DB["channels"][cid]

def app_error(code, eid, message):
    return code, {"id": eid, "message": message, "detailed_error": "", "request_id": new_id(), "status_code": code}

class Conn:
    """One reliable-websocket connection id: seq counter, dead queue, and events queued while inactive."""
    def __init__(self, user_id):
        self.id, self.user_id, self.seq = new_id(), user_id, 0
        self.dead, self.pending, self.ws = deque(maxlen=DEAD_QUEUE), [], None

    def emit(self, event):  # event: dict without seq
        if self.ws is None:
            self.pending.append(event)
            return
        ev = {**event, "seq": self.seq}
        self.seq += 1
        self.dead.append(ev)
        self.ws.send(ev)

SRV = SimpleNamespace(conns={}, sockets=set(), writers=set(), total=0, down_until=0.0)  # conns: connection_id -> Conn

def broadcast(user_id="", channel_id=""):
    return {"omit_users": None, "user_id": user_id, "channel_id": channel_id, "team_id": "",
            "connection_id": "", "omit_connection_id": ""}

def hello(conn):
    return {"event": "hello", "data": {"connection_id": conn.id, "server_version": VERSION,
                                       "server_hostname": "fake"}, "broadcast": broadcast(user_id=conn.user_id)}

def make_post(user_id, body, ptype=None):  # field set of model.Post as the API returns it
    ts = now_ms()
    return {"id": new_id(), "create_at": ts, "update_at": ts, "edit_at": 0, "delete_at": 0, "is_pinned": False,
            "user_id": user_id, "channel_id": body.get("channel_id", ""), "root_id": body.get("root_id") or "",
            "original_id": "", "message": body.get("message", ""), "type": ptype or body.get("type", ""),
            "props": body.get("props") or {}, "hashtags": "", "pending_post_id": body.get("pending_post_id", ""),
            "reply_count": 0, "last_reply_at": 0, "participants": None, "metadata": {}}

def create_post(user, body, bot_rest=False):
    post = make_post(user["id"], body)
    DB["posts"][post["id"]] = post
    if bot_rest:
        DB["bot_posts"].append(post["id"])
    save()
    ch = channel(post["channel_id"])
    data = {"channel_display_name": ch["display_name"], "channel_name": ch["name"], "channel_type": ch["type"],
            "post": gojson(post), "sender_name": "@" + user["username"], "set_online": True, "team_id": ch["team_id"]}
    if "@" + BOT["username"] in post["message"]:
        data["mentions"] = gojson([BOT["id"]])
    event = {"event": "posted", "data": data, "broadcast": broadcast(channel_id=post["channel_id"])}
    for conn in list(SRV.conns.values()):  # the bot is taken to be a member of every channel
        conn.emit(event)
    log("post_created", post=post, by_bot_rest=bot_rest, sockets=[c.id for c in SRV.conns.values() if c.ws])
    return post

def posts_for_channel(cid, q):
    posts = [p for p in DB["posts"].values() if p["channel_id"] == cid]
    if "since" in q:  # post_store.go GetPostsSince: UpdateAt > since, deleted included, CreateAt DESC
        since = int(q["since"])
        hits = sorted((p for p in posts if p["update_at"] > since), key=lambda p: p["create_at"], reverse=True)
        extra = [DB["posts"][p["root_id"]] for p in hits if p["root_id"] in DB["posts"]]
        return {"order": [p["id"] for p in hits], "posts": {p["id"]: p for p in hits + extra},
                "next_post_id": "", "prev_post_id": "", "first_inaccessible_post_time": 0}
    page, per_page = int(q.get("page", 0)), min(int(q.get("per_page", 60)), 200)
    live = sorted((p for p in posts if not p["delete_at"]), key=lambda p: p["create_at"], reverse=True)
    hits = live[page * per_page:(page + 1) * per_page]
    return {"order": [p["id"] for p in hits], "posts": {p["id"]: p for p in hits},
            "next_post_id": "", "prev_post_id": "", "first_inaccessible_post_time": 0}

def authorized(headers):
    auth = headers.get("authorization", "")
    scheme, _, token = auth.partition(" ")
    if scheme.lower() in ("bearer", "token") and token:
        return token == args.token, True
    cookie = headers.get("cookie", "")
    for part in cookie.split(";"):
        k, _, v = part.strip().partition("=")
        if k == "MMAUTHTOKEN":
            return v == args.token, True
    return False, False  # (valid, presented)

def rest(method, path, q, headers, body):
    if path.startswith("/control/"):
        return control(method, path[9:], body)
    if time.time() < SRV.down_until:
        return 503, {"status": "DOWN"}
    if path == "/api/v4/websocket":
        return app_error(400, "api.web_socket.connect.upgrade.app_error", "Failed to upgrade websocket connection.")
    if path == "/api/v4/system/ping":
        return 200, {"status": "OK"}
    if not authorized(headers)[0]:
        return app_error(401, "api.context.session_expired.app_error", "Invalid or expired session, please login again.")
    parts = path.split("/")[3:]  # after /api/v4
    if method == "GET" and parts == ["users", "me"]:
        return 200, BOT
    if method == "GET" and len(parts) == 2 and parts[0] == "users" and parts[1] in DB["users"]:
        return 200, DB["users"][parts[1]]
    if method == "POST" and parts == ["posts"]:
        if not isinstance(body, dict) or not body.get("channel_id"):
            return app_error(400, "api.context.invalid_body_param.app_error", "Invalid or missing post in request body.")
        return 201, create_post(BOT, body, bot_rest=True)
    if method == "POST" and parts == ["posts", "ephemeral"]:
        if not isinstance(body, dict) or not body.get("user_id") or not isinstance(body.get("post"), dict):
            return app_error(400, "api.context.invalid_body_param.app_error", "Invalid or missing post in request body.")
        post = make_post(BOT["id"], body["post"], "system_ephemeral")
        DB["ephemeral"].append({"user_id": body["user_id"], "post": post})
        save()
        return 201, post
    if method == "GET" and len(parts) == 2 and parts[0] == "posts" and parts[1] in DB["posts"]:
        return 200, DB["posts"][parts[1]]
    if method == "GET" and len(parts) == 3 and parts[0] == "channels" and parts[2] == "posts":
        return 200, posts_for_channel(parts[1], q)
    if method == "GET" and len(parts) == 2 and parts[0] == "channels":
        return 200, channel(parts[1])
    return app_error(404, "api.context.404.app_error", "Sorry, we could not find the page.")

def control(method, what, body):
    body = body if isinstance(body, dict) else {}
    if method == "POST" and what == "post":
        if not body.get("channel_id"):
            return 400, {"error": "channel_id required"}
        uname = body.get("username", "alice")
        uid = body.get("user_id") or new_id("user:" + uname)
        user = DB["users"].setdefault(uid, {**BOT, "id": uid, "username": uname, "email": uname + "@localhost",
                                            "first_name": uname, "last_name": "", "is_bot": False,
                                            "bot_description": ""})
        return 200, create_post(user, body)
    if method == "POST" and what in ("drop", "restart"):
        for ws in list(SRV.sockets):
            if ws.conn is not None and ws.conn.ws is ws:
                ws.conn.ws = None  # from now on events queue up for a resume
            ws.abort()
        if what == "restart":
            SRV.conns.clear()
            SRV.down_until = time.time() + float(body.get("down_seconds", 0))
        return 200, {"dropped": True, "down_until": SRV.down_until}
    if method == "GET" and what == "bot_posts":
        return 200, [DB["posts"][i] for i in DB["bot_posts"]]
    if method == "GET" and what == "ephemeral_posts":
        return 200, DB["ephemeral"]
    if method == "GET" and what == "state":
        return 200, {"open_sockets": sorted(c.id for c in SRV.conns.values() if c.ws), "sockets": len(SRV.sockets),
                     "connections_total": SRV.total, "down": time.time() < SRV.down_until,
                     "connections": {c.id: {"active": c.ws is not None, "last_seq": c.seq - 1, "pending":
                                            len(c.pending), "dead_queue": len(c.dead)} for c in SRV.conns.values()}}
    return 404, {"error": "unknown control"}

class WS:
    def __init__(self, proto, writer):
        self.proto, self.writer, self.conn = proto, writer, None

    def flush(self):
        for chunk in self.proto.data_to_send():
            if chunk:
                self.writer.write(chunk)
            elif self.writer.can_write_eof():
                self.writer.write_eof()

    def send(self, obj):
        if self.proto.state is WSState.OPEN:
            self.proto.send_text(gojson(obj).encode())
            self.flush()
            log("ws_sent", connection=self.conn.id if self.conn else None, message=obj)

    def abort(self):
        self.writer.transport.abort()

def attach(ws, conn_id, seq_param):
    """Registration as api4/websocket.go + web_conn.go do it, for a socket authenticated at upgrade."""
    conn = SRV.conns.get(conn_id) if conn_id else None
    if conn is None or conn.user_id != BOT["id"]:
        conn = Conn(BOT["id"])
        SRV.conns[conn.id], conn.ws, ws.conn = conn, ws, conn
        conn.emit(hello(conn))
        return
    if conn.ws is not None:
        conn.ws.abort()
    conn.ws, ws.conn, conn.seq = ws, conn, seq_param
    hit = next((i for i, ev in enumerate(conn.dead) if ev["seq"] == seq_param), None)
    if seq_param and hit is not None:  # resume: replay from the wanted seq, no hello
        for ev in list(conn.dead)[hit:]:
            ws.send(ev)
            conn.seq += 1
    elif seq_param and conn.dead and conn.dead[-1]["seq"] != seq_param - 1:  # loss: new id, hello
        del SRV.conns[conn.id]
        conn.dead.clear()
        conn.id, conn.seq = new_id(), 0
        SRV.conns[conn.id] = conn
        conn.emit(hello(conn))
    pending, conn.pending = conn.pending, []
    for ev in pending:
        conn.emit(ev)

def on_text(ws, raw):
    try:
        req = json.loads(raw)
        action, seq = req.get("action", ""), int(req.get("seq") or 0)
    except (ValueError, AttributeError, TypeError):
        return False  # the real server closes the socket on an undecodable request
    log("ws_received", connection=ws.conn.id if ws.conn else None, message=req)
    def fail(code, eid, msg):  # websocket_router.go error replies
        ws.send({"status": "FAIL", "seq_reply": seq, "error": app_error(code, eid, msg)[1]})
        return True
    if not action or seq <= 0:
        return fail(400, "api.web_socket_router.%s.app_error" % ("bad_seq" if action else "no_action"),
                    "Invalid websocket request.")
    if action == "authentication_challenge":
        if ws.conn is not None:
            return True  # already authenticated: silently ignored
        if (req.get("data") or {}).get("token") != args.token:
            return False  # bad token: the server just closes
        conn = Conn(BOT["id"])  # connection_id is never resumed on this path
        SRV.conns[conn.id], conn.ws, ws.conn = conn, ws, conn
        conn.emit(hello(conn))
        ws.send({"status": "OK", "seq_reply": seq})
        return True
    if ws.conn is None:
        return fail(401, "api.web_socket_router.not_authenticated.app_error", "Not authenticated.")
    if action == "ping":
        ws.send({"status": "OK", "seq_reply": seq, "data": {"text": "pong", "version": VERSION, "server_time": now_ms()}})
    elif action in ("user_typing", "get_statuses", "get_statuses_by_ids", "presence"):
        ws.send({"status": "OK", "seq_reply": seq, **({"data": {BOT["id"]: "online"}} if "statuses" in action else {})})
    else:
        return fail(500, "api.web_socket_router.bad_action.app_error", "Invalid websocket action.")
    return True

async def websocket(reader, writer, head, target, headers):
    q = {k: v[-1] for k, v in parse_qs(urlsplit(target).query).items()}
    proto = ServerProtocol()
    proto.receive_data(head)
    request = proto.events_received()[0]
    response = proto.accept(request)
    proto.send_response(response)
    ws = WS(proto, writer)
    ws.flush()
    if response.status_code != 101:
        return
    SRV.sockets.add(ws)
    SRV.total += 1
    log("ws_open", path=target, header_auth=authorized(headers)[0])
    try:
        if authorized(headers)[0]:
            cid, seq = q.get("connection_id", ""), q.get("sequence_number")
            if cid and (len(cid) != 26 or seq is None or not seq.isdigit()):
                log("ws_bad_reconnect_params", query=q)  # PopulateWebConnConfig error -> ws.Close()
                return
            attach(ws, cid, int(seq or 0))
        else:
            asyncio.get_running_loop().call_later(5, lambda: ws.conn is None and ws.abort())  # authCheckInterval
        text = b""
        while proto.state is not WSState.CLOSED:
            data = await reader.read(65536)
            if not data:
                proto.receive_eof()
                break
            proto.receive_data(data)
            for frame in proto.events_received():
                if frame.opcode in (Opcode.TEXT, Opcode.CONT):
                    text += frame.data
                    if frame.fin:
                        if not on_text(ws, text.decode("utf-8", "replace")):
                            return
                        text = b""
            ws.flush()
    except (ConnectionError, OSError):
        pass
    finally:
        SRV.sockets.discard(ws)
        if ws.conn is not None and ws.conn.ws is ws:
            ws.conn.ws = None  # inactive: stays resumable, events queue up
        log("ws_closed", connection=ws.conn.id if ws.conn else None)
        writer.transport.abort()

async def handle(reader, writer):
    SRV.writers.add(writer)
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            method, target, _ = lines[0].split(" ", 2)
            headers = {}
            for line in lines[1:]:
                if ":" in line:
                    k, v = line.split(":", 1)
                    headers[k.strip().lower()] = v.strip()
            path = urlsplit(target).path.rstrip("/") or "/"
            if path == "/api/v4/websocket" and "websocket" in headers.get("upgrade", "").lower():
                valid, presented = authorized(headers)
                if time.time() < SRV.down_until:
                    code, obj = 503, {"status": "DOWN"}
                elif presented and not valid:
                    code, obj = app_error(401, "api.context.session_expired.app_error",
                                          "Invalid or expired session, please login again.")
                else:
                    return await websocket(reader, writer, head, target, headers)
                raw = b""
            else:
                if headers.get("transfer-encoding", "").lower() == "chunked":
                    raw = b""
                    while size := int((await reader.readuntil(b"\r\n")).strip() or b"0", 16):
                        raw += (await reader.readexactly(size + 2))[:-2]
                    await reader.readuntil(b"\r\n")
                else:
                    raw = await reader.readexactly(int(headers.get("content-length") or 0))
                try:
                    body = json.loads(raw) if raw.strip() else None
                except ValueError:
                    body = None
                q = {k: v[-1] for k, v in parse_qs(urlsplit(target).query).items()}
                code, obj = rest(method, path, q, headers, body)
            out = gojson(obj).encode()
            log("http", method=method, target=target, status=code, body=raw.decode("utf-8", "replace"),
                authorization_ok=authorized(headers)[0], answer=obj)
            writer.write(f"HTTP/1.1 {code} {http.HTTPStatus(code).phrase}\r\nContent-Type: application/json\r\n"
                         f"Content-Length: {len(out)}\r\nX-Request-Id: {new_id()}\r\n"
                         f"X-Version-Id: {VERSION}\r\n\r\n".encode() + out)
            await writer.drain()
            if headers.get("connection", "").lower() == "close":
                break
    except (asyncio.IncompleteReadError, ConnectionError, ValueError, asyncio.LimitOverrunError):
        pass
    finally:
        SRV.writers.discard(writer)
        writer.close()

async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", args.port)
    port = server.sockets[0].getsockname()[1]
    log("started", port=port, posts_loaded=len(DB["posts"]))
    print(f"listening {port}", flush=True)
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set)
    async with server:
        await stop.wait()
        for w in list(SRV.writers):  # end every connection so no task is cancelled mid-read
            w.transport.abort()
        await asyncio.sleep(0.1)

if __name__ == "__main__":
    asyncio.run(main())
