import { useStore } from '@nanostores/react';
import { useMemo, useState, type KeyboardEvent } from 'react';
import type { Workbench } from '~/lib/stores/workbench';

interface Node {
  name: string;
  path: string;
  children?: Node[];
}

function buildTree(paths: string[]): Node[] {
  const root: Node = { name: '', path: '', children: [] };
  for (const path of [...paths].sort()) {
    let node = root;
    const parts = path.split('/');
    parts.forEach((name, index) => {
      const isFile = index === parts.length - 1;
      const childPath = parts.slice(0, index + 1).join('/');
      let child = node.children!.find((c) => c.name === name && !c.children === isFile);
      if (!child) {
        child = isFile ? { name, path: childPath } : { name, path: childPath, children: [] };
        node.children!.push(child);
      }
      node = child;
    });
  }
  const sort = (nodes: Node[]): Node[] =>
    nodes
      .sort((a, b) => (a.children ? 0 : 1) - (b.children ? 0 : 1) || a.name.localeCompare(b.name))
      .map((n) => (n.children ? { ...n, children: sort(n.children) } : n));
  return sort(root.children!);
}

/** Locks a file against the model's changes (shown while locked, or on hover). */
function LockToggle({ path, on, onChange }: { path: string; on: boolean; onChange: (on: boolean) => void }) {
  return (
    <button
      type="button"
      aria-label={`${on ? 'Unlock' : 'Lock'} ${path}`}
      aria-pressed={on}
      title={on ? 'Locked: the model cannot change this file. Click to unlock.' : 'Lock this file so the model cannot change it'}
      className={`ml-1 shrink-0 rounded px-1 text-xs ${on ? '' : 'opacity-0 focus:opacity-100 group-hover:opacity-60'}`}
      onKeyDown={(event) => event.stopPropagation()}
      onClick={(event) => {
        event.stopPropagation();
        onChange(!on);
      }}
    >
      {on ? '🔒' : '🔓'}
    </button>
  );
}

/** The project's files as an accessible tree ("Files"); folders open and close, a click opens a file. */
export function FileTree({ workbench }: { workbench: Workbench }) {
  const files = useStore(workbench.files.files);
  const selected = useStore(workbench.selectedFile);
  const locked = useStore(workbench.locked);
  const paths = useMemo(() => Object.keys(files), [files]);
  const tree = useMemo(() => buildTree(paths), [paths]);
  const [closed, setClosed] = useState<Set<string>>(new Set());

  const toggle = (path: string) =>
    setClosed((prev) => {
      const next = new Set(prev);
      if (next.has(path)) next.delete(path);
      else next.add(path);
      return next;
    });

  const onKey = (event: KeyboardEvent, node: Node) => {
    if (event.key !== 'Enter' && event.key !== ' ') return;
    event.preventDefault();
    if (node.children) toggle(node.path);
    else workbench.selectedFile.set(node.path);
  };

  const render = (nodes: Node[], depth: number) =>
    nodes.map((node) => {
      const open = !closed.has(node.path);
      return (
        <li
          key={node.path}
          role="treeitem"
          aria-selected={node.path === selected}
          aria-expanded={node.children ? open : undefined}
          aria-label={node.name}
          tabIndex={0}
          onKeyDown={(event) => {
            event.stopPropagation();
            onKey(event, node);
          }}
          onClick={(event) => {
            event.stopPropagation();
            if (node.children) toggle(node.path);
            else workbench.selectedFile.set(node.path);
          }}
          className="cursor-pointer select-none outline-none"
        >
          <div
            style={{ paddingLeft: 8 + depth * 12 }}
            className={`group flex items-center py-0.5 pr-1 text-sm ${node.path === selected ? 'bg-blue-100 dark:bg-blue-900/50' : 'hover:bg-gray-100 dark:hover:bg-gray-800'}`}
          >
            <span aria-hidden className="muted mr-1 inline-block w-3 shrink-0">
              {node.children ? (open ? '▾' : '▸') : ''}
            </span>
            <span className="min-w-0 flex-1 truncate">{node.name}</span>
            {!node.children && <LockToggle path={node.path} on={locked.includes(node.path)} onChange={(on) => workbench.setLocked(node.path, on)} />}
          </div>
          {node.children && open && <ul role="group">{render(node.children, depth + 1)}</ul>}
        </li>
      );
    });

  return (
    <ul role="tree" aria-label="Files" className="h-full overflow-auto py-1">
      {render(tree, 0)}
    </ul>
  );
}
