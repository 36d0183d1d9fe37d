"""The h11 side of the differential test (Tests/AsyncIOHTTPTests/DifferentialTests.swift).

Reads one request per line of standard input (hex), feeds each to a fresh
h11 server connection (then end of input), and writes one JSON object per
line: {"ok": false, "why": ...} when h11 rejects or the request is
incomplete, else the request h11 parsed: method, target, version, headers
(lowercased names, values), body (hex), and what followed the first request.
"""
import json
import sys

import h11


def parse(data: bytes) -> dict:
    conn = h11.Connection(h11.SERVER)
    conn.receive_data(data)
    conn.receive_data(b"")
    request = None
    body = b""
    try:
        while True:
            event = conn.next_event()
            if isinstance(event, h11.Request):
                request = event
            elif isinstance(event, h11.Data):
                body += event.data
            elif isinstance(event, h11.EndOfMessage):
                return {
                    "ok": True,
                    "method": request.method.decode("latin-1"),
                    "target": request.target.decode("latin-1"),
                    "version": request.http_version.decode("latin-1"),
                    "headers": [[n.decode("latin-1"), v.decode("latin-1")] for n, v in request.headers],
                    "body": body.hex(),
                }
            elif event is h11.NEED_DATA or event is h11.PAUSED:
                return {"ok": False, "why": "incomplete"}
            elif isinstance(event, h11.ConnectionClosed):
                return {"ok": False, "why": "closed"}
    except h11.RemoteProtocolError as error:
        return {"ok": False, "why": str(error)}


for line in sys.stdin:
    line = line.strip()
    print(json.dumps(parse(bytes.fromhex(line))), flush=True)
