#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""pty_answer.py PROMPT ANSWER CMD...: runs CMD on a pseudo-terminal and types
ANSWER once PROMPT appears (programs like su read a password from their
terminal and flush what was typed before they asked).  Prints what CMD wrote;
exits with CMD's status; gives up after 20 s."""
import os
import pty
import sys
import time

prompt, answer, cmd = sys.argv[1].encode(), sys.argv[2].encode(), sys.argv[3:]
pid, fd = pty.fork()
if pid == 0:
    os.execvp(cmd[0], cmd)
out, sent, end = b"", False, time.monotonic() + 20
while time.monotonic() < end:
    try:
        b = os.read(fd, 1024)
    except OSError:
        break
    if not b:
        break
    out += b
    if not sent and prompt in out:
        time.sleep(0.1)
        os.write(fd, answer + b"\n")
        sent = True
sys.stdout.write(out.decode(errors="replace"))
sys.exit(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
