/**
 * What a person has typed but not sent, per chat ("landing" for the start page), kept in
 * localStorage so that a reload, a crash or a dev-server restart does not lose it.
 */
const PREFIX = 'appforge:draft:';

function storage(): Storage | null {
  try {
    return typeof window === 'undefined' ? null : window.localStorage;
  } catch {
    return null; // storage disabled by the browser
  }
}

export function loadDraft(key: string): string {
  try {
    return storage()?.getItem(PREFIX + key) ?? '';
  } catch {
    return '';
  }
}

export function saveDraft(key: string, text: string) {
  try {
    if (text) storage()?.setItem(PREFIX + key, text);
    else storage()?.removeItem(PREFIX + key);
  } catch {
    // Quota exceeded or storage disabled: the text stays in the box, only not across reloads.
  }
}
