import { useStore } from '@nanostores/react';
import { pickLabel, type PreviewPick } from '~/lib/preview/element-picker';
import type { PreviewPicks } from '~/lib/preview/preview-picks';

/** The elements picked in the preview, as removable chips above the prompt. */
export function PickChips({ picks }: { picks: PreviewPicks }) {
  const list = useStore(picks.picks);
  if (list.length === 0) return null;
  return (
    <ul aria-label="Picked elements" className="flex flex-wrap gap-1 px-2 pt-1">
      {list.map((pick, index) => (
        <li key={`${pick.page} ${pick.selector}`} className="flex max-w-full items-center gap-1 rounded-full border border-blue-300 bg-blue-50 py-0.5 pl-2 pr-1 text-xs dark:border-blue-800 dark:bg-blue-950/50" title={pickTitle(pick)}>
          <span className="truncate">{pickLabel(pick)}</span>
          <button type="button" aria-label={`Remove ${pickLabel(pick)}`} className="rounded-full px-1 leading-none hover:bg-blue-200 dark:hover:bg-blue-900" onClick={() => picks.remove(index)}>
            ×
          </button>
        </li>
      ))}
    </ul>
  );
}

/** The picks a sent message carried, as they show in the chat. */
export function SentPicks({ picks }: { picks: PreviewPick[] }) {
  return (
    <ul aria-label="Picked elements" className="flex flex-wrap justify-end gap-1">
      {picks.map((pick, index) => (
        <li key={index} className="rounded-full border border-blue-300 px-2 py-0.5 text-xs dark:border-blue-800" title={pickTitle(pick)}>
          {pickLabel(pick)}
        </li>
      ))}
    </ul>
  );
}

function pickTitle(pick: PreviewPick) {
  return `${pick.selector} on ${pick.page}${pick.text ? ` · “${pick.text}”` : ''}`;
}
