#!/usr/bin/env python3
"""Run a command and print what it read: RCHAR SYSCR from /proc/PID/io.

rchar counts every byte the process got from read-like system calls
(page cache hits included), syscr how many such calls it made. The
process is reaped only after its counters are read. Its stdout is
discarded.

usage: procio.py COMMAND [ARGS...]
"""
import os
import subprocess
import sys


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    p = subprocess.Popen(argv[1:], stdout=subprocess.DEVNULL)
    os.waitid(os.P_PID, p.pid, os.WEXITED | os.WNOWAIT)
    with open(f"/proc/{p.pid}/io") as f:
        io = dict(line.split(": ") for line in f.read().splitlines())
    p.wait()
    print(io["rchar"], io["syscr"])


if __name__ == "__main__":
    main(sys.argv)
