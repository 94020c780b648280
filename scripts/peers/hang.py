#!/usr/bin/env python3
"""A loopback TCP server that accepts connections and never answers: the far side of timeout tests.
usage: hang.py PORT STATS
PORT 0 picks a free port; "listening PORT" is printed on stdout once ready. Each connection is read
until the client closes it. STATS is rewritten as JSON {"accepted": N, "open": N, "max_open": N} on
every change, so a test can check how many requests were in flight at once."""
import json, os, signal, socket, sys, threading
# A parent may hand down a blocked SIGTERM (e.g. a test runner thread); stop must work.
signal.pthread_sigmask(signal.SIG_SETMASK, [])
port, stats_path = int(sys.argv[1]), sys.argv[2]
lock = threading.Lock()
stats = {"accepted": 0, "open": 0, "max_open": 0}
def save():
    tmp = stats_path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(stats, f)
    os.replace(tmp, stats_path)
def serve(conn):
    try:
        while conn.recv(65536):
            pass
    except OSError:
        pass
    finally:
        conn.close()
        with lock:
            stats["open"] -= 1
            save()
listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(("127.0.0.1", port))
listener.listen(128)
with lock:
    save()
print("listening", listener.getsockname()[1], flush=True)
while True:
    conn, _ = listener.accept()
    with lock:
        stats["accepted"] += 1
        stats["open"] += 1
        stats["max_open"] = max(stats["max_open"], stats["open"])
        save()
    threading.Thread(target=serve, args=(conn,), daemon=True).start()
