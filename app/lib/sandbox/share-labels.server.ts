/**
 * Share links live in a sandbox's labels (Daytona's, or the Local provider's records): `share-<hash>`
 * holding the expiry, or `revoked:<when>` once revoked. Labels are one map per sandbox that every
 * operation reads whole, so dead links are pruned and the map stays small however many were made.
 */
export const REVOKED = 'revoked';
/** Share links one sandbox may have active at once. */
export const MAX_ACTIVE_SHARES = 20;
/** Revoked or expired links kept (answering 410 Gone rather than 404), the newest this many, for at most a week. */
const MAX_DEAD_SHARES = 20;
const FORGET_SHARES_AFTER_MS = 7 * 24 * 3_600_000;

/** Labels of dead (revoked or expired) links to drop: those dead for over a week, and all but the newest MAX_DEAD_SHARES of the rest. */
export function deadSharesToForget(labels: Record<string, string>, now: number): string[] {
  const dead = Object.entries(labels)
    .filter(([key]) => key.startsWith('share-'))
    .flatMap(([key, value]) => {
      const revokedAt = value.startsWith(REVOKED) ? Number(value.slice(REVOKED.length + 1)) || 0 : undefined;
      const diedAt = revokedAt ?? (Number(value) || 0);
      return revokedAt !== undefined || diedAt <= now ? [{ key, diedAt }] : [];
    })
    .sort((a, b) => b.diedAt - a.diedAt);
  return dead.filter((share, i) => i >= MAX_DEAD_SHARES || share.diedAt < now - FORGET_SHARES_AFTER_MS).map((share) => share.key);
}

/** A provider label update that removes these labels (an empty value removes a label). */
export const withoutLabels = (keys: string[]) => Object.fromEntries(keys.map((key) => [key, '']));
