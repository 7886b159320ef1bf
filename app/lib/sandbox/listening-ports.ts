/**
 * Listening TCP ports from the text of /proc/net/tcp and /proc/net/tcp6 (header lines included),
 * optionally only those whose socket inode is in `inodes`.
 */
export function parseListeningPorts(text: string, inodes?: Set<string>): number[] {
  const ports = new Set<number>();
  for (const line of text.split('\n')) {
    const cols = line.trim().split(/\s+/);
    // sl local_address rem_address st tx:rx tr:tm retrnsmt uid timeout inode
    if (cols.length < 10 || cols[3] !== '0A' || !cols[1].includes(':')) continue; // 0A = LISTEN
    if (inodes && !inodes.has(cols[9])) continue;
    ports.add(parseInt(cols[1].split(':')[1], 16));
  }
  return [...ports].sort((a, b) => a - b);
}
