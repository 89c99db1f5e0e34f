#!/usr/bin/env python3
"""Edit-to-reload latency of `policybook serve`: starts the server on a corpus, listens to its
live-reload events like an open page, edits one document (appends a sentence, then removes
it again), and times each edit until the `reload` event arrives.

Usage: bench/serve_latency.py CORPUS [--edits N] [--poll]
Prints each latency and the median, in milliseconds. `bench/run.py` uses `edit_latencies`
to report the same figure beside the builds of the same run.
"""
import argparse
import os
import re
import socket
import statistics
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def edit_latencies(exe, corpus, edits, out=None, poll=False, today="2026-11-27", echo=True):
    """Starts `serve` on `corpus` (writing to `out` when given), waits for its first build, then
    edits the middle document `edits` times; returns (edited path, latencies in ms)."""
    cmd = [exe, "serve", "--port", "0", "--today", today, "--quiet"]
    cmd += (["--poll"] if poll else []) + (["--out", out] if out else [])
    server = subprocess.Popen(cmd, cwd=corpus, stderr=subprocess.PIPE, text=True)
    port = None
    for line in server.stderr:
        if echo:
            sys.stderr.write(line)
        m = re.search(r"127\.0\.0\.1:(\d+)/", line)
        if m:
            port = int(m.group(1))
            break
    if port is None:
        server.wait()
        sys.exit("serve did not start")
    sink = sys.stderr if echo else open(os.devnull, "w")
    threading.Thread(target=lambda: [sink.write(l) for l in server.stderr], daemon=True).start()

    events = []
    cond = threading.Condition()

    def listen():
        s = socket.create_connection(("127.0.0.1", port))
        # serve answers only its own Host (DNS rebinding).
        s.sendall(f"GET /__policybook/events HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
        buf = b""
        while True:
            data = s.recv(65536)
            if not data:
                return
            buf += data
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                if line.startswith(b"event: reload"):
                    with cond:
                        events.append(time.perf_counter())
                        cond.notify_all()

    threading.Thread(target=listen, daemon=True).start()
    time.sleep(1.0)

    docs = sorted(
        os.path.join(d, f)
        for d, _, fs in os.walk(os.path.join(corpus, "content"))
        for f in fs
        if f.endswith(".md")
    )
    target = docs[len(docs) // 2]
    original = open(target, encoding="utf-8").read()
    latencies = []
    try:
        for i in range(edits):
            text = original + (f"\nEdited for the latency benchmark, round {i}.\n" if i % 2 == 0 else "")
            with cond:
                seen = len(events)
            started = time.perf_counter()
            with open(target, "w", encoding="utf-8") as f:
                f.write(text)
            with cond:
                if not cond.wait_for(lambda: len(events) > seen, timeout=60):
                    sys.exit("no reload event within 60 s")
                latencies.append((events[seen] - started) * 1000)
            time.sleep(1.5)
    finally:
        with open(target, "w", encoding="utf-8") as f:
            f.write(original)
        server.terminate()
        server.wait()
    return os.path.relpath(target, corpus), latencies


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus")
    ap.add_argument("--edits", type=int, default=6)
    ap.add_argument("--poll", action="store_true")
    args = ap.parse_args()
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    exe = os.path.join(ROOT, "target", "release", "policybook")
    target, latencies = edit_latencies(exe, args.corpus, args.edits, poll=args.poll)
    print(f"edited {target}")
    print("latencies (ms): " + ", ".join(f"{l:.0f}" for l in latencies))
    print(f"median edit-to-reload: {statistics.median(latencies):.0f} ms")


if __name__ == "__main__":
    main()
