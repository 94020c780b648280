#!/usr/bin/env python3
"""Holds the loopback fakes to the platforms' OFFICIAL Python clients (run with the peers venv's python).

usage: check_fakes.py [slack|mattermost]      (no argument: both)
- slack: slack_socket.py driven by slack_sdk.socket_mode.builtin.SocketModeClient + slack_sdk.WebClient
- mattermost: mattermost_fake.py driven by mattermostdriver.Driver (REST + init_websocket); the
  reliable-websocket resume rules (which mattermostdriver does not use) are checked with a plain
  websockets client against the rules in mattermost's web_conn.go.
Prints one line per check ("PASS ..." / "FAIL ..."); exits 0 only if every check passed."""
import asyncio, json, logging, os, queue, subprocess, sys, tempfile, threading, time, urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
FAILED = []


def check(name, ok, detail=""):
    print(("PASS " if ok else "FAIL ") + name + (f" ({detail})" if detail and not ok else ""), flush=True)
    if not ok:
        FAILED.append(name)
    return ok


def wait(pred, timeout=10.0, step=0.1):
    end = time.time() + timeout
    while time.time() < end:
        try:
            value = pred()
            if value:
                return value
        except Exception:
            pass
        time.sleep(step)
    return None


def start(script, *argv):
    p = subprocess.Popen([sys.executable, os.path.join(HERE, script), *argv], stdout=subprocess.PIPE, text=True)
    line = p.stdout.readline().split()
    ports = {k: int(v) for k, _, v in (w.partition("=") for w in line[1:]) if v} or {"port": int(line[1])}
    return p, ports


def http(method, url, body=None, headers=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json",
                                                                           **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def check_slack(tmp):
    from slack_sdk import WebClient
    from slack_sdk.errors import SlackApiError
    from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
    from slack_sdk.socket_mode.builtin import SocketModeClient
    from slack_sdk.socket_mode.response import SocketModeResponse

    proc, ports = start("slack_socket.py", "--http-port", "0", "--ws-port", "0", "--out",
                        os.path.join(tmp, "slack.log"), "--retry-after", "1", "--grace", "10")
    base = f"http://127.0.0.1:{ports['http']}"
    ctl = lambda m, what, body=None: http(m, f"{base}/control/{what}", body)
    client = None
    try:
        web = WebClient(token="xoxb-test", base_url=f"{base}/api/",
                        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=2)])
        client = SocketModeClient(app_token="xapp-1-test", web_client=web)

        def on_request(c, req):
            body = {"text": f"ack {req.payload.get('command', req.type)}"}
            c.send_socket_mode_response(SocketModeResponse(envelope_id=req.envelope_id, payload=body))
        client.socket_mode_request_listeners.append(on_request)
        t0 = time.time()
        client.connect()
        waited = time.time() - t0
        reqs = ctl("GET", "requests")[1]
        opens = [r for r in reqs if r["method"] == "apps.connections.open"]
        check("slack: 429 + Retry-After honoured by RateLimitErrorRetryHandler",
              [r["status"] for r in opens[-2:]] == [429, 200] and waited >= 1.0, f"{opens}, waited {waited:.2f}s")
        check("slack: app token sent as Bearer header", opens[-1]["authorization"] == "Bearer xapp-1-test")
        try:
            SocketModeClient(app_token="xapp-1-wrong", web_client=web).issue_new_wss_url()
            check("slack: wrong app token refused", False, "no error")
        except SlackApiError as e:
            check("slack: wrong app token -> invalid_auth", e.response["error"] == "invalid_auth", e.response.data)
        check("slack: client opened socket 1 and got hello",
              wait(lambda: ctl("GET", "state")[1]["open_connections"] == [1]), ctl("GET", "state"))

        slash = {"token": "x", "team_id": "T111", "channel_id": "C111", "user_id": "U111", "command": "/incident",
                 "text": "declare sev2", "api_app_id": "A0TEST", "trigger_id": "1.2.x",
                 "response_url": "https://hooks.slack.com/commands/T111/1/x"}
        code, sent = ctl("POST", "envelope", {"type": "slash_commands", "payload": slash,
                                              "accepts_response_payload": True})
        ack = wait(lambda: [a for a in ctl("GET", "acks")[1] if a["envelope_id"] == sent["envelope_id"]])
        check("slack: slash_commands envelope acked with response payload",
              code == 200 and ack and ack[0]["payload"] == {"text": "ack /incident"} and ack[0]["connection"] == 1,
              f"{code} {sent} {ack}")

        resp = web.chat_postMessage(channel="C111", text="INC-42 declared")
        logged = [r for r in ctl("GET", "requests")[1] if r["method"] == "chat.postMessage"]
        check("slack: chat.postMessage via WebClient answered and logged with bot token",
              resp["ok"] and resp["channel"] == "C111" and logged and logged[-1]["authorization"] == "Bearer xoxb-test"
              and logged[-1]["params"].get("text") == "INC-42 declared", logged)

        code, _ = ctl("POST", "disconnect", {"reason": "refresh_requested"})
        st = wait(lambda: (lambda s: s if s["opens"] == 2 and s["open_connections"] == [2] else None)(
            ctl("GET", "state")[1]), timeout=9)
        check("slack: refresh_requested -> client opened a new socket and closed the old one", st, ctl("GET", "state"))
        code, sent = ctl("POST", "envelope", {"type": "events_api", "payload": {"type": "event_callback",
                     "event": {"type": "app_mention", "text": "<@U0BOT> ack INC-42", "channel": "C111",
                               "user": "U222", "ts": "1700000000.000200"}, "event_id": "Ev1", "team_id": "T111"}})
        ack = wait(lambda: [a for a in ctl("GET", "acks")[1] if a["envelope_id"] == sent["envelope_id"]])
        check("slack: envelope after reconnect acked on socket 2", ack and ack[0]["connection"] == 2, ack)

        code, _ = ctl("POST", "disconnect", {"reason": "link_disabled"})
        st = wait(lambda: (lambda s: s if not s["open_connections"] else None)(ctl("GET", "state")[1]))
        refused = wait(lambda: [r for r in ctl("GET", "requests")[1] if r["answer"].get("error") == "link_disabled"],
                       timeout=15)
        check("slack: link_disabled closes the socket and later opens are refused", st and refused,
              ctl("GET", "state"))
    finally:
        if client:
            client.close()
        proc.terminate()
        proc.wait(5)


def check_mattermost(tmp):
    import websockets.sync.client as wsc
    from mattermostdriver import Driver
    from mattermostdriver.exceptions import NoAccessTokenProvided
    for name in ("mattermostdriver.websocket", "mattermostdriver.api", "mattermostdriver.client"):
        logging.getLogger(name).setLevel(logging.CRITICAL)  # the driver sets INFO on import

    token, state = "bottoken0000000000000000000", os.path.join(tmp, "mm-state.json")
    argv = ["--port", "0", "--out", os.path.join(tmp, "mm.log"), "--token", token, "--state", state]
    proc, ports = start("mattermost_fake.py", *argv)
    port, ch = ports["port"], "incidentschannel0000000000"
    base = f"http://127.0.0.1:{port}"
    opts = {"url": "127.0.0.1", "port": port, "scheme": "http", "token": token, "basepath": "/api/v4"}
    try:
        d = Driver(opts)
        me = d.login()
        check("mattermost: login() via users/me", me.get("username") == "incident-bot" and len(me["id"]) == 26, me)
        try:
            Driver({**opts, "token": "wrong"}).login()
            check("mattermost: wrong token refused", False)
        except NoAccessTokenProvided:
            check("mattermost: wrong token -> 401 (driver raises NoAccessTokenProvided)", True)

        before = int(time.time() * 1000) - 1
        post = d.posts.create_post({"channel_id": ch, "message": "INC-42 declared <sev2>"})
        listing = d.posts.get_posts_for_channel(ch, params={"since": before})
        check("mattermost: create_post + get_posts_for_channel(since)",
              len(post["id"]) == 26 and listing["order"] == [post["id"]] and
              listing["posts"][post["id"]]["message"] == "INC-42 declared <sev2>", listing)
        later = d.posts.get_posts_for_channel(ch, params={"since": post["update_at"]})
        check("mattermost: since is exclusive (update_at > since)", later["order"] == [], later)
        eph = d.posts.create_ephemeral_post({"user_id": "someuser00000000000000000a",
                                             "post": {"channel_id": ch, "message": "only you"}})
        check("mattermost: create_ephemeral_post", eph.get("type") == "system_ephemeral" and
              http("GET", f"{base}/control/ephemeral_posts")[1][0]["user_id"] == "someuser00000000000000000a")

        got, holder = queue.Queue(), {}

        def run_socket():
            asyncio.set_event_loop(asyncio.new_event_loop())
            async def handler(msg):
                got.put(json.loads(msg))
            holder["driver"] = Driver(opts)
            holder["driver"].login()
            holder["driver"].init_websocket(handler)
        threading.Thread(target=run_socket, daemon=True).start()
        msgs = []
        def until(pred, timeout=10):
            end = time.time() + timeout
            while time.time() < end:
                try:
                    msgs.append(got.get(timeout=0.2))
                except queue.Empty:
                    pass
                hit = [m for m in msgs if pred(m)]
                if hit:
                    return hit[0]
        hello = until(lambda m: m.get("event") == "hello")
        ok = until(lambda m: m.get("seq_reply") == 1)
        check("mattermost: init_websocket authentication_challenge -> hello(seq 0) + OK reply",
              hello and hello["seq"] == 0 and len(hello["data"]["connection_id"]) == 26 and ok and
              ok["status"] == "OK", msgs)
        http("POST", f"{base}/control/post", {"channel_id": ch, "username": "oncall.alice",
                                              "message": "@incident-bot ack INC-42"})
        ev = until(lambda m: m.get("event") == "posted")
        inner = json.loads(ev["data"]["post"]) if ev and isinstance(ev["data"]["post"], str) else {}
        check("mattermost: posted event with data.post as a JSON string, seq 1",
              ev and ev["seq"] == 1 and inner.get("message") == "@incident-bot ack INC-42" and
              ev["data"]["sender_name"] == "@oncall.alice" and ev["broadcast"]["channel_id"] == ch, ev)
        d.posts.create_post({"channel_id": ch, "message": "ack noted"})
        ev = until(lambda m: m.get("event") == "posted" and "ack noted" in m["data"]["post"])
        check("mattermost: the bot's own REST post comes back as posted (seq 2)", ev and ev["seq"] == 2, ev)
        holder["driver"].disconnect()
        http("POST", f"{base}/control/drop")

        # Reliable-websocket rules (web_conn.go), with the bot token in the upgrade header.
        url, hdr = f"ws://127.0.0.1:{port}/api/v4/websocket", {"Authorization": f"Bearer {token}"}
        with wsc.connect(url, additional_headers=hdr) as s:
            h = json.loads(s.recv(timeout=5))
            cid = h["data"]["connection_id"]
            http("POST", f"{base}/control/post", {"channel_id": ch, "username": "bob", "message": "one"})
            first = json.loads(s.recv(timeout=5))
        http("POST", f"{base}/control/post", {"channel_id": ch, "username": "bob", "message": "two (while away)"})
        with wsc.connect(f"{url}?connection_id={cid}&sequence_number=1", additional_headers=hdr) as s:
            replay = [json.loads(s.recv(timeout=5)) for _ in range(2)]
        check("mattermost: resume with connection_id & sequence_number=1 replays seq 1..2, no hello",
              h["seq"] == 0 and first["seq"] == 1 and [m.get("seq") for m in replay] == [1, 2] and
              all(m["event"] == "posted" for m in replay), replay)
        http("POST", f"{base}/control/restart", {"down_seconds": 1})
        refused = http("GET", f"{base}/api/v4/users/me", headers=hdr)[0]
        time.sleep(1.2)
        with wsc.connect(f"{url}?connection_id={cid}&sequence_number=3", additional_headers=hdr) as s:
            h2 = json.loads(s.recv(timeout=5))
        check("mattermost: /control/restart -> 503 while down, then a new connection_id in hello",
              refused == 503 and h2["event"] == "hello" and h2["seq"] == 0 and h2["data"]["connection_id"] != cid,
              (refused, h2))

        proc.kill()  # kill -9, then a new process on the same --state file
        proc.wait(5)
        proc, ports = start("mattermost_fake.py", *argv)
        d2 = Driver({**opts, "port": ports["port"]})
        d2.login()
        catch_up = d2.posts.get_posts_for_channel(ch, params={"since": before})
        msgs_after = [catch_up["posts"][i]["message"] for i in catch_up["order"]]
        check("mattermost: posts survive kill -9 via --state (newest first)",
              msgs_after[0] == "two (while away)" and "INC-42 declared <sev2>" in msgs_after, msgs_after)
        bot_posts = http("GET", f"http://127.0.0.1:{ports['port']}/control/bot_posts")[1]
        check("mattermost: /control/bot_posts lists the REST-created bot posts in order",
              [p["message"] for p in bot_posts] == ["INC-42 declared <sev2>", "ack noted"], bot_posts)
    finally:
        proc.terminate()
        proc.wait(5)


if __name__ == "__main__":
    logging.basicConfig(level=logging.CRITICAL)
    which = sys.argv[1:] or ["slack", "mattermost"]
    with tempfile.TemporaryDirectory() as tmp:
        for name in which:
            try:
                {"slack": check_slack, "mattermost": check_mattermost}[name](tmp)
            except Exception as e:  # a crash in a check is a failure, not a traceback-only exit
                check(f"{name}: ran to the end", False, repr(e))
    print("ALL PASS" if not FAILED else f"{len(FAILED)} FAILED", flush=True)
    sys.exit(1 if FAILED else 0)
