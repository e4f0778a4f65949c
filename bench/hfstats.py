#!/usr/bin/env python3
"""Summarize timings as one line per command: NAME MEDIAN_MS MEAN_MS STDDEV_MS MIN_MS RUNS.

usage: hfstats.py HYPERFINE.json        (hyperfine --export-json output)
       hfstats.py --micros NAME < TIMES (one time in microseconds a line)
"""
import json
import statistics
import sys


def line(name, times_s):
    ms = [t * 1000 for t in times_s]
    sd = statistics.stdev(ms) if len(ms) > 1 else 0.0
    return f"{name}\t{statistics.median(ms):.2f}\t{statistics.mean(ms):.2f}\t{sd:.2f}\t{min(ms):.2f}\t{len(ms)}"


def main(argv):
    if len(argv) == 2:
        with open(argv[1]) as f:
            for r in json.load(f)["results"]:
                print(line(r["command"], r["times"]))
    elif len(argv) == 3 and argv[1] == "--micros":
        print(line(argv[2], [int(x) / 1e6 for x in sys.stdin.read().split()]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
