import { InvalidInput } from '../errors';

/** Opaque cursors: base64url of the last item's sort key, so clients cannot depend on their shape. */
export function encodeCursor(key: string): string {
  return Buffer.from(key, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string, field = 'after'): string {
  const key = Buffer.from(cursor, 'base64url').toString('utf8');
  if (key.length === 0 || encodeCursor(key) !== cursor)
    throw new InvalidInput(field, 'is not a cursor this API returned');
  return key;
}

export const MAX_PAGE_SIZE = 100;

export function pageSize(first: number | null | undefined, field = 'first'): number {
  const size = first ?? 20;
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) {
    throw new InvalidInput(field, `must be between 1 and ${MAX_PAGE_SIZE}`);
  }
  return size;
}

/**
 * How many items the whole list holds, counted only when a client selects `totalCount`: GraphQL's
 * default resolver calls a function it finds on the parent. A count is a query of its own, and on
 * FerretDB a scan, which a page that only shows its items should not pay for.
 */
export type TotalCount = () => Promise<number>;

export interface Connection<Node> {
  edges: { cursor: string; node: Node }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  totalCount: TotalCount;
}

/** Builds a connection from up to size+1 items fetched after the cursor (the extra one tells hasNextPage). */
export function toConnection<Node>(
  items: readonly Node[],
  size: number,
  totalCount: TotalCount,
  keyOf: (node: Node) => string,
): Connection<Node> {
  const page = items.slice(0, size);
  const edges = page.map((node) => ({ cursor: encodeCursor(keyOf(node)), node }));
  return {
    edges,
    pageInfo: { hasNextPage: items.length > size, endCursor: edges.at(-1)?.cursor ?? null },
    totalCount,
  };
}

/** A position in a newest-first list: when the item was created, then its id to break ties. */
export interface NewestFirstPosition {
  readonly createdAt: Date;
  readonly id: string;
}

/** The cursor key of an item in a newest-first list (toConnection encodes it). */
export function newestFirstKey(item: NewestFirstPosition): string {
  return `${item.createdAt.toISOString()}|${item.id}`;
}

export function decodeNewestFirstCursor(cursor: string, field = 'after'): NewestFirstPosition {
  const [createdAt, id] = decodeCursor(cursor, field).split('|');
  const at = new Date(createdAt ?? '');
  if (!id || Number.isNaN(at.getTime())) throw new InvalidInput(field, 'is not a cursor this API returned');
  return { createdAt: at, id };
}

/** The MongoDB filter for "older than `after`" in a list sorted { createdAt: -1, _id: -1 }. */
export function olderThan(after: NewestFirstPosition): object {
  return {
    $or: [{ createdAt: { $lt: after.createdAt } }, { createdAt: after.createdAt, _id: { $lt: after.id } }],
  };
}
