/**
 * The element picker's in-page half, as plain JavaScript (kept apart from element-picker.ts so that
 * the preview reporter can include it without importing the workbench's checks, and without an
 * import cycle), loaded only where a page gets the script: the preview proxy, and WebContainer
 * when it has booted. See element-picker.ts for the protocol.
 */
import { PICKER_TOGGLE, PICKS_PER_LOAD, PREVIEW_PICK, PREVIEW_PICKER_STATE } from './picker-messages';

/**
 * Runs in the reporter's function, after the reporter has found `target` (the parent's origin, the
 * app's own) and returned early when there is none or the page is not framed. It listens for the
 * parent's toggle only from `window.parent` at `target`, and posts only to `target`. ES5, no
 * template literals (it is a String.raw here, so backslashes are the page's own).
 */
export const PICKER = String.raw`
  (function () {
    var MARK = 'data-appforge-picker';
    var SWALLOWED = ['mousedown', 'mouseup', 'pointerdown', 'pointerup', 'dblclick', 'auxclick'];
    var TEST_ATTRIBUTES = ['data-testid', 'data-test', 'data-cy'];
    var FORM_FIELDS = /^(input|select|textarea|button|form|fieldset|output)$/;
    var GENERATED_PREFIX = /^(css|sc|emotion|jsx|svelte|astro|tw|jss|styled)-/i;
    var GENERATED_ID = /^(radix|headlessui|react-aria|mui|rc-|ember|ext-gen|yui_|downshift|mantine|chakra)/i;
    var active = false, overlay = null, label = null, current = null, picks = 0;

    function post(message) {
      try { window.parent.postMessage(message, target); } catch (e) {}
    }
    function cut(value, max) {
      value = String(value == null ? '' : value);
      return value.length > max ? value.slice(0, max - 1) + '\u2026' : value;
    }
    function esc(value) {
      if (window.CSS && CSS.escape) return CSS.escape(value);
      return String(value).replace(/[^\w-]/g, function (c) { return '\\' + c; });
    }
    function quote(value) {
      return '"' + value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/[\n\r\f]/g, '\\a ') + '"';
    }
    function matchCount(selector) {
      try { return document.querySelectorAll(selector).length; } catch (e) { return 0; }
    }
    function resolves(selector, el) {
      try {
        var found = document.querySelectorAll(selector);
        return found.length === 1 && found[0] === el;
      } catch (e) { return false; }
    }
    function matches(el, selector) {
      try { return el.matches(selector); } catch (e) { return false; }
    }

    // Names a build or a library made up (hashes, counters) change from one build or render to
    // the next: a selector made of them would not find the element again.
    function hashy(word) {
      if (/\d{4,}/.test(word)) return true;
      var parts = word.split(/[-_]+/);
      for (var i = 0; i < parts.length; i++) {
        var part = parts[i];
        if (part.length < 5) continue;
        if (/\d/.test(part) && /^[0-9a-f]+$/i.test(part)) return true;
        if (/[a-z]\d+[a-z]|^\d+[a-z]/i.test(part)) return true;
      }
      return false;
    }
    function stableId(id) {
      return !!id && id.length <= 80 && /^[A-Za-z][\w-]*$/.test(id) && !GENERATED_ID.test(id) && !hashy(id);
    }
    function stableClasses(el) {
      var names = (el.getAttribute('class') || '').split(/\s+/), out = [];
      var styled = names.some(function (name) { return /^sc-/.test(name); });
      for (var i = 0; i < names.length && out.length < 2; i++) {
        var name = names[i];
        if (!name || name.length > 60 || !/^-?[A-Za-z_][\w-]*$/.test(name)) continue;
        if (GENERATED_PREFIX.test(name) || hashy(name)) continue;
        // styled-components' other class: a few random letters of both cases.
        if (styled && /^[A-Za-z]{5,8}$/.test(name) && /[a-z]/.test(name) && /[A-Z]/.test(name)) continue;
        if (out.indexOf(name) < 0) out.push(name);
      }
      return out;
    }

    // What names this element alone in the page: a hand-written id, a test attribute, a form field's name.
    function anchor(el) {
      var tag = esc(el.localName);
      var id = el.getAttribute('id');
      if (stableId(id) && matchCount('#' + esc(id)) === 1) return '#' + esc(id);
      var attributes = FORM_FIELDS.test(el.localName) ? TEST_ATTRIBUTES.concat(['name']) : TEST_ATTRIBUTES;
      for (var i = 0; i < attributes.length; i++) {
        var value = el.getAttribute(attributes[i]);
        if (!value || value.length > 200) continue;
        var selector = tag + '[' + attributes[i] + '=' + quote(value) + ']';
        if (matchCount(selector) === 1) return selector;
      }
      return null;
    }
    function segment(el, withClasses) {
      var selector = esc(el.localName);
      if (withClasses) stableClasses(el).forEach(function (name) { selector += '.' + esc(name); });
      var parent = el.parentElement;
      if (!parent) return selector;
      var index = 0, seen = 0, ambiguous = false;
      for (var sibling = parent.firstElementChild; sibling; sibling = sibling.nextElementSibling) {
        if (sibling.localName !== el.localName || sibling.namespaceURI !== el.namespaceURI) continue;
        seen++;
        if (sibling === el) index = seen;
        else if (matches(sibling, selector)) ambiguous = true;
      }
      return ambiguous ? selector + ':nth-of-type(' + index + ')' : selector;
    }
    function selectorFor(el, withClasses) {
      var own = anchor(el);
      if (own) return own;
      var path = segment(el, withClasses);
      if (matchCount(path) === 1) return path;
      for (var node = el.parentElement; node; node = node.parentElement) {
        var above = anchor(node);
        if (above && matchCount(above + ' > ' + path) === 1) return above + ' > ' + path;
        path = segment(node, withClasses) + ' > ' + path;
        if (matchCount(path) === 1) return path;
      }
      return path;
    }
    function selectorOf(el) {
      var selector = selectorFor(el, true);
      if (selector.length <= 1000 && resolves(selector, el)) return selector;
      selector = selectorFor(el, false);
      return selector.length <= 1000 && resolves(selector, el) ? selector : null;
    }

    // Where the element comes from in the app's source, when the framework's dev build says so.
    function whole(value) {
      var n = Number(value);
      return isFinite(n) && n >= 1 && n <= 1e7 ? Math.floor(n) : undefined;
    }
    function cleanFile(file) {
      file = String(file).replace(/^[a-z][\w+.-]*:\/\/[^\/]*/i, '').replace(/[?#].*$/, '').replace(/^\/@fs(?=\/)/, '');
      try { file = decodeURI(file); } catch (e) {}
      return file;
    }
    function where(file, line, column, via) {
      if (typeof file !== 'string' || !file) return null;
      var out = { file: cut(file, 500), via: via };
      var l = whole(line), c = whole(column);
      if (l !== undefined) out.line = l;
      if (c !== undefined) out.column = c;
      return out;
    }
    function appFrame(stack) {
      var lines = String(stack).split('\n');
      for (var i = 0; i < lines.length; i++) {
        var m = /((?:[a-z][\w+.-]*:\/\/|\/)[^\s()]*?):(\d+):(\d+)\)?\s*$/i.exec(lines[i]);
        if (!m) continue;
        if (/node_modules|\/\.vite\/deps\/|\/@vite\/|\/@react-refresh|\/react(-dom)?[\/._-]|jsx-(dev-)?runtime/i.test(m[1])) continue;
        return where(cleanFile(m[1]), m[2], m[3], 'react');
      }
      return null;
    }
    function reactSource(el) {
      var fiber = null;
      for (var node = el, depth = 0; node && !fiber && depth < 50; node = node.parentElement, depth++) {
        var keys = Object.keys(node);
        for (var i = 0; i < keys.length; i++) {
          if (keys[i].indexOf('__reactFiber$') === 0 || keys[i].indexOf('__reactInternalInstance$') === 0) { fiber = node[keys[i]]; break; }
        }
      }
      if (!fiber) return null;
      var f, n;
      // React up to 18: the JSX's own position, on the element's fiber or an owner's.
      for (f = fiber, n = 0; f && n < 100; f = f.return, n++) {
        var debugSource = f._debugSource;
        if (debugSource && debugSource.fileName) return where(debugSource.fileName, debugSource.lineNumber, debugSource.columnNumber, 'react');
      }
      // React 19: where the element was created, as a stack.
      for (f = fiber, n = 0; f && n < 100; f = f.return, n++) {
        var stack = f._debugStack && f._debugStack.stack;
        var frame = typeof stack === 'string' ? appFrame(stack) : null;
        if (frame) return frame;
      }
      return null;
    }
    function svelteSource(el) {
      for (var node = el, depth = 0; node && depth < 50; node = node.parentElement, depth++) {
        var loc = node.__svelte_meta && node.__svelte_meta.loc;
        if (!loc || !loc.file) continue;
        // Svelte 3 and 4 count lines and columns from 0 (and give the offset as char); Svelte 5 gives lines from 1.
        var zeroBased = typeof loc.char === 'number';
        return where(loc.file, zeroBased ? loc.line + 1 : loc.line, zeroBased ? loc.column + 1 : loc.column, 'svelte');
      }
      return null;
    }
    function vueSource(el) {
      for (var node = el, depth = 0; node && depth < 50; node = node.parentElement, depth++) {
        var component = node.__vueParentComponent;
        if (!component) continue;
        for (var n = 0; component && n < 100; component = component.parent, n++) {
          var file = component.type && component.type.__file;
          if (typeof file === 'string' && file) return where(cleanFile(file), undefined, undefined, 'vue');
        }
        return null;
      }
      return null;
    }
    function attributeSource(el, climb) {
      for (var node = el, depth = 0; node && depth < (climb ? 50 : 1); node = node.parentElement, depth++) {
        if (!node.getAttribute) continue;
        var path = node.getAttribute('data-insp-path');
        if (path) {
          // path:line:column:tag (the path may hold colons of its own).
          var parts = path.split(':');
          return parts.length >= 4 ? where(parts.slice(0, -3).join(':'), parts[parts.length - 3], parts[parts.length - 2], 'attribute') : where(path, undefined, undefined, 'attribute');
        }
        var relative = node.getAttribute('data-inspector-relative-path');
        if (relative) return where(relative, node.getAttribute('data-inspector-line'), node.getAttribute('data-inspector-column'), 'attribute');
      }
      return null;
    }
    function sourceOf(el) {
      try {
        return attributeSource(el, false) || reactSource(el) || svelteSource(el) || vueSource(el) || attributeSource(el, true);
      } catch (e) { return null; }
    }

    var VOID = /^(area|base|br|col|embed|hr|img|input|link|meta|param|source|track|wbr)$/;
    function snippet(el) {
      var html = el.outerHTML || '';
      if (html.length <= 1000) return html;
      var open = '<' + el.localName;
      for (var i = 0; i < el.attributes.length; i++) {
        var attribute = el.attributes[i];
        open += ' ' + attribute.name + '="' + attribute.value.replace(/&/g, '&amp;').replace(/"/g, '&quot;') + '"';
      }
      open += '>';
      var close = VOID.test(el.localName) ? '' : '</' + el.localName + '>';
      var room = 1000 - open.length - close.length - 1;
      if (room < 0) return html.slice(0, 999) + '\u2026';
      return open + (el.innerHTML || '').slice(0, room) + '\u2026' + close;
    }
    function box(el) {
      var rect = el.getBoundingClientRect();
      function bounded(value, low) { return Math.max(low, Math.min(1e6, Math.round(value) || 0)); }
      return { x: bounded(rect.left, -1e6), y: bounded(rect.top, -1e6), width: bounded(rect.width, 0), height: bounded(rect.height, 0) };
    }

    function pick(el) {
      if (picks >= ${PICKS_PER_LOAD}) {
        stop();
        post({ type: '${PREVIEW_PICKER_STATE}', on: false });
        return;
      }
      var selector = selectorOf(el);
      if (!selector) return;
      picks++;
      var text = String(el.innerText != null ? el.innerText : el.textContent || '').replace(/\s+/g, ' ').replace(/^ | $/g, '');
      var data = {
        tag: cut(el.localName.toLowerCase(), 100),
        selector: selector,
        text: cut(text, 200),
        box: box(el),
        html: snippet(el),
        page: cut(location.pathname + location.search, 500)
      };
      var source = sourceOf(el);
      if (source) data.source = source;
      post({ type: '${PREVIEW_PICK}', pick: data });
    }

    function elementAt(event) {
      var el = event.target;
      if (!el || el.nodeType !== 1) el = document.elementFromPoint(event.clientX, event.clientY);
      if (el && el.nodeType === 3) el = el.parentElement;
      if (!el || el.nodeType !== 1 || (overlay && (el === overlay || overlay.contains(el)))) return null;
      return el;
    }
    function place() {
      // The app may have replaced the document's children (the overlay with them): put it back.
      if (overlay && !overlay.isConnected) document.documentElement.appendChild(overlay);
      if (!overlay || !current || !current.isConnected) {
        if (overlay) overlay.style.display = 'none';
        return;
      }
      var rect = current.getBoundingClientRect();
      var style = overlay.style;
      style.display = 'block';
      style.left = rect.left + 'px';
      style.top = rect.top + 'px';
      style.width = rect.width + 'px';
      style.height = rect.height + 'px';
      label.style.top = rect.top < 20 ? '100%' : '';
      label.style.bottom = rect.top < 20 ? '' : '100%';
    }
    function onMove(event) {
      var el = elementAt(event);
      if (!el) return;
      if (el !== current) {
        current = el;
        label.textContent = selectorOf(el) || el.localName;
      }
      place();
    }
    function onClick(event) {
      swallow(event);
      var el = elementAt(event);
      if (el) pick(el);
    }
    function swallow(event) {
      event.preventDefault();
      event.stopImmediatePropagation();
      // With the press kept from the page, the frame would not take the keyboard: take it, so
      // that Escape reaches the page (the press is the user's own gesture).
      try { if (!document.hasFocus()) window.focus(); } catch (e) {}
    }
    function onKey(event) {
      if (event.key !== 'Escape' && event.key !== 'Esc') return;
      swallow(event);
      stop();
      post({ type: '${PREVIEW_PICKER_STATE}', on: false });
    }
    function onScroll() {
      place();
    }

    function start() {
      if (active) return;
      active = true;
      // The overlay (and the crosshair's style) is in the page while the picker is on, so the
      // selectors made meanwhile are made against the same document every time.
      overlay = document.createElement('div');
      overlay.setAttribute(MARK, '');
      overlay.setAttribute('aria-hidden', 'true');
      overlay.style.cssText = 'all:initial;position:fixed;display:none;pointer-events:none;z-index:2147483647;box-sizing:border-box;border:2px solid #6366f1;background:rgba(99,102,241,.12);border-radius:2px';
      label = document.createElement('div');
      label.setAttribute(MARK, '');
      label.style.cssText = 'all:initial;position:absolute;left:-2px;bottom:100%;max-width:480px;overflow:hidden;text-overflow:ellipsis;white-space:nowrap;pointer-events:none;font:11px/16px ui-monospace,SFMono-Regular,Menlo,monospace;color:#fff;background:#4f46e5;padding:0 4px;border-radius:2px';
      var cursor = document.createElement('style');
      cursor.textContent = '* { cursor: crosshair !important; }';
      overlay.appendChild(label);
      overlay.appendChild(cursor);
      document.documentElement.appendChild(overlay);
      window.addEventListener('click', onClick, true);
      SWALLOWED.forEach(function (name) { window.addEventListener(name, swallow, true); });
      window.addEventListener('mousemove', onMove, true);
      window.addEventListener('keydown', onKey, true);
      window.addEventListener('scroll', onScroll, true);
      window.addEventListener('resize', onScroll, true);
    }
    function stop() {
      if (!active) return;
      active = false;
      window.removeEventListener('click', onClick, true);
      SWALLOWED.forEach(function (name) { window.removeEventListener(name, swallow, true); });
      window.removeEventListener('mousemove', onMove, true);
      window.removeEventListener('keydown', onKey, true);
      window.removeEventListener('scroll', onScroll, true);
      window.removeEventListener('resize', onScroll, true);
      if (overlay && overlay.parentNode) overlay.parentNode.removeChild(overlay);
      overlay = label = current = null;
    }

    window.addEventListener('message', function (event) {
      if (event.source !== window.parent || event.origin !== target) return;
      var data = event.data;
      if (!data || data.type !== '${PICKER_TOGGLE}' || typeof data.on !== 'boolean') return;
      if (data.on) start();
      else stop();
    });
  })();
`;
