#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""A small HTTPS ticket API for the tests (shared/testing.md section 4).

    https_server.py --tickets DIR --port-file FILE --cert CRT --key KEY
                    [--routes FILE] [--log FILE] [--lifetime SECONDS]
                    [--idle SECONDS]

Binds 127.0.0.1 on a free port and writes the port number to FILE (atomically,
so a reader never sees half of it).

    GET /tickets/<id>            the content of DIR/<id>.json, else 404
    GET /lookup?user=U&host=H    a JSON array of the tickets of DIR whose
                                 scope.accounts contains U (sorted by file name)

With --routes, a ticket system's own paths: FILE is a JSON array of
{"match": REGEX, "file": NAME} (or "knob": KNOB instead of "file"), and a
request whose path as sent (query included, before any decoding) matches
REGEX (re.search) is answered with DIR/NAME, or as the knob says; the first
route that matches wins, and a path that matches none is a 404.  A route's
"source" says which public API reference the answer's shape follows.

Knobs, chosen by the ticket id (GET /tickets/<knob>) or by a query parameter
knob=<knob> on any path:

    delay-N          sleep N seconds (a float), then answer as usual
    status-NNN       answer with that HTTP status; a 3xx carries a Location
                     that would serve a valid ticket if it were followed
    size-N           a valid ticket document of exactly N bytes, Content-Length
    chunked-size-N   the same, chunked (no Content-Length)
    huge             size-70000          chunked-huge   chunked-size-70000
    trickle          a valid ticket, one byte every 0.2 s
    notjson          200 with a body that is not JSON
    scalar           200 with a JSON string (neither object nor array)
    deep             200 with arrays nested 40 deep
    badarray         200 with an array holding a non-object
    single           (lookup) the first match as a bare object, not an array
    wrapped          (lookup) the matches as ServiceNow and Jira wrap them:
                     {"result": [...], "total": N}

While a file DIR/.hang exists, every request is logged and then never
answered (the client's own timeout ends it): a ticket API that hangs.

Every request is logged as one JSON line (method, path as sent, Authorization,
User-Agent, Accept) to --log, before any knob acts, so a test can assert what
the client sent.  The server exits by itself after --lifetime seconds (default
120), after --idle seconds without a request (default 120), or when its parent
goes away, so it can never outlive a test.
"""

import argparse
import http.server
import json
import os
import re
import socket
import ssl
import sys
import threading
import time
import urllib.parse

KNOB_SIZES = {"huge": 70000, "chunked-huge": 70000}


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, addr, handler, ctx, args):
        self.ctx = ctx
        self.args = args
        self.last_activity = time.monotonic()
        self.log_lock = threading.Lock()
        super().__init__(addr, handler)

    def process_request_thread(self, request, client_address):
        # The TLS handshake runs here, in the worker thread, so that a client
        # that connects and never speaks TLS blocks nobody else.
        self.last_activity = time.monotonic()
        try:
            request.settimeout(10)
            tls = self.ctx.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            self.shutdown_request(request)
            return
        super().process_request_thread(tls, client_address)

    def handle_error(self, request, client_address):
        # Clients that hang up (a timeout in the test, a refused certificate)
        # are normal here; anything else is printed.
        exc = sys.exc_info()[1]
        if isinstance(exc, (ssl.SSLError, ConnectionError, TimeoutError,
                            BrokenPipeError, socket.timeout)):
            return
        super().handle_error(request, client_address)

    def log_request_line(self, rec):
        if not self.args.log:
            return
        with self.log_lock:
            with open(self.args.log, "a", encoding="utf-8") as f:
                f.write(json.dumps(rec) + "\n")


def ticket_doc(tid):
    return {
        "id": tid,
        "state": "approved",
        "requester": "acme-jdoe",
        "approver": "alice",
        "scope": {"hosts": ["*"], "accounts": ["vendor1"]},
        "window": {"not_before": "2026-11-22T09:00:00Z",
                   "not_after": "2026-11-22T11:00:00Z"},
        "purpose": "test",
    }


def sized_doc(tid, size):
    """A valid JSON ticket of exactly size bytes (when size allows)."""
    doc = ticket_doc(tid)
    doc["pad"] = ""
    base = len(json.dumps(doc).encode())
    if size > base:
        doc["pad"] = "x" * (size - base)
    return json.dumps(doc).encode()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True      # Nagle + delayed ACK cost ~40 ms
    timeout = 30
    server_version = "nhiacct-test"

    def log_message(self, fmt, *args):
        if self.server.args.verbose:
            super().log_message(fmt, *args)

    def send_body(self, status, body, ctype="application/json", extra=None):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)
        self.close_connection = True

    def send_chunked(self, body):
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Connection", "close")
        self.end_headers()
        for i in range(0, len(body), 4096):
            part = body[i:i + 4096]
            self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
        self.wfile.write(b"0\r\n\r\n")
        self.close_connection = True

    def do_GET(self):
        srv = self.server
        srv.last_activity = time.monotonic()
        srv.log_request_line({
            "method": "GET",
            "path": self.path,
            "authorization": self.headers.get("Authorization"),
            "user_agent": self.headers.get("User-Agent"),
            "accept": self.headers.get("Accept"),
        })
        if os.path.exists(os.path.join(srv.args.tickets, ".hang")):
            time.sleep(3600)
            return
        if srv.routes is not None:
            self.answer_route()
            return
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query)
        knob = query.get("knob", [""])[0]
        tid = None
        if url.path.startswith("/tickets/"):
            tid = urllib.parse.unquote(url.path[len("/tickets/"):])
            if not knob:
                knob = tid

        if knob.startswith("delay-"):
            time.sleep(float(knob[len("delay-"):]))
            if tid == knob:
                self.send_body(200, json.dumps(ticket_doc(tid)).encode())
                return
            knob = ""
        if self.answer_knob(knob, tid or "KNOB-1"):
            return
        if tid is not None:
            self.answer_ticket(tid)
        elif url.path == "/lookup":
            self.answer_lookup(query.get("user", [""])[0], knob)
        else:
            self.send_body(404, b'{"error":"no such path"}')

    def answer_route(self):
        for route in self.server.routes:
            if not re.search(route["match"], self.path):
                continue
            if "knob" in route:
                knob = route["knob"]
                if knob.startswith("delay-"):
                    time.sleep(float(knob[len("delay-"):]))
                    knob = ""
                if self.answer_knob(knob, "KNOB-1"):
                    return
            if "file" in route:
                self.answer_file(route["file"])
                return
        self.send_body(404, b'{"error":"no such path"}')

    def answer_file(self, name):
        try:
            with open(os.path.join(self.server.args.tickets, name), "rb") as f:
                body = f.read()
        except FileNotFoundError:
            self.send_body(404, b'{"error":"not found"}')
            return
        self.send_body(200, body)

    def answer_knob(self, knob, tid):
        if knob.startswith("status-"):
            status = int(knob[len("status-"):])
            extra = {}
            if 300 <= status < 400:
                port = self.server.server_address[1]
                extra["Location"] = "https://127.0.0.1:%d/tickets/CHG-1042" % port
            self.send_body(status, b'{"error":"as you asked"}', extra=extra)
        elif knob in KNOB_SIZES or knob.startswith(("size-", "chunked-size-")):
            size = KNOB_SIZES.get(knob) or int(knob.rsplit("-", 1)[1])
            body = sized_doc(tid, size)
            if knob.startswith("chunked-"):
                self.send_chunked(body)
            else:
                self.send_body(200, body)
        elif knob == "trickle":
            body = json.dumps(ticket_doc(tid)).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            for i in range(len(body)):
                self.wfile.write(body[i:i + 1])
                self.wfile.flush()
                time.sleep(0.2)
            self.close_connection = True
        elif knob == "notjson":
            self.send_body(200, b"this is not json {", ctype="text/plain")
        elif knob == "scalar":
            self.send_body(200, b'"just a string"')
        elif knob == "deep":
            self.send_body(200, b"[" * 40 + b"]" * 40)
        elif knob == "badarray":
            self.send_body(200, b'[{"id":"CHG-1"}, 42]')
        else:
            return False
        return True

    def answer_ticket(self, tid):
        if not tid or "/" in tid or tid.startswith(".") or "\0" in tid:
            self.send_body(404, b'{"error":"not found"}')
            return
        path = os.path.join(self.server.args.tickets, tid + ".json")
        try:
            with open(path, "rb") as f:
                body = f.read()
        except FileNotFoundError:
            self.send_body(404, b'{"error":"not found"}')
            return
        self.send_body(200, body)

    def answer_lookup(self, user, knob):
        found = []
        d = self.server.args.tickets
        for name in sorted(os.listdir(d)):
            if not name.endswith(".json"):
                continue
            try:
                with open(os.path.join(d, name), "rb") as f:
                    doc = json.load(f)
                accounts = doc["scope"]["accounts"]
            except (ValueError, KeyError, TypeError, OSError):
                continue
            if isinstance(accounts, list) and user in accounts:
                found.append(doc)
        if knob == "single" and found:
            self.send_body(200, json.dumps(found[0]).encode())
        elif knob == "wrapped":
            self.send_body(200, json.dumps({"result": found, "total": len(found)}).encode())
        else:
            self.send_body(200, json.dumps(found).encode())


def watchdog(srv, lifetime, idle, ppid):
    start = time.monotonic()
    while True:
        time.sleep(0.2)
        now = time.monotonic()
        if (now - start > lifetime or now - srv.last_activity > idle
                or os.getppid() != ppid):
            os._exit(0)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tickets", required=True, help="ticket directory")
    ap.add_argument("--port-file", required=True, help="where to write the port")
    ap.add_argument("--cert", required=True, help="server certificate (PEM)")
    ap.add_argument("--key", required=True, help="server key (PEM)")
    ap.add_argument("--log", help="request log, one JSON line per request")
    ap.add_argument("--routes", help="a ticket system's paths (JSON)")
    ap.add_argument("--lifetime", type=float, default=120.0,
                    help="exit after this many seconds (default 120)")
    ap.add_argument("--idle", type=float, default=120.0,
                    help="exit after this many idle seconds (default 120)")
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(args.cert, args.key)
    srv = Server(("127.0.0.1", 0), Handler, ctx, args)
    srv.routes = None
    if args.routes:
        with open(args.routes, encoding="utf-8") as f:
            srv.routes = json.load(f)

    threading.Thread(target=watchdog, daemon=True,
                     args=(srv, args.lifetime, args.idle, os.getppid())).start()

    tmp = args.port_file + ".tmp"
    with open(tmp, "w", encoding="ascii") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(tmp, args.port_file)
    srv.serve_forever(poll_interval=0.2)


if __name__ == "__main__":
    main()
