/**
 * Starter templates shipped with the app: a project to begin from without a model (or without a
 * key). A template becomes a chat whose first answer is the template as an artifact, so the
 * workbench brings it up exactly as it brings up a restored chat (files in, install, start), and
 * later prompts build on it like on any answer.
 */
export interface Template {
  id: string;
  title: string;
  description: string;
  files: Record<string, string>;
  /** Install command, if the project has dependencies. */
  install?: string;
  start: string;
}

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

export const TEMPLATES: readonly Template[] = [
  {
    id: 'vite-react',
    title: 'Vite + React',
    description: 'A React app with Vite and a counter.',
    files: {
      'package.json': json({
        name: 'vite-react-starter',
        private: true,
        type: 'module',
        scripts: { dev: 'vite', build: 'vite build' },
        dependencies: { react: '^18.3.1', 'react-dom': '^18.3.1' },
        devDependencies: { vite: '^5.4.0', '@vitejs/plugin-react': '^4.3.0' },
      }),
      'vite.config.js': "import { defineConfig } from 'vite';\nimport react from '@vitejs/plugin-react';\n\nexport default defineConfig({\n  plugins: [react()],\n  server: { host: '0.0.0.0', port: Number(process.env.PORT) || 5173 },\n});\n",
      'index.html': '<!doctype html>\n<html lang="en">\n  <head>\n    <meta charset="utf-8" />\n    <title>Vite + React</title>\n  </head>\n  <body>\n    <div id="root"></div>\n    <script type="module" src="/src/main.jsx"></script>\n  </body>\n</html>\n',
      'src/main.jsx': "import { createRoot } from 'react-dom/client';\nimport App from './App.jsx';\n\ncreateRoot(document.getElementById('root')).render(<App />);\n",
      'src/App.jsx':
        "import { useState } from 'react';\n\nexport default function App() {\n  const [count, setCount] = useState(0);\n  return (\n    <main>\n      <h1>Vite + React starter</h1>\n      <button onClick={() => setCount(count + 1)}>Clicked {count} times</button>\n    </main>\n  );\n}\n",
    },
    install: 'npm install',
    start: 'npm run dev',
  },
  {
    id: 'static',
    title: 'Static page',
    description: 'HTML and CSS, served as they are.',
    files: {
      'index.html': '<!doctype html>\n<html lang="en">\n  <head>\n    <meta charset="utf-8" />\n    <title>Static page</title>\n    <link rel="stylesheet" href="/style.css" />\n  </head>\n  <body>\n    <h1>Static page starter</h1>\n    <p>Edit index.html and style.css.</p>\n  </body>\n</html>\n',
      'style.css': 'body {\n  font-family: system-ui, sans-serif;\n  margin: 3rem;\n}\n',
      // No dependencies: a few lines of Node serve the folder.
      'serve.js':
        "const http = require('http');\nconst fs = require('fs');\nconst path = require('path');\n\nconst types = { '.html': 'text/html', '.css': 'text/css', '.js': 'text/javascript', '.svg': 'image/svg+xml', '.png': 'image/png' };\nhttp\n  .createServer((req, res) => {\n    const file = path.join(__dirname, path.normalize(decodeURIComponent(req.url.split('?')[0])).replace(/^([/\\\\]*\\.\\.)+/, ''));\n    const target = fs.existsSync(file) && fs.statSync(file).isDirectory() ? path.join(file, 'index.html') : file;\n    fs.readFile(target, (error, body) => {\n      if (error) {\n        res.writeHead(404);\n        return res.end('Not found');\n      }\n      res.writeHead(200, { 'content-type': types[path.extname(target)] || 'application/octet-stream' });\n      res.end(body);\n    });\n  })\n  .listen(process.env.PORT || 3000, '0.0.0.0');\n",
      'package.json': json({ name: 'static-starter', private: true, scripts: { start: 'node serve.js' } }),
    },
    start: 'npm start',
  },
  {
    id: 'express-api',
    title: 'Express API',
    description: 'A JSON API with Express, and a page that calls it.',
    files: {
      'package.json': json({ name: 'express-api-starter', private: true, scripts: { start: 'node server.js' }, dependencies: { express: '^4.21.0' } }),
      'server.js':
        "const express = require('express');\n\nconst app = express();\nconst items = [{ id: 1, name: 'First item' }];\napp.use(express.json());\napp.get('/api/items', (req, res) => res.json(items));\napp.post('/api/items', (req, res) => {\n  const item = { id: items.length + 1, name: String(req.body.name || 'New item') };\n  items.push(item);\n  res.status(201).json(item);\n});\napp.get('/', (req, res) => res.send('<h1>Express API starter</h1><ul id=\"items\"></ul><script>fetch(\"/api/items\").then((r) => r.json()).then((items) => { document.getElementById(\"items\").innerHTML = items.map((i) => \"<li>\" + i.name + \"</li>\").join(\"\"); });</script>'));\napp.listen(process.env.PORT || 3000, '0.0.0.0');\n",
    },
    install: 'npm install',
    start: 'npm start',
  },
  {
    id: 'python-http',
    title: 'Python HTTP server',
    description: "Python's standard library only: a page and a JSON endpoint.",
    files: {
      'app.py':
        'import json\nimport os\nfrom http.server import BaseHTTPRequestHandler, ThreadingHTTPServer\n\n\nclass Handler(BaseHTTPRequestHandler):\n    def do_GET(self):\n        if self.path == "/api/hello":\n            body, kind = json.dumps({"hello": "world"}).encode(), "application/json"\n        else:\n            body, kind = b"<h1>Python HTTP starter</h1><p>Served by http.server.</p>", "text/html"\n        self.send_response(200)\n        self.send_header("Content-Type", kind)\n        self.send_header("Content-Length", str(len(body)))\n        self.end_headers()\n        self.wfile.write(body)\n\n\nThreadingHTTPServer(("0.0.0.0", int(os.environ.get("PORT", "8000"))), Handler).serve_forever()\n',
    },
    start: 'python3 app.py',
  },
];

/** The template as the first answer of a chat: its files, install and start in one artifact. */
export function templateAnswer(template: Template): string {
  const files = Object.entries(template.files)
    .map(([path, content]) => `<boltAction type="file" filePath="${path}">${content}</boltAction>`)
    .join('\n');
  const install = template.install ? `\n<boltAction type="shell">${template.install}</boltAction>` : '';
  return `Started from the **${template.title}** template: ${template.description}\n\n<boltArtifact id="template-${template.id}" title="${template.title} template">\n${files}${install}\n<boltAction type="start">${template.start}</boltAction>\n</boltArtifact>`;
}
