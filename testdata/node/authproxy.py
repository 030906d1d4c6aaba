#!/usr/bin/env python3
"""A registry front that demands bearer tokens, for the pull tests.

  authproxy.py PORTFILE UPSTREAM USER:PASS

Listens on 127.0.0.1 (a free port, written to PORTFILE). /v2/... without
"Authorization: Bearer good-token" gets 401 and a Bearer challenge naming
/token on this server; /token hands out good-token only to a client that
sends basic credentials USER:PASS. Authorized requests are forwarded to
UPSTREAM (host:port of a plain-HTTP registry)."""
import base64, http.client, http.server, json, sys

portfile, upstream, creds = sys.argv[1], sys.argv[2], sys.argv[3]
want_basic = "Basic " + base64.b64encode(creds.encode()).decode()


class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def send(self, code, body=b"", headers=()):
        self.send_response(code)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_GET(self):
        port = self.server.server_address[1]
        if self.path.startswith("/token"):
            if self.headers.get("Authorization") != want_basic:
                return self.send(401, b'{"errors":[{"code":"UNAUTHORIZED"}]}')
            if "scope=repository%3Atest%2Fbusybox%3Apull" not in self.path:
                return self.send(400, b"bad scope")
            return self.send(200, json.dumps({"token": "good-token"}).encode())
        if self.headers.get("Authorization") != "Bearer good-token":
            challenge = ('Bearer realm="http://127.0.0.1:%d/token",service="pkg-test",'
                         'scope="repository:test/busybox:pull"' % port)
            return self.send(401, b'{"errors":[{"code":"UNAUTHORIZED"}]}',
                             [("WWW-Authenticate", challenge)])
        c = http.client.HTTPConnection(upstream)
        c.request("GET", self.path, headers={"Accept": self.headers.get("Accept", "*/*")})
        r = c.getresponse()
        body = r.read()
        keep = [(k, v) for k, v in r.getheaders()
                if k.lower() in ("content-type", "docker-content-digest")]
        self.send(r.status, body, keep)

    do_HEAD = do_GET


s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
with open(portfile, "w") as f:
    f.write(str(s.server_address[1]))
s.serve_forever()
