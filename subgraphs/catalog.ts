/**
 * The one list of subgraphs. Composition (`npm run compose`), `npm start`, the router's
 * defaults and the docker-compose check all read it, so adding a subgraph is adding a line.
 */
export interface SubgraphEntry {
  /** Folder under subgraphs/, subgraph name in the supergraph, and suffix of its database. */
  readonly name: string;
  /** Default port when PORT is not set. */
  readonly port: number;
}

export const SUBGRAPHS: readonly SubgraphEntry[] = [
  { name: 'room', port: 4001 },
  { name: 'reservation', port: 4002 },
  { name: 'payment', port: 4003 },
  { name: 'review', port: 4004 },
  { name: 'dashboard', port: 4005 },
];

export const ROUTER_PORT = 4000;

/** Env var that points the router (and other services) at a subgraph, e.g. SUBGRAPH_ROOM_URL. */
export function subgraphUrlVariable(name: string): string {
  return `SUBGRAPH_${name.toUpperCase()}_URL`;
}
