#!/usr/bin/env python3
"""Drives a QEMU running Tandem through QMP for the console tests: keys, mouse
motion and screen dumps, with waits on the serial log.

usage: qmp.py SOCKET LOG SCRIPT
SCRIPT holds one step a line; every failed check prints why and the run goes on,
the exit status is the number of failed checks (the last line says so too):
  wait REGEX [SECONDS]          until a line of LOG matches (default 300 s); _ is a
                                blank in REGEX (as in count)
  sleep SECONDS
  keys KEY[+KEY...] ...         send-key chords (QEMU qcodes), one after the other
  type TEXT                     send-key for each character (a-z, 0-9, space)
  keydown KEY / keyup KEY       a key pressed (held) or released
  mouse DX DY                   relative motion
  link NAME up|down             a NIC's (QEMU device id) link goes up or down
  keylat KEY REGEX N            N presses of KEY, each timed until a new line matches
  dump NAME                     screen dump (PPM) kept as NAME
  pixel NAME X Y RRGGBB         the dump's pixel (negative X, Y count from the end)
  notpixel NAME X Y RRGGBB
  anypixel NAME X Y W H RRGGBB  some pixel of the dump's W x H box at X, Y has the
                                colour (text drawn there, for instance)
  count REGEX N                 exactly N lines of LOG match
  mark                          later wait and count steps look only at lines after this
  run COMMAND...                a shell command (for instance on the cluster's head)
                                that must succeed
  until REGEX SECONDS COMMAND...  the shell command, every 2 s, until a line of its
                                output matches REGEX (_ a blank, as in wait)
"""
import json
import os
import re
import socket
import subprocess
import sys
import time


class Qmp:
    def __init__(self, path, timeout=60):
        deadline = time.time() + timeout
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX)
                self.sock.connect(path)
                break
            except OSError:
                if time.time() > deadline:
                    raise
                time.sleep(0.2)
        self.file = self.sock.makefile("rw")
        json.loads(self.file.readline())  # the greeting
        self.cmd("qmp_capabilities")

    def cmd(self, command, **args):
        self.file.write(json.dumps({"execute": command, "arguments": args}) + "\n")
        self.file.flush()
        while True:
            reply = json.loads(self.file.readline())
            if "return" in reply:
                return reply["return"]
            if "error" in reply:
                raise RuntimeError("%s: %s" % (command, reply["error"].get("desc")))


def read_ppm(path):
    with open(path, "rb") as f:
        data = f.read()
    fields, pos = [], 0
    while len(fields) < 4:
        while data[pos:pos + 1].isspace():
            pos += 1
        if data[pos:pos + 1] == b"#":
            pos = data.index(b"\n", pos)
            continue
        end = pos
        while not data[end:end + 1].isspace():
            end += 1
        fields.append(data[pos:end])
        pos = end
    pos += 1
    if fields[0] != b"P6" or fields[3] != b"255":
        raise ValueError("not a P6 PPM with 8-bit samples")
    return int(fields[1]), int(fields[2]), data[pos:]


def main():
    sock, log, script = sys.argv[1:4]
    qmp = Qmp(sock)
    failed = 0
    mark = 0
    dumps = {}
    workdir = os.path.dirname(os.path.abspath(log))

    def lines():
        with open(log, errors="replace") as f:
            return f.read().splitlines()

    def fail(msg):
        nonlocal failed
        failed += 1
        print("  " + msg, flush=True)

    for raw in open(script):
        step = raw.split()
        if not step or step[0].startswith("#"):
            continue
        op, args = step[0], step[1:]
        print("  step: " + raw.strip(), flush=True)
        if op == "wait":
            regex = re.compile(args[0].replace("_", " "))
            limit = time.time() + (float(args[1]) if len(args) > 1 else 300)
            while not any(regex.search(l) for l in lines()[mark:]):
                if time.time() > limit:
                    fail("no line matching '%s' in the serial log" % regex.pattern)
                    break
                time.sleep(0.25)
        elif op == "sleep":
            time.sleep(float(args[0]))
        elif op == "keys":
            for chord in args:
                keys = [{"type": "qcode", "data": k} for k in chord.split("+")]
                qmp.cmd("send-key", keys=keys, **{"hold-time": 100})
                time.sleep(0.3)
        elif op == "type":
            for ch in " ".join(args):
                code = "spc" if ch == " " else ch
                qmp.cmd("send-key", keys=[{"type": "qcode", "data": code}])
                time.sleep(0.15)
        elif op in ("keydown", "keyup"):
            qmp.cmd("input-send-event", events=[{"type": "key", "data": {
                "down": op == "keydown", "key": {"type": "qcode", "data": args[0]}}}])
            time.sleep(0.3)
        elif op == "mouse":
            qmp.cmd("input-send-event", events=[
                {"type": "rel", "data": {"axis": "x", "value": int(args[0])}},
                {"type": "rel", "data": {"axis": "y", "value": int(args[1])}}])
        elif op == "link":
            qmp.cmd("set_link", name=args[0], up=args[1] == "up")
        elif op == "dump":
            path = os.path.join(workdir, "console-%s.ppm" % args[0])
            qmp.cmd("screendump", filename=path)
            time.sleep(0.3)
            dumps[args[0]] = read_ppm(path)
        elif op in ("pixel", "notpixel"):
            w, h, px = dumps[args[0]]
            x, y = int(args[1]), int(args[2])
            x, y = (x + w if x < 0 else x), (y + h if y < 0 else y)
            got = px[(y * w + x) * 3:(y * w + x) * 3 + 3].hex()
            if (got == args[3].lower()) != (op == "pixel"):
                fail("screen %s at %d,%d: %s, %s %s" % (args[0], x, y, got,
                     "expected" if op == "pixel" else "expected anything but", args[3]))
        elif op == "anypixel":
            w, h, px = dumps[args[0]]
            x0, y0, bw, bh = (int(a) for a in args[1:5])
            want = bytes.fromhex(args[5])
            if not any(px[(y * w + x) * 3:(y * w + x) * 3 + 3] == want
                       for y in range(y0, min(y0 + bh, h)) for x in range(x0, min(x0 + bw, w))):
                fail("screen %s: no pixel %s in the %dx%d box at %d,%d" % (
                    args[0], args[5], bw, bh, x0, y0))
        elif op == "count":
            regex = re.compile(args[0].replace("_", " "))
            n = sum(1 for l in lines()[mark:] if regex.search(l))
            if n != int(args[1]):
                fail("%d lines matching '%s', expected %s" % (n, regex.pattern, args[1]))
        elif op == "keylat":
            # keylat KEY REGEX N: N presses of KEY, each timed from the send to the
            # first new line matching REGEX (for bench/run); prints the times.
            regex = re.compile(args[1].replace("_", " "))
            times = []
            for _ in range(int(args[2])):
                start = len(lines())
                t0 = time.time()
                qmp.cmd("send-key", keys=[{"type": "qcode", "data": args[0]}])
                while not any(regex.search(l) for l in lines()[start:]):
                    if time.time() > t0 + 10:
                        fail("no line matching '%s' after a key press" % regex.pattern)
                        break
                    time.sleep(0.002)
                else:
                    times.append((time.time() - t0) * 1000)
                time.sleep(0.5)
            print("  keylat ms: " + " ".join("%.0f" % t for t in times), flush=True)
        elif op == "mark":
            mark = len(lines())
        elif op == "run":
            r = subprocess.run(" ".join(args), shell=True, capture_output=True, text=True,
                               timeout=120)
            for l in (r.stdout + r.stderr).splitlines()[-5:]:
                print("    | " + l, flush=True)
            if r.returncode != 0:
                fail("'%s' failed (status %d)" % (" ".join(args), r.returncode))
        elif op == "until":
            regex = re.compile(args[0].replace("_", " "))
            limit = time.time() + float(args[1])
            command = " ".join(args[2:])
            out = ""
            while True:
                try:
                    out = subprocess.run(command, shell=True, capture_output=True,
                                         text=True, timeout=60).stdout
                except subprocess.TimeoutExpired:
                    out = ""
                if any(regex.search(l) for l in out.splitlines()):
                    break
                if time.time() > limit:
                    fail("'%s' never printed a line matching '%s'; last output: %s"
                         % (command, regex.pattern, out.strip()[-300:]))
                    break
                time.sleep(2)
        else:
            fail("unknown step '%s'" % op)
    print("%d checks failed" % failed)
    return failed


if __name__ == "__main__":
    sys.exit(min(main(), 100))
