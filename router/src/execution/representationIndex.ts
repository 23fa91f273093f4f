import type { Data } from './deepMerge';

/** Where a path of keys and values ends: the place of its representation. */
const PLACE = Symbol('place');

interface Node extends Map<unknown, Node | number> {
  get(key: typeof PLACE): number | undefined;
  get(key: unknown): Node | undefined;
}

/**
 * The distinct representations of a list of entities, each given the place of the first equal
 * one, without writing any as JSON: a representation of scalar fields (keys are, mostly) is a path
 * through maps, by each key and its value in order, so two are at one place exactly when their
 * JSON would be the same text. One with an object or a list in it is written as JSON. Writing
 * each of the hundreds of representations a request asks for as JSON, and hashing that text, was
 * the executor's largest own cost per request.
 */
export class RepresentationIndex {
  readonly #root: Node = new Map() as Node;
  #byJson: Map<string, number> | undefined;

  /** The place of a representation equal to this one seen before, else `next`, remembered as its place. */
  placeOf(representation: Data, next: number): number {
    let node = this.#root;
    for (const key in representation) {
      const value = representation[key];
      if (value !== null && typeof value === 'object') return this.#placeByJson(representation, next);
      let byValue = node.get(key);
      if (!byValue) node.set(key, (byValue = new Map() as Node));
      let child = byValue.get(value);
      if (!child) byValue.set(value, (child = new Map() as Node));
      node = child;
    }
    const known = node.get(PLACE);
    if (known !== undefined) return known;
    node.set(PLACE, next);
    return next;
  }

  #placeByJson(representation: Data, next: number): number {
    this.#byJson ??= new Map();
    const key = JSON.stringify(representation);
    const known = this.#byJson.get(key);
    if (known !== undefined) return known;
    this.#byJson.set(key, next);
    return next;
  }
}
