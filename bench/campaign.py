#!/usr/bin/env python3
"""The goodput campaign's schedule and its accounting (bench/campaign.sh).

usage: campaign.py schedule SEED ITERATIONS TIME_LIMIT_MINUTES
         prints "CRASH_STEP HANG_STEP D1,D2,..." : the steps of the crash and
         the hang, and the human's noticing delays in seconds, one per job end
       campaign.py analyse --iterations N --save-seconds S --out DIR
         [--evals VAL_EVERY:VAL_S,CORE_EVERY:CORE_S]
         --table TSV --schedule "CRASH HANG DELAYS" NAME=DIR...
         accounts for each scenario's jobs from sacct and the job logs (and
         report.json where the daemon wrote one), prints the table, writes
         DIR/summary.tsv and appends the summary rows to TSV.

Allocated time is sacct's ElapsedRaw times the CPUs of AllocTRES (no GPUs
on the local cluster: CPU-seconds stand in for GPU-seconds). Banked time is
the steps the campaign kept (the final checkpoint's step, when training
finished) times the median "dt:" of the step lines, as the daemon's report
costs them. Evaluation pauses (val_bpb, CORE) are lost time in that
account; the goodput "with evaluations" also counts as useful the ones a
run without faults makes (every evaluation step of 0..N once).
"""
import argparse
import glob
import json
import os
import random
import re
import statistics
import subprocess
import sys
import time

STEP_RE = re.compile(r"^step (\d+)/(\d+) .*\| dt: ([0-9.]+)ms")
RESUME_RE = re.compile(r"^=== Resuming from step (\d+) ===$")
SAVE_EVERY_RE = re.compile(r"^\s*SIMTRAIN_SAVE_EVERY=(\d+)$")
SACCT_FIELDS = "JobIDRaw,State,ElapsedRaw,AllocTRES,Submit,Start,End,TimelimitRaw"

# The full-size campaign the scale-down stands for: nanochat's d20 on a
# cluster that kills every job at 24 hours.
REAL_LIMIT_S = 24 * 3600


def schedule(seed, iterations, limit_min):
    """A crash at 52-60 % of the run and a hang at 70-76 %; a noticing
    delay per job end: by day 1-4 h, at night (one end in three) 6-10 h,
    scaled by the same factor as the time limit (24 h → limit).

    With the default settings a job trains about half the run, so the
    windows put the crash inside the second job and the hang inside the
    third in every regime. A fault that falls on a job's kill (a first
    version drew the crash from 40-50 %, and it fired within a second of
    one regime's first TIMEOUT) is hidden by the limit in one regime and
    not in another: then the regimes no longer share a schedule."""
    rng = random.Random(seed)
    crash = rng.randint(iterations * 52 // 100, iterations * 60 // 100)
    hang = rng.randint(iterations * 70 // 100, iterations * 76 // 100)
    scale = REAL_LIMIT_S / (limit_min * 60)
    delays = []
    for _ in range(12):
        hours = rng.uniform(6, 10) if rng.random() < 1 / 3 else rng.uniform(1, 4)
        delays.append(max(1, round(hours * 3600 / scale)))
    print(crash, hang, ",".join(map(str, delays)))


def sacct(ids):
    """sacct rows by job id; slurmdbd may be down a while (other suites
    restart it), so ask again until every job is there and has ended."""
    rows = {}
    for _ in range(90):
        try:
            out = subprocess.run(["sacct", "-X", "-n", "-P", "-o", SACCT_FIELDS, "-j", ",".join(ids)],
                                 capture_output=True, text=True, timeout=30, check=True).stdout
        except (subprocess.SubprocessError, OSError):
            time.sleep(2)
            continue
        rows = {}
        for line in out.splitlines():
            f = line.split("|")
            if len(f) == 8:
                rows[f[0]] = dict(zip(SACCT_FIELDS.split(","), f))
        if all(i in rows and rows[i]["End"] not in ("", "Unknown") for i in ids):
            return rows
        time.sleep(2)
    sys.exit(f"campaign.py: sacct has no ended row for some of {ids}: {sorted(rows)}")


def epoch(t):
    return time.mktime(time.strptime(t, "%Y-%m-%dT%H:%M:%S"))


def cpus(tres):
    m = re.search(r"(?:^|,)cpu=(\d+)", tres)
    return int(m.group(1)) if m else 0


def job_ids(name, d):
    if name == "a":
        with open(os.path.join(d, "jobs")) as f:
            return [l.strip() for l in f if l.strip()]
    ids = []
    with open(os.path.join(d, "state", "journal.jsonl")) as f:
        for line in f:
            try:
                e = json.loads(line)
            except ValueError:
                continue
            j = (e.get("fields") or {}).get("new_job_id")
            if e.get("event") in ("job_submitted", "job_resubmitted") and j and j not in ids:
                ids.append(j)
    return ids


def read_log(path):
    """What a job's log shows: its step lines, resume step, saves, end."""
    r = {"first": None, "last": None, "dts": [], "resume": None, "saves": 0, "complete": False,
         "save_every": None, "load_failed": False, "vals": 0, "cores": 0}
    try:
        f = open(path, errors="replace")
    except OSError:
        return r
    with f:
        for line in f:
            m = STEP_RE.match(line)
            if m:
                s = int(m.group(1))
                r["first"] = s if r["first"] is None else r["first"]
                r["last"] = s
                r["dts"].append(float(m.group(3)) / 1000)
                continue
            if "Saved optimizer state to" in line:
                r["saves"] += 1
            elif "| Validation bpb:" in line:
                r["vals"] += 1
            elif "| CORE metric:" in line:
                r["cores"] += 1
            elif line.startswith("=== Training complete! ==="):
                r["complete"] = True
            elif "load_checkpoint(" in line:
                r["load_failed"] = True
            elif (m := RESUME_RE.match(line.strip())):
                r["resume"] = int(m.group(1))
            elif (m := SAVE_EVERY_RE.match(line)):
                r["save_every"] = int(m.group(1))
    return r


def save_interval(ckpt, k):
    """Median wall time between two saves k steps apart (meta mtimes)."""
    steps = {}
    for p in glob.glob(os.path.join(ckpt, "meta_*.json")):
        m = re.search(r"meta_(\d+)\.json$", p)
        if m:
            steps[int(m.group(1))] = os.path.getmtime(p)
    gaps = [steps[s + k] - steps[s] for s in steps if s + k in steps and 0 < steps[s + k] - steps[s] < 10 * k]
    return statistics.median(gaps) if gaps else None


def stall_event(d):
    """The fields of the daemon's run_stalled event, if it logged one."""
    try:
        f = open(os.path.join(d, "state", "journal.jsonl"))
    except OSError:
        return None
    with f:
        for line in f:
            try:
                e = json.loads(line)
            except ValueError:
                continue
            if e.get("event") == "run_stalled":
                return e.get("fields") or {}
    return None


def ideal_evals(iterations, evals):
    """Seconds of evaluation a run of 0..iterations without faults makes:
    val_bpb at 0 and every multiple, CORE at every multiple above 0, both
    at the last step."""
    (ve, vs), (ce, cs) = evals
    n_val = (iterations // ve + (iterations % ve != 0) + 1) if ve > 0 else 0
    n_core = (iterations // ce + (iterations % ce != 0)) if ce > 0 else 0
    return n_val * vs + n_core * cs


def analyse_one(name, d, iterations, save_seconds, evals):
    ids = job_ids(name, d)
    rows = sacct(ids)
    jobs = []
    for i in ids:
        r = rows[i]
        log = read_log(os.path.join(d, f"slurm-{i}.out"))
        jobs.append({"id": i, "state": r["State"].split()[0], "elapsed": int(r["ElapsedRaw"] or 0),
                     "cpus": cpus(r["AllocTRES"]), "submit": epoch(r["Submit"]),
                     "start": epoch(r["Start"]) if r["Start"] not in ("", "Unknown", "None") else None,
                     "end": epoch(r["End"]), "limit_min": r["TimelimitRaw"], **log})
    dts = [x for j in jobs for x in j["dts"]]
    step_time = statistics.median(dts) if dts else 0.0
    unit = max((j["cpus"] for j in jobs), default=1) or 1
    alloc = sum(j["elapsed"] * j["cpus"] for j in jobs)
    done = any(j["complete"] for j in jobs)
    banked_steps = iterations if done else max((j["resume"] or 0) for j in jobs)
    banked = banked_steps * step_time * unit
    trained_steps = sum(j["last"] - j["first"] + 1 for j in jobs if j["first"] is not None)
    lost_steps = max(0, trained_steps - banked_steps)
    saves = sum(j["saves"] for j in jobs)
    (_, val_s), (_, core_s) = evals
    eval_s = sum(j["vals"] * val_s + j["cores"] * core_s for j in jobs) * unit
    useful_evals = ideal_evals(iterations, evals) * unit if done else 0.0
    # The hang: from the moment the hung step began (the once file is
    # written just before hanging) to the end of its job and to the next
    # submission, in save intervals of the job that hung.
    hang = None
    marker = os.path.join(d, "hung-once")
    if os.path.exists(marker):
        t = os.path.getmtime(marker)
        for n, j in enumerate(jobs):
            if j["start"] is not None and j["start"] <= t <= j["end"] + 1:
                k = j["save_every"] or 0
                iv = save_interval(os.path.join(d, "ckpt"), k) if k else None
                nxt = jobs[n + 1]["submit"] if n + 1 < len(jobs) else None
                hang = {"job": j["id"], "state": j["state"], "to_end": j["end"] - t,
                        "to_resubmit": (nxt - t) if nxt else None, "interval": iv, "save_every": k}
                break
    hung_s = hang["to_end"] * unit if hang else 0.0
    started = float(open(os.path.join(d, "started")).read())
    last_end = max(j["end"] for j in jobs)
    busy = sum(j["elapsed"] for j in jobs)
    gaps = sum(max(0.0, b["submit"] - a["end"]) for a, b in zip(jobs, jobs[1:]))
    queue = sum(max(0.0, j["start"] - j["submit"]) for j in jobs if j["start"] is not None)
    out = {"scenario": name, "jobs": len(jobs), "states": " ".join(j["state"] for j in jobs),
           "save_every": sorted({j["save_every"] for j in jobs if j["save_every"]}),
           "limits": sorted({j["limit_min"] for j in jobs}), "step_time": step_time, "unit_count": unit,
           "alloc_s": alloc, "banked_steps": banked_steps, "banked_s": banked, "done": done,
           "goodput": banked / alloc if alloc else None, "lost_s": alloc - banked,
           "lost_train_s": lost_steps * step_time * unit, "lost_steps": lost_steps,
           "save_s": saves * save_seconds * unit, "saves": saves, "hung_s": hung_s, "eval_s": eval_s,
           "goodput_evals": (banked + useful_evals) / alloc if alloc else None, "stall": stall_event(d),
           "wall_s": last_end - started, "busy_s": busy, "gaps_s": gaps, "queue_s": queue,
           "load_failures": sum(1 for j in jobs if j["load_failed"]), "hang": hang}
    out["other_s"] = out["lost_s"] - out["lost_train_s"] - out["save_s"] - out["hung_s"] - out["eval_s"]
    rep = os.path.join(d, "report.json")
    if os.path.exists(rep):
        with open(rep) as f:
            r = json.load(f)
        out["report"] = {"unit": r.get("unit"), "alloc_s": r.get("alloc_hours", 0) * 3600,
                         "banked_s": r.get("banked_hours", 0) * 3600, "banked_steps": r.get("banked_steps"),
                         "lost_steps": r.get("lost_steps"), "goodput": r.get("goodput"),
                         "jobs": len(r.get("jobs") or []), "step_time": r.get("step_time_seconds")}
    adv = os.path.join(d, "advice.json")
    if os.path.exists(adv):
        with open(adv) as f:
            out["advice"] = (json.load(f).get("advice") or {}).get("text")
    return out


def pct(x):
    return "-" if x is None else f"{100 * x:.1f} %"


TITLES = {"a": "(a) manual: the guide's resume_latest.sh after a human notices",
          "b": "(b) nanosupervisord, defaults",
          "c": "(c) nanosupervisord, on_stall: cancel, time_limit: fit, advised --save-every"}


def analyse(argv):
    p = argparse.ArgumentParser()
    p.add_argument("--iterations", type=int, required=True)
    p.add_argument("--save-seconds", type=float, required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--table", required=True)
    p.add_argument("--schedule", default="")
    p.add_argument("--evals", default="0:0,0:0", help="VAL_EVERY:VAL_SECONDS,CORE_EVERY:CORE_SECONDS")
    p.add_argument("scenarios", nargs="+")
    a = p.parse_args(argv)
    res = []
    for s in a.scenarios:
        name, d = s.split("=", 1)
        evals = [(int(e), float(t)) for e, t in (x.split(":") for x in a.evals.split(","))]
        res.append(analyse_one(name, d, a.iterations, a.save_seconds, evals))
    with open(os.path.join(a.out, "summary.json"), "w") as f:
        json.dump(res, f, indent=2)
    cols = ["scenario", "jobs", "alloc_s", "banked_s", "goodput", "goodput_evals", "lost_s", "lost_train_s", "save_s",
            "eval_s", "hung_s", "other_s", "wall_s", "gaps_s", "queue_s"]
    with open(os.path.join(a.out, "summary.tsv"), "w") as f:
        f.write("\t".join(cols) + "\n")
        for r in res:
            f.write("\t".join(f"{r[c]:.4f}" if isinstance(r[c], float) else str(r[c]) for c in cols) + "\n")

    print(f"\nGoodput campaign: {a.iterations} steps; fault schedule (crash step, hang step, noticing delays s): {a.schedule}")
    print("| scenario | jobs (states) | allocated CPU-s | banked CPU-s | goodput | with evaluations | lost CPU-s: steps trained and lost / saves / evaluations / hung / other | campaign wall s (between jobs / queued) |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in res:
        print(f"| {TITLES.get(r['scenario'], r['scenario'])} | {r['jobs']} ({r['states']}) | {r['alloc_s']:.0f} | "
              f"{r['banked_s']:.0f} | {pct(r['goodput'])} | {pct(r['goodput_evals'])} | {r['lost_s']:.0f}: "
              f"{r['lost_train_s']:.0f} / {r['save_s']:.0f} / {r['eval_s']:.0f} / "
              f"{r['hung_s']:.0f} / {r['other_s']:.0f} | {r['wall_s']:.0f} ({r['gaps_s']:.0f} / {r['queue_s']:.0f}) |")
    for r in res:
        extra = [f"--save-every {r['save_every']}, time limits (min) {r['limits']}, step time {r['step_time'] * 1000:.1f} ms",
                 f"{r['saves']} saves, {r['lost_steps']} steps trained and lost, {r['load_failures']} job(s) died loading a torn checkpoint"]
        if "report" in r:
            rep = r["report"]
            extra.append(f"report --json: {rep['jobs']} jobs, {rep['alloc_s']:.0f} {rep['unit']}-s allocated, "
                         f"{rep['banked_steps']} steps / {rep['banked_s']:.0f} s banked, goodput {pct(rep['goodput'])}")
        if r.get("advice"):
            extra.append(f"advice applied: {r['advice']}")
        if r["hang"]:
            h = r["hang"]
            iv = h["interval"]
            res_s = h["to_resubmit"]
            extra.append(f"hang: job {h['job']} {h['state']} {h['to_end']:.0f} s after the hang, next job submitted "
                         f"{'-' if res_s is None else f'{res_s:.0f} s'} after it"
                         + (f" = {res_s / iv:.2f} save intervals of {iv:.1f} s" if iv and res_s else ""))
        if r.get("stall"):
            f = r["stall"]
            extra.append(f"run_stalled: rule {f.get('stall_rule', '-')}, waited {f.get('waited', '-')}, "
                         f"quiet_for {f.get('quiet_for')}, expected_every {f.get('expected_every')}")
        print(f"- {r['scenario']}: " + "; ".join(extra))

    rows = []
    for r in res:
        s = r["scenario"]
        measured = (f"goodput {pct(r['goodput'])}: {r['banked_s']:.0f} of {r['alloc_s']:.0f} CPU-s allocated banked, "
                    f"{r['lost_s']:.0f} lost; {r['jobs']} jobs; wall {r['wall_s']:.0f} s")
        if "report" in r:
            rep = r["report"]
            measured += f"; report: goodput {pct(rep['goodput'])}, {rep['alloc_s']:.0f} s allocated"
        ratio = "—"
        if s == "c" and r["goodput"] is not None:
            gap = 100 * (r["goodput"] - 0.97)
            ratio = f"goal ≥ 97 %: {'met' if gap >= 0 else f'missed by {-gap:.1f} points'}"
            if r["goodput_evals"] is not None:
                gap = 100 * (r["goodput_evals"] - 0.97)
                ratio += f"; with evaluations {pct(r['goodput_evals'])}: {'met' if gap >= 0 else f'missed by {-gap:.1f} points'}"
        rows.append((f"5. Goodput campaign, {TITLES.get(s, s)}", "—", measured, ratio))
    hangs = {r["scenario"]: r["hang"] for r in res if r["hang"] and r["hang"]["interval"] and r["hang"]["to_resubmit"]}
    if "c" in hangs:
        h = hangs["c"]
        n = h["to_resubmit"] / h["interval"]
        base = "—"
        if "b" in hangs:
            b = hangs["b"]
            base = (f"(b): {b['state']} {b['to_end']:.0f} s, resubmitted {b['to_resubmit']:.0f} s after the hang "
                    f"({b['to_resubmit'] / b['interval']:.2f} intervals)")
        rows.append(("5. Goodput campaign, (c): hang → cancelled and resubmitted", base,
                     f"{h['state']} {h['to_end']:.0f} s, resubmitted {h['to_resubmit']:.0f} s after the hang "
                     f"({n:.2f} save intervals of {h['interval']:.1f} s)",
                     f"goal ≤ 3 intervals: {'met' if n <= 3 else f'missed by {n - 3:.2f}'}"))
    with open(a.table, "a") as f:
        for row in rows:
            f.write("\t".join(row) + "\n")


def main(argv):
    if len(argv) >= 2 and argv[1] == "schedule" and len(argv) == 5:
        schedule(int(argv[2]), int(argv[3]), float(argv[4]))
    elif len(argv) >= 2 and argv[1] == "analyse":
        analyse(argv[2:])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
