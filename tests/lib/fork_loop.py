#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""fork_loop.py FILE: the attack of a process that forks and exits in a loop,
a new pid every few milliseconds, so that listing a uid's processes and
then signalling them always misses it.  Each generation appends a byte to
FILE: while FILE grows, the loop lives."""
import os
import sys
import time

while True:
    if os.fork():
        os._exit(0)
    with open(sys.argv[1], "a") as f:
        f.write("x")
    time.sleep(0.003)
