"""Serve the tokenscope web page: `python serve.py [--port 8000] [--host 127.0.0.1] [--open]`.

Only serving lives here (issue 11); on start it first runs vendor.py's set-up (a no-op when web/vendor is
current), so this one command is all a fresh machine needs. A standard-library static server with explicit MIME
types and a strict Content-Security-Policy.
"""

import argparse
import functools
import http.server
import os
import sys

from vendor import WEB, setup

MIME = {
    ".wasm": "application/wasm",
    ".mjs": "text/javascript",
    ".js": "text/javascript",
    ".json": "application/json",
    ".whl": "application/zip",
    ".zip": "application/zip",
    ".html": "text/html; charset=utf-8",
    ".css": "text/css",
    ".svg": "image/svg+xml",
    ".jsonl": "text/plain; charset=utf-8",
    ".png": "image/png",
    ".txt": "text/plain; charset=utf-8",
    ".gz": "application/gzip",
}
# Nothing but this origin; 'wasm-unsafe-eval' lets Pyodide compile its WebAssembly.
CSP = ("default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self' blob:; connect-src 'self'; "
       "img-src 'self' data: blob:; style-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
       "form-action 'none'; frame-ancestors 'self'")


class Handler(http.server.SimpleHTTPRequestHandler):
    """Static files with explicit MIME types, a strict CSP, and revalidation on every load.

    Issue 10: no directory listings; nothing outside the served folder, even through a symlink; a client that
    sends half a request is dropped after REQUEST_TIMEOUT seconds instead of holding a thread forever.
    """

    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, **MIME}
    timeout = 10  # seconds a connection may stay silent (socket timeout of StreamRequestHandler)

    def list_directory(self, path):
        self.send_error(404, "Not found")
        return None

    def send_head(self):
        path = self.translate_path(self.path)
        if "\0" in path:  # `GET /%00`: realpath raises on a NUL; no file has one (issue 21)
            self.send_error(404, "Not found")
            return None
        root = os.path.realpath(self.directory)
        real = os.path.realpath(path)
        if real != root and not real.startswith(root + os.sep):
            self.send_error(404, "Not found")
            return None
        if os.path.isdir(path) and not any(os.path.isfile(os.path.join(path, i)) for i in ("index.html", "index.htm")):
            self.send_error(404, "Not found")
            return None
        return super().send_head()

    def end_headers(self):
        self.send_header("Content-Security-Policy", CSP)
        # Public static files: the widget (issue 5) loads them from pages of other origins.
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def log_message(self, fmt, *args):
        if os.environ.get("TOKENSCOPE_QUIET"):
            return
        super().log_message(fmt, *args)


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # A browser that navigates away mid-download is not an error worth a traceback.
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)


def make_server(host="127.0.0.1", port=8000, directory=WEB):
    handler = functools.partial(Handler, directory=directory)
    return Server((host, port), handler)


def main(argv=None):
    p = argparse.ArgumentParser(description="Set up (first run) and serve the tokenscope page.")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--open", action="store_true", help="open the page in the default browser")
    p.add_argument("--vendor-only", action="store_true", help="set up web/vendor and exit")
    p.add_argument("--force", action="store_true", help="vendor again even if nothing changed")
    args = p.parse_args(argv)
    code = setup(force=args.force)
    if code or args.vendor_only:
        return code
    server = make_server(args.host, args.port)
    url = f"http://{args.host}:{server.server_address[1]}/"
    print(f"tokenscope: serving {url}  (Ctrl-C to stop; nothing you analyse leaves this machine)")
    if args.open:
        import webbrowser
        webbrowser.open(url)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
