// Versions, as a person uses them over a day: every turn a version in the timeline, a restore that
// brings back an earlier app (and can be undone), the last working version one click from a
// failure, a locked file the model cannot overwrite, a fork from an earlier turn, and a timeline
// that survives a reload. Run in Local sandboxes, the way a server app runs.
import type { FrameLocator, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sendPrompt, startStack } from './harness';
import { pythonPageServer } from '../support/python-page';

let stack: Awaited<ReturnType<typeof startStack>>;
let page: Page;

beforeAll(async () => {
  stack = await startStack({ SANDBOX_PROVIDER: 'local', SANDBOX_CREATES_PER_MINUTE: '30' });
});
afterAll(async () => {
  await stack?.stop();
});
beforeEach(async () => {
  stack.fake.reset();
  page = await (await stack.browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
});

const preview = (p: Page): FrameLocator => p.frameLocator('iframe[title="Preview"]');
const timeline = (p: Page) => p.getByRole('list', { name: 'Versions' });
const version = (p: Page, seq: number) => timeline(p).getByRole('listitem', { name: `Version ${seq}`, exact: true });

/** A page server (standard library only) whose heading says which version runs; `broken` fails at start. */
function site(heading: string, options: { broken?: boolean; notes?: string } = {}) {
  const server = pythonPageServer(heading, options.broken ? { failAtStart: 'config.ini is missing: cannot start' } : {});
  const notes = options.notes === undefined ? '' : `<boltAction type="file" filePath="NOTES.md">${options.notes}</boltAction>`;
  return `Here it is: ${heading}.\n\n<boltArtifact id="site" title="Site">${notes}<boltAction type="file" filePath="server.py">${server}</boltAction><boltAction type="start">python3 server.py</boltAction></boltArtifact>`;
}

async function heading(p: Page, text: string, timeout = 90_000) {
  await expect.poll(() => preview(p).getByRole('heading', { name: text, exact: true }).count(), { timeout, interval: 500 }).toBe(1);
}

/** Sends a follow-up and waits for its version to appear in the timeline (the preview coming up takes the front: the Versions tab is opened again). */
async function turn(p: Page, prompt: string, seq: number) {
  await sendPrompt(p, prompt);
  await expect
    .poll(
      async () => {
        await openVersions(p);
        return version(p, seq).count();
      },
      { timeout: 60_000 },
    )
    .toBe(1);
}

async function openVersions(p: Page) {
  await p.getByRole('tab', { name: 'Versions' }).click();
}

async function restore(p: Page, seq: number) {
  await openVersions(p);
  await version(p, seq).getByRole('button', { name: 'Restore', exact: true }).click();
  await p.getByRole('group', { name: `Restore v${seq}?` }).getByRole('button', { name: `Restore v${seq}` }).click();
}

/** An Express guestbook that keeps its rows in SQLite (sql.js: SQLite compiled to WebAssembly, no native build) in data/guestbook.sqlite. */
function guestbook(title: string) {
  const pkg = JSON.stringify({ name: 'guestbook', private: true, scripts: { start: 'node server.js' }, dependencies: { express: '^4.21.2', 'sql.js': '^1.12.0' } }, null, 2);
  const server = `const express = require('express');
const initSqlJs = require('sql.js');
const fs = require('fs');
const FILE = 'data/guestbook.sqlite';

initSqlJs().then((SQL) => {
  const db = fs.existsSync(FILE) ? new SQL.Database(fs.readFileSync(FILE)) : new SQL.Database();
  db.run('CREATE TABLE IF NOT EXISTS entries (name TEXT)');
  const app = express();
  app.use(express.urlencoded({ extended: false }));
  app.get('/', (req, res) => {
    const rows = db.exec('SELECT name FROM entries ORDER BY rowid')[0]?.values ?? [];
    const items = rows.map(([name]) => '<li>' + String(name).replace(/[<&]/g, '') + '</li>').join('');
    res.send('<h1>${title}</h1><ul aria-label="Entries">' + items + '</ul><form method="post" action="/add"><input name="name" aria-label="Name"><button>Add</button></form>');
  });
  app.post('/add', (req, res) => {
    db.run('INSERT INTO entries VALUES (?)', [req.body.name]);
    fs.mkdirSync('data', { recursive: true });
    fs.writeFileSync(FILE, Buffer.from(db.export()));
    res.redirect('/');
  });
  app.listen(process.env.PORT || 3000, '0.0.0.0');
});
`;
  return `Here is ${title}.\n\n<boltArtifact id="guestbook" title="Guestbook"><boltAction type="file" filePath="package.json">${pkg}</boltAction><boltAction type="file" filePath="server.js">${server}</boltAction><boltAction type="shell">npm install</boltAction><boltAction type="start">node server.js</boltAction></boltArtifact>`;
}

describe('versions of a cloud app with a database', () => {
  it('rows added after turn 1 are gone after restoring turn 1, and back after undoing the restore', async () => {
    stack.fake.script({ match: 'two', reply: guestbook('Guestbook two') }, { match: 'guestbook', reply: guestbook('Guestbook one') });
    await page.goto(stack.app.url);
    await sendPrompt(page, 'Build me a guestbook with Express and SQLite');
    await page.waitForURL(/\/chat\/\w+/);
    await page.getByRole('tab', { name: 'Preview' }).click();
    await heading(page, 'Guestbook one', 180_000);
    const entries = () => preview(page).getByRole('list', { name: 'Entries' }).getByRole('listitem').allInnerTexts();
    for (const name of ['alpha', 'beta']) {
      await preview(page).getByRole('textbox', { name: 'Name' }).fill(name);
      await preview(page).getByRole('button', { name: 'Add' }).click();
      await expect.poll(entries, { timeout: 15_000 }).toContain(name);
    }

    await turn(page, 'Call it guestbook two', 2);
    // v1 was kept before any row existed; v2 keeps the database with both rows.
    await expect.poll(() => version(page, 2).innerText(), { timeout: 30_000 }).toMatch(/app data \d/);
    await page.getByRole('tab', { name: 'Preview' }).click();
    await heading(page, 'Guestbook two', 60_000);
    await expect.poll(entries, { timeout: 15_000 }).toEqual(['alpha', 'beta']);

    await restore(page, 1);
    await expect.poll(() => timeline(page).getByRole('listitem').first().innerText(), { timeout: 60_000 }).toContain('Restored v1');
    await page.getByRole('tab', { name: 'Preview' }).click();
    await heading(page, 'Guestbook one', 60_000);
    await expect.poll(entries, { timeout: 15_000 }).toEqual([]);

    await openVersions(page);
    await page.getByRole('button', { name: 'Undo restore' }).click();
    await expect.poll(() => timeline(page).getByRole('listitem').first().innerText(), { timeout: 60_000 }).toMatch(/Restored v[23]/);
    await page.getByRole('tab', { name: 'Preview' }).click();
    await heading(page, 'Guestbook two', 60_000);
    await expect.poll(entries, { timeout: 15_000 }).toEqual(['alpha', 'beta']);
  }, 400_000);
});

describe('versions of a chat', () => {
  it('three turns; restoring turn 1 brings its app back in the preview, and undoing the restore brings turn 3 back', async () => {
    stack.fake.script({ match: 'third', reply: site('Shop three') }, { match: 'second', reply: site('Shop two') }, { match: 'shop', reply: site('Shop one') });
    await page.goto(stack.app.url);
    await sendPrompt(page, 'Build me a shop page');
    await page.waitForURL(/\/chat\/\w+/);
    await page.getByRole('tab', { name: 'Preview' }).click();
    await heading(page, 'Shop one');
    await turn(page, 'Make it the second shop', 2);
    await turn(page, 'Make it the third shop', 3);
    await page.getByRole('tab', { name: 'Preview' }).click();
    await heading(page, 'Shop three');

    // The timeline: newest first, each with its request, what it changed and its health.
    await openVersions(page);
    expect(await timeline(page).getByRole('listitem').evaluateAll((items) => items.map((i) => i.getAttribute('aria-label')))).toEqual(['Version 3', 'Version 2', 'Version 1']);
    expect(await version(page, 3).innerText()).toMatch(/Make it the third shop[\s\S]*1 file \+1 −1/);
    expect(await version(page, 1).innerText()).toMatch(/Build me a shop page[\s\S]*1 file \+12 −0/);
    await expect.poll(() => version(page, 3).innerText(), { timeout: 20_000 }).toContain('✓ working');

    await restore(page, 1);
    await expect.poll(() => version(page, 4).count(), { timeout: 30_000 }).toBe(1);
    expect(await version(page, 4).innerText()).toMatch(/Restored v1[\s\S]*restore/);
    // The server stopped for the restore is no failure: the restored app runs and counts as working.
    await expect.poll(() => version(page, 4).innerText(), { timeout: 20_000 }).toContain('✓ working');
    expect(await page.getByRole('alert', { name: 'The app failed' }).count()).toBe(0);
    await page.getByRole('tab', { name: 'Preview' }).click();
    await heading(page, 'Shop one', 30_000);
    await page.getByRole('tab', { name: 'Code' }).click();
    await page.getByRole('treeitem', { name: 'server.py' }).click();
    await expect.poll(() => page.locator('.cm-content').innerText()).toContain('<h1>Shop one</h1>');

    // The restore is a version of its own: undoing it is a restore of the one before.
    await openVersions(page);
    await page.getByRole('button', { name: 'Undo restore' }).click();
    await expect.poll(() => version(page, 5).count(), { timeout: 30_000 }).toBe(1);
    expect(await version(page, 5).innerText()).toContain('Restored v3');
    await page.getByRole('tab', { name: 'Preview' }).click();
    await heading(page, 'Shop three', 30_000);

    // A diff between any two versions, in CodeMirror's merge view.
    await openVersions(page);
    await page.getByRole('combobox', { name: 'Compare from' }).selectOption('1');
    await page.getByRole('combobox', { name: 'Compare to' }).selectOption('3');
    const diff = page.getByRole('region', { name: 'Changes from v1 to v3' });
    await expect.poll(() => diff.getByRole('button', { name: /server\.py/ }).innerText()).toMatch(/\+1\s*−1/);
    await expect.poll(() => diff.locator('.cm-deletedChunk').innerText()).toContain('Shop one');
    expect(await diff.locator('.cm-changedLine').innerText()).toContain('Shop three');
    // E2E_SCREENSHOT_DIR=docs/images: the README's picture of the timeline and a diff.
    if (process.env.E2E_SCREENSHOT_DIR) await page.screenshot({ path: `${process.env.E2E_SCREENSHOT_DIR}/versions.png` });
  }, 300_000);

  it('a failing turn’s alert restores the last working version in one click', async () => {
    stack.fake.script({ match: 'config', reply: site('Blog broken', { broken: true }) }, { match: 'blog', reply: site('Blog works') });
    await page.goto(stack.app.url);
    await sendPrompt(page, 'Build me a blog');
    await page.waitForURL(/\/chat\/\w+/);
    await page.getByRole('tab', { name: 'Preview' }).click();
    await heading(page, 'Blog works');
    await openVersions(page);
    await expect.poll(() => version(page, 1).innerText(), { timeout: 20_000 }).toContain('✓ working');

    await sendPrompt(page, 'Read the settings from a config file');
    const alert = page.getByRole('alert', { name: 'The app failed' });
    await expect.poll(() => alert.count(), { timeout: 60_000 }).toBe(1);
    await expect.poll(() => version(page, 2).innerText(), { timeout: 20_000 }).toMatch(/✕ failed: .*exited with code 1/);

    await alert.getByRole('button', { name: 'Restore last working version (v1)' }).click();
    await openVersions(page);
    await expect.poll(() => version(page, 3).count(), { timeout: 30_000 }).toBe(1);
    expect(await version(page, 3).innerText()).toContain('Restored v1');
    expect(await alert.count()).toBe(0);
    await page.getByRole('tab', { name: 'Preview' }).click();
    await heading(page, 'Blog works', 30_000);
    await openVersions(page);
    await expect.poll(() => version(page, 3).innerText(), { timeout: 20_000 }).toContain('✓ working');
    expect(await alert.count()).toBe(0);
  }, 200_000);

  it('a locked file survives an answer that rewrites it, and the next request tells the model', async () => {
    stack.fake.script({ match: 'rewrite', reply: site('Notes two', { notes: '# rewritten by the model\n' }) }, { match: 'notes', reply: site('Notes one', { notes: '# my notes\n' }) });
    await page.goto(stack.app.url);
    await sendPrompt(page, 'Build me a notes page');
    await page.waitForURL(/\/chat\/\w+/);
    await page.getByRole('tab', { name: 'Code' }).click();
    await page.getByRole('button', { name: 'Lock NOTES.md' }).click({ force: true });
    expect(await page.getByRole('button', { name: 'Unlock NOTES.md' }).getAttribute('aria-pressed')).toBe('true');

    await sendPrompt(page, 'Now rewrite everything');
    await page.getByRole('tab', { name: 'Preview' }).click();
    await heading(page, 'Notes two');
    const refused = page.getByTestId('action').filter({ hasText: 'NOTES.md' }).last();
    expect(await refused.getAttribute('data-state')).toBe('failed');
    expect(await refused.innerText()).toContain("NOTES.md is locked: the model's version was not written");
    await page.getByRole('tab', { name: 'Code' }).click();
    await page.getByRole('treeitem', { name: 'NOTES.md' }).click();
    await expect.poll(async () => (await page.locator('.cm-content').innerText()).trim()).toBe('# my notes');

    stack.fake.script({ match: 'anything', reply: 'Done.' });
    await sendPrompt(page, 'Change anything else');
    await expect.poll(() => stack.fake.requests.length, { timeout: 30_000 }).toBe(3);
    const told = JSON.stringify(stack.fake.requests[2].messages);
    expect(told).toContain('The user locked these files');
    expect(told).toContain('Your last answer wrote files the user locked; they were not changed: NOTES.md');
  }, 200_000);

  it('fork from turn 2 opens a new chat with turn 2’s files, and a reload keeps both timelines', async () => {
    stack.fake.script({ match: 'third', reply: site('Menu three') }, { match: 'second', reply: site('Menu two') }, { match: 'menu', reply: site('Menu one') });
    await page.goto(stack.app.url);
    await sendPrompt(page, 'Build me a menu page');
    await page.waitForURL(/\/chat\/\w+/);
    const original = page.url();
    await turn(page, 'Make it the second menu', 2);
    await turn(page, 'Make it the third menu', 3);

    await version(page, 2).getByRole('button', { name: 'Fork from here' }).click();
    await page.waitForURL((url) => url.href !== original && /\/chat\/\w+/.test(url.pathname));
    await page.getByRole('tab', { name: 'Code' }).click();
    await page.getByRole('treeitem', { name: 'server.py' }).click();
    await expect.poll(() => page.locator('.cm-content').innerText(), { timeout: 15_000 }).toContain('<h1>Menu two</h1>');
    // The conversation up to turn 2 came along; turn 3 did not.
    expect(await page.getByText('Make it the second menu').count()).toBe(1);
    expect(await page.getByText('Make it the third menu').count()).toBe(0);
    await page.getByRole('tab', { name: 'Preview' }).click();
    await heading(page, 'Menu two');
    await openVersions(page);
    expect(await version(page, 1).innerText()).toMatch(/From v2 of/);

    // The original chat, reloaded, has its three versions.
    await page.goto(original);
    // Its app comes up again and takes the front: the Versions tab is opened again while polling.
    const versionsNow = async () => {
      await openVersions(page);
      return (await timeline(page).getByRole('listitem').allInnerTexts()).join('\n---\n');
    };
    await expect.poll(async () => (await versionsNow()).split('\n---\n').length, { timeout: 15_000 }).toBe(3);
    expect(await versionsNow()).toContain('Make it the second menu');
  }, 300_000);
});
