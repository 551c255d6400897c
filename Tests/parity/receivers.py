"""Real receivers for the notification tests: an HTTP server taking webhook POSTs and an SMTP
server (aiosmtpd) requiring STARTTLS and AUTH.

usage: receivers.py OUT_DIR CERT KEY USER PASSWORD [--webhook-fail N] [--webhook-hang] [--smtps] [--login-only]

Writes OUT_DIR/ports ("webhook smtp"), then each webhook request to OUT_DIR/webhook.jsonl
({"status", "body"}) and each message to OUT_DIR/mail.jsonl ({"from", "to", "data", "tls",
"auth"}). With --webhook-fail N the first N requests get HTTP 500; with --webhook-hang every
request hangs for 60 s. --smtps: TLS from the first byte instead of STARTTLS; --login-only: AUTH
LOGIN is the only mechanism offered.
"""
import json
import os
import socket
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def main():
    out, cert, key, user, password = sys.argv[1:6]
    fail = int(sys.argv[sys.argv.index("--webhook-fail") + 1]) if "--webhook-fail" in sys.argv else 0
    hang = "--webhook-hang" in sys.argv
    implicit_tls = "--smtps" in sys.argv
    lock = threading.Lock()
    seen = {"n": 0}

    def record(name, obj):
        with lock, open(os.path.join(out, name), "a") as f:
            f.write(json.dumps(obj) + "\n")

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode("utf-8")
            with lock:
                seen["n"] += 1
                n = seen["n"]
            if hang:
                time.sleep(60)
            status = 500 if n <= fail else 200
            record("webhook.jsonl", {"status": status, "body": body, "content_type": self.headers.get("Content-Type")})
            self.send_response(status)
            self.end_headers()
            self.wfile.write(b"ok" if status == 200 else b"try again")

        def log_message(self, *args):
            pass

    http = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=http.serve_forever, daemon=True).start()

    class Mail:
        async def handle_DATA(self, server, session, envelope):
            record("mail.jsonl", {"from": envelope.mail_from, "to": envelope.rcpt_tos,
                                  "data": envelope.content.decode("utf-8", "replace"),
                                  # aiosmtpd sets session.ssl on STARTTLS only; an smtps listener speaks TLS alone.
                                  "tls": session.ssl is not None or implicit_tls, "auth": session.authenticated})
            return "250 OK"

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == user \
            and auth_data.password.decode() == password
        return AuthResult(success=ok)

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    options = {"auth_exclude_mechanism": ["PLAIN"]} if "--login-only" in sys.argv else {}
    if "--smtps" in sys.argv:
        smtp = Controller(Mail(), hostname="127.0.0.1", port=port, ssl_context=context, authenticator=authenticator,
                          auth_require_tls=False, server_hostname="localhost", **options)
    else:
        smtp = Controller(Mail(), hostname="127.0.0.1", port=port, tls_context=context, require_starttls=True,
                          authenticator=authenticator, auth_require_tls=True, **options)
    smtp.start()
    with open(os.path.join(out, "ports.tmp"), "w") as f:
        f.write(f"{http.server_address[1]} {port}\n")
    os.rename(os.path.join(out, "ports.tmp"), os.path.join(out, "ports"))
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    main()
