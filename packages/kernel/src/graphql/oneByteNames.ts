import { parse, visit, type DocumentNode } from 'graphql';

/** The schemas' names as property names (see keepNamesOneByte), held so that V8 keeps them. */
const held: Record<string, true>[] = [];

/**
 * Puts every name of a schema in V8's table of property names as a one-byte string, before a
 * schema is built from it: call it first. V8 keeps one string per property name, the first put
 * there, and gives it to every object with that property (answers, documents read from the
 * database, events). @apollo/federation-internals builds GraphQL schemas (the gateway's and
 * `buildSubgraphSchema`'s) from SDL it prints as two-byte text, so names such as `users` and `price`
 * went there as two-byte strings, and JSON.stringify wrote every answer holding one as two-byte
 * text: twice its size, which Node then copies whole, measures and encodes to UTF-8 (about 40 % of
 * the router's CPU on the Guild bench's 87 kB answers).
 */
export function keepNamesOneByte(schema: string | DocumentNode): void {
  const names = Object.create(null) as Record<string, true>;
  visit(typeof schema === 'string' ? parse(schema, { noLocation: true }) : schema, {
    Name(node) {
      // Copied from bytes: one-byte whatever text it was read from (GraphQL names are ASCII).
      names[Buffer.from(node.value, 'latin1').toString('latin1')] = true;
    },
  });
  held.push(names);
}
