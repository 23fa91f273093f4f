import { parse, visit } from 'graphql';

/** The supergraph's names as property names (see keepNamesOneByte), held so that V8 keeps them. */
const held: Record<string, true>[] = [];

/**
 * Puts every name of the supergraph in V8's table of property names as a one-byte string, before
 * the gateway builds its schemas. V8 keeps one string per property name, the first put there, and
 * gives it to every object with that property: subgraph answers and the router's answers too.
 * @apollo/federation-internals builds its GraphQL schemas from SDL it prints as two-byte text, so
 * names such as `users` and `price` went there as two-byte strings, and JSON.stringify wrote every
 * answer holding one as two-byte text: twice its size, which Node then copies whole, measures and
 * encodes to UTF-8 (about 40 % of the router's CPU on the Guild bench's 87 kB answers).
 */
export function keepNamesOneByte(supergraphSdl: string): void {
  const names = Object.create(null) as Record<string, true>;
  visit(parse(supergraphSdl, { noLocation: true }), {
    Name(node) {
      // Copied from bytes: one-byte whatever text it was read from (GraphQL names are ASCII).
      names[Buffer.from(node.value, 'latin1').toString('latin1')] = true;
    },
  });
  held.push(names);
}
