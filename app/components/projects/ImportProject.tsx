import { useState, type DragEvent, type ReactNode } from 'react';
import type { ImportedProject, IncomingFile } from '~/lib/projects/archive';
import { errorMessage } from '~/lib/error-message';
import type { GitOrigin } from '~/lib/persistence/chat-db';
import { GitHubImport } from './GitHubImport';

/** Larger archives are refused before they are read. */
const MAX_ARCHIVE_BYTES = 50_000_000;

const archive = () => import('~/lib/projects/archive');

type OnImport = (name: string, project: ImportedProject, git?: GitOrigin) => Promise<void>;

/**
 * Reading a dropped or picked zip or folder into a project (what came in, what was left out), for
 * the landing page and the workbench: `dropProps` go on the element that takes drops.
 */
export function useProjectImport(onImport: OnImport) {
  const [error, setError] = useState<string | null>(null);
  const [over, setOver] = useState(false);

  const finish = async (name: string, read: () => Promise<ImportedProject>) => {
    setError(null);
    try {
      const project = await read();
      if (Object.keys(project.files).length === 0) {
        setError(`Nothing could be imported from ${name}${project.skipped.length ? `: ${project.skipped.slice(0, 3).join('; ')}` : ': it holds no files'}.`);
        return;
      }
      await onImport(name, project);
    } catch (e) {
      setError(errorMessage(e));
    }
  };

  const importZip = (file: File) =>
    finish(file.name, async () => {
      if (file.size > MAX_ARCHIVE_BYTES) throw new Error(`${file.name} is larger than ${MAX_ARCHIVE_BYTES / 1_000_000} MB: import a smaller archive.`);
      return (await archive()).projectFromZip(new Uint8Array(await file.arrayBuffer()));
    });

  const importFolder = (name: string, files: Array<{ path: string; file: File }>) =>
    finish(name, async () => (await archive()).projectFromFiles(files.map(({ path, file }): IncomingFile => ({ path, size: file.size, read: async () => new Uint8Array(await file.arrayBuffer()) }))));

  const onDrop = async (event: DragEvent) => {
    event.preventDefault();
    setOver(false);
    const entries = [...event.dataTransfer.items].map((item) => item.webkitGetAsEntry?.()).filter((entry): entry is FileSystemEntry => Boolean(entry));
    const folder = entries.find((entry) => entry.isDirectory) as FileSystemDirectoryEntry | undefined;
    if (folder) return importFolder(folder.name, await folderFiles(folder));
    const zip = [...event.dataTransfer.files].find((file) => /\.zip$/i.test(file.name));
    if (zip) return importZip(zip);
    setError('Drop a .zip file or a folder to import it.');
  };

  const dropProps = {
    onDragOver: (event: DragEvent) => {
      // Only files: text or a tab dragged inside the page is not an import.
      if (!event.dataTransfer.types.includes('Files')) return;
      event.preventDefault();
      setOver(true);
    },
    onDragLeave: () => setOver(false),
    onDrop: (event: DragEvent) => void onDrop(event),
  };
  return { error, setError, over, dropProps, importZip, importFolder };
}

/**
 * Import a project into a new chat: a zip or a folder, picked or dropped anywhere on `children`,
 * or a GitHub repository. `onImport` gets what came in (and what was left out); errors are shown here.
 */
export function ImportProject({ onImport, children }: { onImport: OnImport; children: ReactNode }) {
  const { error, over, dropProps, importZip, importFolder } = useProjectImport(onImport);

  return (
    <div
      {...dropProps}
      className={over ? 'rounded-xl outline-2 outline-dashed outline-blue-400' : undefined}
    >
      {children}
      <section aria-label="Import a project" className="mx-auto mt-6 w-full max-w-2xl px-4">
        <h2 className="muted text-xs font-semibold uppercase">Or import a project</h2>
        <div className="mt-2 flex flex-wrap items-center gap-3 text-sm">
          <label className="btn-ghost cursor-pointer">
            Import a zip
            <input type="file" accept=".zip,application/zip" className="sr-only" aria-label="Import a zip" onChange={(event) => event.target.files?.[0] && void importZip(event.target.files[0])} />
          </label>
          <label className="btn-ghost cursor-pointer">
            Import a folder
            <input
              type="file"
              className="sr-only"
              aria-label="Import a folder"
              {...{ webkitdirectory: '' }}
              onChange={(event) => {
                const files = [...(event.target.files ?? [])];
                if (files.length) void importFolder(files[0].webkitRelativePath.split('/')[0] || 'folder', files.map((file) => ({ path: file.webkitRelativePath || file.name, file })));
              }}
            />
          </label>
          <span className="muted text-xs">or drop one here</span>
        </div>
        <GitHubImport onImport={onImport} />
        {error && (
          <p role="alert" className="mt-2 text-sm text-red-600">
            {error}
          </p>
        )}
      </section>
    </div>
  );
}

/** Every file under a dropped folder, with its path from the folder's parent. */
async function folderFiles(folder: FileSystemDirectoryEntry): Promise<Array<{ path: string; file: File }>> {
  const out: Array<{ path: string; file: File }> = [];
  const walk = async (directory: FileSystemDirectoryEntry): Promise<void> => {
    const reader = directory.createReader();
    for (;;) {
      const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
      if (batch.length === 0) return;
      for (const entry of batch) {
        if (entry.isDirectory) {
          if (!/^(node_modules|\.git)$/.test(entry.name)) await walk(entry as FileSystemDirectoryEntry);
        } else {
          const file = await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject));
          out.push({ path: entry.fullPath.replace(/^\//, ''), file });
        }
      }
    }
  };
  await walk(folder);
  return out;
}
