#!/usr/bin/env python3
"""policybook benchmark of per-person acknowledgements (issue 22): the build's extra cost when a
corpus has a people file of 10,000 people and acknowledgement record files for 20 documents
(one file per document, every person acknowledging it: 200,000 records), as a ratio to the
same corpus without them, both measured in the same run (medians): a cold build, a warm one
with nothing new (which `build` skips when its inputs and the site are as it left them) and a
warm one with `--force` (rebuilt from the caches).

Usage: bench/acknowledgements.py [--gen-corpus PATH] [--docs N] [--commits M] [--people P]
                                 [--documents D] [--runs R] [--keep DIR] [--exe PATH]

The corpus comes from ../shared/bench/gen-corpus (pass --gen-corpus or set GEN_CORPUS when it
is elsewhere). The records name each document's latest approved version with its content
hash (from `policybook history --format json`), so that they are valid: the benchmark
measures reading and judging good records, not reporting errors. Target: <= 1.2x.
"""
import argparse
import csv
import io
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
TODAY = "2026-11-27"


def run(cmd, cwd, env=None):
    """Runs cmd, returns wall seconds; fails loudly on a crash (exit > 1)."""
    started = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - started
    if proc.returncode > 1:
        sys.exit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    return wall


def git(corpus, *args):
    subprocess.run(["git", "-c", "user.name=Bench", "-c", "user.email=bench@example.com", *args],
                   cwd=corpus, check=True, stdout=subprocess.DEVNULL)


def audiences(corpus):
    """Every audience id the corpus's documents name."""
    found = set()
    for dirpath, _, files in os.walk(os.path.join(corpus, "content")):
        for name in files:
            if name.endswith(".md"):
                with open(os.path.join(dirpath, name), encoding="utf-8") as f:
                    for line in f:
                        m = re.match(r"audience:\s*\[(.*)\]", line)
                        if m:
                            found.update(a.strip() for a in m.group(1).split(",") if a.strip())
    return sorted(found) or ["all-staff"]


def people_csv(count, groups):
    """`count` people, each in `all-staff` (when used) and two other groups, all present."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["email", "name", "groups", "joined", "left"])
    for i in range(count):
        mine = {groups[i % len(groups)], groups[(i * 7 + 3) % len(groups)]}
        if "all-staff" in groups:
            mine.add("all-staff")
        w.writerow([f"person{i:05}@example.com", f"Person {i:05}", ";".join(sorted(mine)), "2020-01-01", ""])
    return out.getvalue()


def approved_versions(exe, corpus, wanted):
    """(id, version, content hash, approved commit time) of up to `wanted` documents' latest
    approved version."""
    out = subprocess.run([exe, "history", "--all", "--format", "json"], cwd=corpus, check=True,
                         capture_output=True, text=True).stdout
    data = json.loads(out)
    docs = data if isinstance(data, list) else data.get("documents", [])
    chosen = []
    for doc in docs:
        versions = [v for v in doc.get("versions", []) if v.get("content_hash")]
        if not versions or not doc.get("id", "").startswith("POL-"):
            continue
        v = versions[-1]
        chosen.append((doc["id"], v["version"], v["content_hash"]))
        if len(chosen) == wanted:
            break
    return chosen


def add_acknowledgements(exe, corpus, people, documents):
    groups = audiences(corpus)
    with open(os.path.join(corpus, "people.csv"), "w", encoding="utf-8") as f:
        f.write(people_csv(people, groups))
    with open(os.path.join(corpus, "book.toml"), "a", encoding="utf-8") as f:
        f.write('\n[acknowledgement]\npeople = "people.csv"\n')
    chosen = approved_versions(exe, corpus, documents)
    if len(chosen) < documents:
        sys.exit(f"only {len(chosen)} approved policies with a content hash; need {documents}")
    os.makedirs(os.path.join(corpus, "acknowledgements"), exist_ok=True)
    for doc_id, version, content_hash in chosen:
        out = io.StringIO()
        w = csv.writer(out, lineterminator="\n")
        w.writerow(["email", "document", "version", "content_sha256", "at", "method", "source"])
        for i in range(people):
            w.writerow([f"person{i:05}@example.com", doc_id, version, content_hash,
                        f"2026-0{1 + i % 9}-1{i % 10}T09:00:00Z", "lms", "lms-export.csv sha256:00"])
        with open(os.path.join(corpus, "acknowledgements", f"{doc_id.lower()}.csv"), "w", encoding="utf-8") as f:
            f.write(out.getvalue())
    git(corpus, "add", "-A")
    git(corpus, "commit", "-q", "-m", "People and acknowledgement records")
    return chosen


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--gen-corpus", default=os.environ.get("GEN_CORPUS", os.path.join(ROOT, "..", "shared", "bench", "gen-corpus")))
    ap.add_argument("--docs", type=int, default=200)
    ap.add_argument("--commits", type=int, default=2000)
    ap.add_argument("--people", type=int, default=10000)
    ap.add_argument("--documents", type=int, default=20)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--keep", help="work in this directory and keep it")
    ap.add_argument("--exe", help="a built policybook (default: cargo build --release)")
    args = ap.parse_args()
    if not os.path.exists(args.gen_corpus):
        sys.exit(f"gen-corpus not found at {args.gen_corpus}; pass --gen-corpus")

    exe = args.exe
    if not exe:
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
        target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
        exe = os.path.join(target, "release", "policybook")
    workdir = args.keep or tempfile.mkdtemp(prefix="policybook-bench-ack-")
    env = dict(os.environ)
    env.pop("SOURCE_DATE_EPOCH", None)

    base = os.path.join(workdir, "without")
    acks = os.path.join(workdir, "with")
    subprocess.run([sys.executable, args.gen_corpus, "--docs", str(args.docs), "--commits", str(args.commits),
                    "--seed", "1", "--out", base, "--force", "--quiet"], check=True)
    shutil.rmtree(acks, ignore_errors=True)
    shutil.copytree(base, acks, symlinks=True)
    chosen = add_acknowledgements(exe, acks, args.people, args.documents)

    # The records are valid: no finding about them (else the run measures error reporting).
    check = subprocess.run([exe, "check", "--format", "json", "--today", TODAY], cwd=acks,
                           capture_output=True, text=True)
    findings = json.loads(check.stdout or "[]")
    bad = [d for d in findings if d["code"] in ("acknowledgement-wrong-version", "acknowledgement-unknown-person",
                                                "acknowledgement-invalid", "person-invalid", "person-duplicate")]
    if bad:
        sys.exit(f"{len(bad)} findings about the generated records, e.g. {bad[0]}")

    # A build does not trust the time stamps of files modified within the last second (see
    # README, "Nothing new, nothing built"): let the ones just written settle, as an author's
    # files have by the time they build again.
    time.sleep(1.5)
    outputs = os.path.join(workdir, "outputs")
    shutil.rmtree(outputs, ignore_errors=True)
    os.makedirs(outputs)
    build = [exe, "build", "--allow-errors", "--format", "json", "--today", TODAY]
    kinds = ("cold", "warm", "warm --force")
    samples = {(c, k): [] for c in ("without", "with") for k in kinds}
    for n in range(args.runs):
        # Alternate which corpus goes first, so that neither always runs on a warmer machine.
        order = [("without", base), ("with", acks)]
        if n % 2:
            order.reverse()
        for name, corpus in order:
            site = os.path.join(outputs, f"{name}-{n}")
            shutil.rmtree(os.path.join(corpus, ".git", "policybook"), ignore_errors=True)
            samples[(name, "cold")].append(run(build + ["--out", site], corpus, env))
            # Nothing new: skipped (inputs and site as the last build left them) ...
            samples[(name, "warm")].append(run(build + ["--out", site], corpus, env))
            # ... and rebuilt anyway from the caches.
            samples[(name, "warm --force")].append(run(build + ["--out", site, "--force"], corpus, env))

    records = args.people * len(chosen)
    print(f"corpus {args.docs} docs / {args.commits} commits; {args.people} people, "
          f"{len(chosen)} record files, {records} records; medians of {args.runs}")
    print(f"{'build':<13} {'without s':>10} {'with s':>10} {'ratio':>7}")
    for kind in kinds:
        without = statistics.median(samples[("without", kind)])
        with_ = statistics.median(samples[("with", kind)])
        print(f"{kind:<13} {without:>10.3f} {with_:>10.3f} {with_ / without:>6.2f}x")
    if not args.keep:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
