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
