#!/usr/bin/env python3
"""Reaction time of one scenario, from the daemon's JSON log and sacct.

Prints three numbers, in seconds: sacct End of JOB to the daemon's
job_state_changed event that saw JOB end, to its run_backoff event (or
"-" without one), and to the job_resubmitted event that replaced JOB.

usage: reaction.py DAEMON_LOG JOB SACCT_END
  SACCT_END is sacct's End, local time, 2006-01-02T15:04:05.
"""
import datetime
import json
import sys

TERMINAL = {"COMPLETED", "FAILED", "TIMEOUT", "CANCELLED", "OUT_OF_MEMORY", "NODE_FAIL",
            "PREEMPTED", "BOOT_FAIL", "DEADLINE"}


def main(argv):
    if len(argv) != 4:
        sys.exit(__doc__)
    log, job, end = argv[1], argv[2], argv[3]
    end_t = datetime.datetime.strptime(end, "%Y-%m-%dT%H:%M:%S").astimezone()
    seen = {}
    with open(log) as f:
        for line in f:
            try:
                e = json.loads(line)
            except ValueError:
                continue
            ev, t = e.get("event") or e.get("msg"), e.get("ts")
            if not t or e.get("job_id") != job:
                continue
            t = datetime.datetime.fromisoformat(t.replace("Z", "+00:00"))
            if ev == "job_state_changed" and e.get("state", "").split(" ")[0] in TERMINAL:
                seen.setdefault("ended", t)
            elif ev in ("run_backoff", "job_resubmitted"):
                seen.setdefault(ev, t)
    if "job_resubmitted" not in seen:
        sys.exit(f"reaction.py: no job_resubmitted for job {job} in {log}")
    out = []
    for k in ("ended", "run_backoff", "job_resubmitted"):
        out.append(f"{(seen[k] - end_t).total_seconds():.1f}" if k in seen else "-")
    print(" ".join(out))


if __name__ == "__main__":
    main(sys.argv)
