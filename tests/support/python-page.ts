/**
 * A page server in Python's standard library only (no install step), whose page is one heading:
 * what end-to-end stories run when they need a server app that starts at once. `failAtStart`
 * makes it exit with that message before it listens.
 */
export function pythonPageServer(heading: string, options: { failAtStart?: string } = {}) {
  const fail = options.failAtStart ? `raise SystemExit(${JSON.stringify(options.failAtStart)})\n` : '';
  return `import os
from http.server import BaseHTTPRequestHandler, HTTPServer
${fail}
class Page(BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"<h1>${heading}</h1>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        self.wfile.write(body)

HTTPServer(("0.0.0.0", int(os.environ.get("PORT", "3000"))), Page).serve_forever()
`;
}
