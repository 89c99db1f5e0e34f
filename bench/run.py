#!/usr/bin/env python3
"""policybook benchmark: build (cold and warm), history of every document, and the
`git log -M --name-status` baseline, measured in one run on corpora made by gen-corpus.

Usage: bench/run.py [--gen-corpus PATH] [--runs N] [--sizes small,large] [--keep DIR] [--edits N]

The corpus generator is not part of this repository (it lives beside it, in
../shared/bench/gen-corpus); pass --gen-corpus or set GEN_CORPUS when it is elsewhere.
Prints a table of medians (wall seconds, peak RSS) and ratios to the git log baseline.
When `hugo` is on PATH (Debian package `hugo`), Hugo with GitInfo builds the same corpus in
the same runs, as ../shared/bench/peers.sh does it (minimal theme, enableGitInfo = true), as
a second baseline for the cold build.
The last measure of each run is `serve`'s edit-to-reload latency (bench/serve_latency.py): a
document edited while `serve` runs, timed until the open page's reload event; its ratio to the
cold build of the same run is what an author feels.
"""
import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from serve_latency import edit_latencies

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SIZES = {"small": (200, 2000), "large": (2000, 20000)}
TODAY = "2026-11-27"


def run(cmd, cwd, env=None):
    """Runs cmd, returns (wall seconds, peak RSS KiB, stderr)."""
    wrapped = ["/usr/bin/time", "-f", "PEAKRSS %M"] + cmd
    started = time.perf_counter()
    proc = subprocess.run(wrapped, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - started
    match = re.search(r"PEAKRSS (\d+)", proc.stderr)
    return wall, int(match.group(1)) if match else 0, proc.stderr


HUGO_SINGLE = """<!doctype html><html><head><meta charset="utf-8"><title>{{ .Title }}</title></head><body>
<h1>{{ .Title }}</h1>
<p class="meta">{{ .Params.id }} v{{ .Params.version }} {{ .Params.status }} |
{{ with .GitInfo }}commit {{ .AbbreviatedHash }} by {{ .AuthorName }} on {{ .AuthorDate.Format "2006-01-02" }}{{ else }}no-gitinfo{{ end }}</p>
{{ .Content }}
</body></html>
"""
HUGO_LIST = """<!doctype html><html><head><meta charset="utf-8"><title>{{ .Title }}</title></head><body>
<h1>{{ .Title }}</h1><ul>{{ range .Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}</ul>
</body></html>
"""
HUGO_CONFIG = """baseURL = "https://isms.example.com/"
title = "Example Corp ISMS"
theme = "bench"
enableGitInfo = true
disableKinds = ["taxonomy", "term", "RSS", "sitemap", "robotsTXT", "404"]
"""


def hugo_command(workdir, corpus):
    """The Hugo-with-GitInfo build of peers.sh, or None without hugo."""
    hugo = shutil.which("hugo")
    if not hugo:
        return None
    h = os.path.join(workdir, "hugo")
    layouts = os.path.join(h, "themes", "bench", "layouts", "_default")
    os.makedirs(layouts, exist_ok=True)
    for name, text in [("single.html", HUGO_SINGLE), ("list.html", HUGO_LIST)]:
        with open(os.path.join(layouts, name), "w") as f:
            f.write(text)
    config = os.path.join(h, "hugo-git-true.toml")
    with open(config, "w") as f:
        f.write(HUGO_CONFIG)
    # The caller adds `--destination`.
    return [hugo, "--quiet", "--source", corpus, "--config", config, "--themesDir", os.path.join(h, "themes"),
            "--noBuildLock", "--cacheDir", os.path.join(h, "cache")]


def median(values):
    return statistics.median(values) if values else float("nan")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gen-corpus", default=os.environ.get("GEN_CORPUS", os.path.join(ROOT, "..", "shared", "bench", "gen-corpus")))
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--sizes", default="small,large")
    ap.add_argument("--keep", help="generate corpora here and keep them (reused when present)")
    ap.add_argument("--edits", type=int, default=4, help="edits timed under serve in each run (0: none)")
    args = ap.parse_args()
    if not os.path.exists(args.gen_corpus):
        sys.exit(f"gen-corpus not found at {args.gen_corpus}; pass --gen-corpus")

    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    exe = os.path.join(ROOT, "target", "release", "policybook")
    workdir = args.keep or tempfile.mkdtemp(prefix="policybook-bench-")
    env = dict(os.environ, POLICYBOOK_TIMINGS="1")
    env.pop("SOURCE_DATE_EPOCH", None)

    rows = []
    all_outputs = []
    for size in args.sizes.split(","):
        docs, commits = SIZES[size]
        corpus = os.path.join(workdir, f"corpus-{docs}-{commits}")
        if not os.path.exists(os.path.join(corpus, ".git")):
            subprocess.run([sys.executable, args.gen_corpus, "--docs", str(docs), "--commits", str(commits),
                            "--seed", "1", "--out", corpus, "--force", "--quiet"], check=True)
            # A build does not trust the time stamps of files modified within the last second
            # (README, "Nothing new, nothing built"): let the files just written settle, as an
            # author's have by the time they build twice.
            time.sleep(1.5)
        cache = os.path.join(corpus, ".git", "policybook")
        # Each run writes to a new directory and nothing is deleted until every run is done:
        # on ext4 without a journal (this machine's disk), a file created soon after thousands
        # were deleted costs a scan past every recently freed inode of its group, so deleting
        # one tool's output made the next tool's build pay for it (Hugo's time varied from
        # 4.0 to 6.2 s between runs that way).
        # The outputs of every size are deleted only after the last size: deleting the small
        # corpus's outputs before the large corpus's runs slowed every file the large builds
        # created for minutes (ext4 skips recently deleted inodes one by one when it allocates
        # a new one; perf shows `recently_deleted` under `__ext4_new_inode`).
        outputs = os.path.join(workdir, f"outputs-{docs}-{commits}")
        shutil.rmtree(outputs, ignore_errors=True)
        os.makedirs(outputs)
        all_outputs.append(outputs)
        build = [exe, "build", "--allow-errors", "--format", "json", "--today", TODAY]
        hugo = hugo_command(workdir, corpus)
        samples = {k: [] for k in ["git log", "cold index", "cold build", "warm build", "warm --force", "history --all"]
                   + (["hugo gitinfo"] if hugo else []) + (["edit reload"] if args.edits else [])}
        rss = {k: [] for k in samples}
        for n in range(args.runs):
            site = os.path.join(outputs, f"site-{n}")
            if hugo:
                w, m, _ = run(hugo + ["--destination", os.path.join(outputs, f"hugo-{n}")], corpus)
                samples["hugo gitinfo"].append(w); rss["hugo gitinfo"].append(m)
            w, m, _ = run(["git", "log", "-M", "--name-status", "--format=%H", "HEAD"], corpus)
            samples["git log"].append(w); rss["git log"].append(m)

            shutil.rmtree(cache, ignore_errors=True)
            w, m, err = run(build + ["--out", site], corpus, env)
            samples["cold build"].append(w); rss["cold build"].append(m)
            phases = dict((p, float(s)) for p, s in re.findall(r"timing: ([a-z ]+?)(?: \(\d+ blobs\))?: ([0-9.]+) s", err))
            samples["cold index"].append(phases.get("history walk", 0) + phases.get("blob facts", 0))
            rss["cold index"].append(m)

            # Nothing new: the build finds its inputs and the site as the last one left them.
            w, m, err = run(build + ["--out", site], corpus, env)
            if "up to date" not in err:
                print(f"note: run {n}: the warm build was not skipped (files modified within a second?)", file=sys.stderr)
            samples["warm build"].append(w); rss["warm build"].append(m)
            # The same, rebuilt from the caches (what a build does after any change outside
            # the content, before it reuses unchanged pages).
            w, m, _ = run(build + ["--out", site, "--force"], corpus, env)
            samples["warm --force"].append(w); rss["warm --force"].append(m)

            w, m, _ = run([exe, "history", "--all", "--format", "json"], corpus, env)
            samples["history --all"].append(w); rss["history --all"].append(m)

            if args.edits:
                _, latencies = edit_latencies(exe, corpus, args.edits, out=os.path.join(outputs, f"serve-{n}"),
                                              today=TODAY, echo=False)
                samples["edit reload"].extend(ms / 1000 for ms in latencies)
        base = median(samples["git log"])
        for name in samples:
            med = median(samples[name])
            rows.append((f"{docs}/{commits}", name, med, med / base, median(rss[name]) / 1024))
        rows.append((f"{docs}/{commits}", "warm/cold build", median(samples["warm build"]) / median(samples["cold build"]), float("nan"), float("nan")))
        rows.append((f"{docs}/{commits}", "warm --force/cold", median(samples["warm --force"]) / median(samples["cold build"]), float("nan"), float("nan")))
        if args.edits:
            rows.append((f"{docs}/{commits}", "edit/cold build", median(samples["edit reload"]) / median(samples["cold build"]), float("nan"), float("nan")))
        if hugo:
            rows.append((f"{docs}/{commits}", "cold/hugo build", median(samples["cold build"]) / median(samples["hugo gitinfo"]), float("nan"), float("nan")))

    print(f"\npolicybook benchmark, {args.runs} runs each, medians ({os.cpu_count()} cores)")
    print(f"{'corpus':<12} {'measure':<16} {'seconds':>9} {'x git log':>10} {'peak MiB':>9}")
    for corpus, name, sec, ratio, mib in rows:
        ratio_s = "" if ratio != ratio else f"{ratio:.2f}"
        mib_s = "" if mib != mib else f"{mib:.0f}"
        value = f"{sec:.3f}" if "/" not in name else (f"{sec:.0%}" if name.startswith(("warm", "edit")) else f"{sec:.2f}x")
        print(f"{corpus:<12} {name:<16} {value:>9} {ratio_s:>10} {mib_s:>9}")
    print("\n'warm build' is a second build with nothing new (skipped: the inputs and the site are as the last build left them);"
          " 'warm --force' rebuilds it anyway from the caches.")
    print("'cold index' is the history walk plus reading every revision's blob, inside the cold build;"
          " 'x git log' divides by `git log -M --name-status --format=%H HEAD` on the same corpus in the same run;"
          " 'edit reload' is the median of every edit's latency under `serve` (peak MiB not measured there).")
    for outputs in all_outputs:
        shutil.rmtree(outputs, ignore_errors=True)
    if not args.keep:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
