/** One line of `CLUSTER NODES`. */
export interface ClusterNode {
  id: string;
  /** `host:port` clients use (the cluster bus port and hostname are stripped). */
  address: string;
  flags: string[];
  role: 'primary' | 'replica';
  /** Node id of the primary, for replicas. */
  primaryId: string | undefined;
  linkState: 'connected' | 'disconnected';
  /** Slot ranges served, e.g. `[[0, 5460]]`; importing/migrating markers are ignored. */
  slots: Array<[number, number]>;
  failing: boolean;
  suspected: boolean;
  myself: boolean;
}

/**
 * Parses `CLUSTER NODES` (Redis 7 format: `id ip:port@cport[,hostname] flags master ping pong epoch link slot…`).
 * `fail` marks a node the cluster agreed is down, `fail?` (pfail) one that this node merely suspects.
 * A node that has not yet learned its own IP (no peer has talked to it) prints `:port`; `options.host`, the host the
 * text was read from, fills that gap so the address stays usable.
 */
export function parseClusterNodes(text: string, options: { host?: string } = {}): ClusterNode[] {
  const nodes: ClusterNode[] = [];
  for (const line of text.split('\n')) {
    const parts = line.trim().split(/\s+/);
    if (parts.length < 8) continue;
    const [id, addr, flagText, master, , , , link, ...slotParts] = parts as [
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      ...string[],
    ];
    const flags = flagText.split(',');
    const slots: Array<[number, number]> = [];
    for (const s of slotParts) {
      if (s.startsWith('[')) continue;
      const [a, b] = s.split('-').map(Number);
      if (a === undefined || Number.isNaN(a)) continue;
      slots.push([a, b ?? a]);
    }
    let address = addr.split('@')[0] ?? addr;
    if (address.startsWith(':') && options.host) address = `${options.host}${address}`;
    nodes.push({
      id,
      address,
      flags,
      role: flags.includes('master') ? 'primary' : 'replica',
      primaryId: master === '-' ? undefined : master,
      linkState: link === 'connected' ? 'connected' : 'disconnected',
      slots,
      failing: flags.includes('fail'),
      suspected: flags.includes('fail?'),
      myself: flags.includes('myself'),
    });
  }
  return nodes;
}
