export type Data = Record<string, unknown>;

const isObject = (value: unknown): value is Data =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/**
 * Merges a fetch's answer into the response in place: objects key by key, lists element by element
 * when both have the same length (the same entities, answered in order), anything else replaced.
 * Keys are walked with for...in, not Object.keys, which makes an array of them for every object
 * (a tenth of what the router allocated per Guild request); parsed JSON inherits no enumerable key.
 */
export function deepMerge(target: Data, source: Data | null | undefined): Data {
  if (!source) return target;
  for (const key in source) {
    const value = source[key];
    if (value === undefined) continue;
    const existing = Object.hasOwn(target, key) ? target[key] : undefined;
    if (isObject(existing) && isObject(value)) {
      deepMerge(existing, value);
    } else if (Array.isArray(existing) && Array.isArray(value) && existing.length === value.length) {
      for (let index = 0; index < value.length; index += 1) {
        const item: unknown = existing[index];
        const incoming: unknown = value[index];
        if (isObject(item) && isObject(incoming)) deepMerge(item, incoming);
        else existing[index] = incoming;
      }
    } else if (key === '__proto__') {
      // An answer's "__proto__" key is data, never the object's prototype.
      Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
    } else {
      target[key] = value;
    }
  }
  return target;
}

/** A deep copy of parsed JSON data (its strings shared: they cannot change). */
export function copyOf<T>(value: T): T {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(copyOf) as T;
  const copy: Data = {};
  for (const key in value) {
    if (key === '__proto__') {
      Object.defineProperty(copy, key, {
        value: copyOf((value as Data)[key]),
        writable: true,
        enumerable: true,
        configurable: true,
      });
    } else copy[key] = copyOf((value as Data)[key]);
  }
  return copy as T;
}
