import DataLoader from 'dataloader';

const scopes = new WeakMap<object, Map<symbol, unknown>>();

/**
 * One instance per GraphQL request, created on first use: a DataLoader kept here batches the
 * field resolvers of a whole page of entities into one database query, and is gone with the
 * request (its context object), so nothing cached outlives it.
 */
export function perRequest<T>(context: object, key: symbol, create: () => T): T {
  let scope = scopes.get(context);
  if (!scope) scopes.set(context, (scope = new Map<symbol, unknown>()));
  if (!scope.has(key)) scope.set(key, create());
  return scope.get(key) as T;
}

/**
 * A per-request loader of things by id: every `load(id)` of one request's tick goes to
 * `findMany` together (one query for a page of entities); an id it does not return is null.
 */
export function perRequestLoader<Found>(
  findMany: (ids: readonly string[]) => Promise<ReadonlyMap<string, Found>>,
): (context: object) => DataLoader<string, Found | null> {
  const key = Symbol('loader');
  return (context) =>
    perRequest(
      context,
      key,
      () =>
        new DataLoader<string, Found | null>(async (ids) => {
          const found = await findMany(ids);
          return ids.map((id) => found.get(id) ?? null);
        }),
    );
}
