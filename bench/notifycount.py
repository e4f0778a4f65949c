#!/usr/bin/env python3
"""Count the daemon's passes: listen where $NOTIFY_SOCKET points and append
the time of every sd_notify STATUS= message (the daemon sends one after
each pass) to OUT, one line each. Runs until killed.

usage: notifycount.py SOCKET OUT
"""
import os
import socket
import sys
import time


def main(argv):
    if len(argv) != 3:
        sys.exit(__doc__)
    path, out = argv[1], argv[2]
    if os.path.exists(path):
        os.unlink(path)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(path)
    with open(out, "a", buffering=1) as f:
        while True:
            msg = s.recv(65536).decode(errors="replace")
            if any(line.startswith("STATUS=") for line in msg.splitlines()):
                f.write(f"{time.time():.3f}\n")


if __name__ == "__main__":
    main(sys.argv)
