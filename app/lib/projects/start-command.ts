/**
 * How an imported project (a zip, a folder, a repository) is installed and started, read from its
 * files as a person would: package.json's scripts, a Python entry point. Null when nothing says how
 * (the chat then says so, and the user or the model adds a start command).
 */
export interface StartPlan {
  install?: string;
  start: string;
  /** Where the plan came from, for the chat's note ("package.json's dev script"). */
  from: string;
}

const PYTHON_ENTRIES = ['app.py', 'main.py', 'server.py', 'manage.py'];

export function startPlanFor(files: Record<string, string>): StartPlan | null {
  const manifest = files['package.json'];
  if (manifest !== undefined) {
    let pkg: { scripts?: Record<string, unknown>; main?: unknown } = {};
    try {
      pkg = JSON.parse(manifest) as typeof pkg;
    } catch {
      // An unreadable package.json: the install would fail too; look for other signs below.
    }
    const scripts = pkg.scripts ?? {};
    const install = 'npm install';
    if (typeof scripts.dev === 'string') return { install, start: 'npm run dev', from: "package.json's dev script" };
    if (typeof scripts.start === 'string') return { install, start: 'npm start', from: "package.json's start script" };
    const main = typeof pkg.main === 'string' ? pkg.main.replace(/^\.\//, '') : '';
    for (const entry of [main, 'server.js', 'index.js', 'app.js']) {
      if (entry && /^[\w./-]+\.m?js$/.test(entry) && files[entry] !== undefined) return { install, start: `node ${entry}`, from: entry };
    }
  }
  for (const entry of PYTHON_ENTRIES) {
    if (files[entry] === undefined) continue;
    const install = files['requirements.txt'] !== undefined ? 'pip install -r requirements.txt' : undefined;
    const start = entry === 'manage.py' ? 'python3 manage.py runserver 0.0.0.0:$PORT' : `python3 ${entry}`;
    return { ...(install ? { install } : {}), start, from: entry };
  }
  return null;
}

/** The artifact that installs and starts an imported project (its files are already in the chat). */
export function startArtifact(id: string, plan: StartPlan): string {
  const install = plan.install ? `\n<boltAction type="shell">${plan.install}</boltAction>` : '';
  return `<boltArtifact id="${id}" title="Install and start">${install}\n<boltAction type="start">${plan.start}</boltAction>\n</boltArtifact>`;
}
