import { PICKER } from '../preview/picker-source';
import { PREVIEW_REPORT } from './preview-problem';

// The scripts a preview page gets (the browser never needs them before WebContainer has booted:
// its workbench reads the messages with preview-problem.ts).

/**
 * The script the preview proxy puts at the top of HTML pages of the owner's preview (never of a
 * share link). It reports to the workbench what goes wrong in the page: uncaught errors,
 * unhandled rejections, console.error, scripts and styles that fail to load, Vite's build errors
 * (read off its HMR socket) and a 5xx answer for the page itself. It posts only to the app's own
 * origin (`appHost`), so a page framing the preview elsewhere learns nothing. The same script
 * carries the element picker the workbench turns on (../preview/element-picker.ts).
 */
export function reporterScript(options: { appHost: string; status: number }): string {
  return `<script>${reporterSource(options)}</script>`;
}

/**
 * The reporter as bare JavaScript (what a `<script>` holds), with the element picker
 * (../preview/picker-source.ts) in the same function: it shares the reporter's `target`, and runs
 * only where the reporter does (a framed page whose parent is the app).
 */
export function reporterSource(options: { appHost: string; status: number; problems?: boolean }): string {
  const config = JSON.stringify({ appHost: options.appHost, status: options.status, problems: options.problems ?? true }).replace(/</g, '\\u003c');
  return `(function (config) {${REPORTER}${PICKER}})(${config});`;
}

// Plain JavaScript, as the page runs it (kept out of the TypeScript build, whose helpers the page
// would not have). `config` is { appHost, status, problems }.
const REPORTER = `
  var target = null;
  try {
    var parentOrigin = (location.ancestorOrigins && location.ancestorOrigins[0]) || new URL(document.referrer).origin;
    if (new URL(parentOrigin).host === config.appHost) target = parentOrigin;
  } catch (e) {}
  if (!target || window.parent === window) return;
  var sent = 0;
  function text(value) {
    if (value instanceof Error) return value.message;
    if (typeof value === 'string') return value;
    try { return JSON.stringify(value); } catch (e) { return String(value); }
  }
  function post(problem) {
    if (sent++ >= 50) return;
    try {
      window.parent.postMessage({ type: '${PREVIEW_REPORT}', problem: {
        kind: problem.kind,
        message: String(problem.message || 'Unknown error').slice(0, 2000),
        where: problem.where ? String(problem.where).slice(0, 2000) : undefined,
        output: problem.output ? String(problem.output).slice(0, 8000) : undefined
      } }, target);
    } catch (e) {}
  }
  // WebContainer forwards a page's errors itself (forwardPreviewErrors): there the picker comes alone.
  if (config.problems !== false) {
  if (config.status >= 500) post({ kind: 'http', message: 'The page answered HTTP ' + config.status + '.' });
  window.addEventListener('error', function (event) {
    var element = event.target;
    if (element && element !== window && (element.tagName === 'SCRIPT' || element.tagName === 'LINK')) {
      post({ kind: 'runtime', message: 'Failed to load ' + (element.src || element.href) });
      return;
    }
    post({ kind: 'runtime', message: event.message || text(event.error), where: event.filename ? event.filename + ':' + event.lineno : undefined, output: event.error && event.error.stack });
  }, true);
  window.addEventListener('unhandledrejection', function (event) {
    post({ kind: 'runtime', message: 'Unhandled rejection: ' + text(event.reason), output: event.reason && event.reason.stack });
  });
  var consoleError = console.error;
  console.error = function () {
    var args = Array.prototype.slice.call(arguments);
    post({ kind: 'runtime', message: args.map(text).join(' '), output: args.map(function (a) { return a instanceof Error ? a.stack : ''; }).join('\\n') || undefined });
    return consoleError.apply(console, args);
  };
  // Vite tells its client about build errors over the HMR socket (for the first load too).
  var NativeSocket = window.WebSocket;
  function ReportingSocket(url, protocols) {
    var socket = protocols === undefined ? new NativeSocket(url) : new NativeSocket(url, protocols);
    socket.addEventListener('message', function (event) {
      if (typeof event.data !== 'string' || event.data.indexOf('"error"') < 0) return;
      try {
        var payload = JSON.parse(event.data);
        if (payload.type !== 'error' || !payload.err) return;
        var err = payload.err;
        post({ kind: 'build', message: err.message, where: err.loc ? (err.loc.file || err.id) + ':' + err.loc.line : err.id, output: err.frame || err.stack });
      } catch (e) {}
    });
    return socket;
  }
  ReportingSocket.prototype = NativeSocket.prototype;
  ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED'].forEach(function (name) { ReportingSocket[name] = NativeSocket[name]; });
  window.WebSocket = ReportingSocket;
  }
`;

/**
 * The bare script (no `<script>` tag) for WebContainer's `setPreviewScript`: the picker, posting
 * only to a parent at `appHost` (the reporter's problem half stays off there).
 */
export function previewScriptSource(options: { appHost: string }): string {
  // WebContainer reports the page's errors itself; its pages get the picker only.
  return reporterSource({ appHost: options.appHost, status: 200, problems: false });
}
