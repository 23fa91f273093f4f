/**
 * A subgraph's answers are one-byte text when their data is ASCII: its schema's names are put in
 * V8's table of property names as one-byte strings before the schema is built (subgraphSchema).
 * Each test's names are new to the process, as a subgraph's are when it starts.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execute, parse } from 'graphql';
import { readSubgraphSchema, subgraphSchema } from '../src/graphql/subgraphSchema';
import { isTwoByte } from '../../../test/support/v8Strings';

test("a subgraph's answer, keyed by its schema's field names, is one-byte text", async () => {
  const unique = randomUUID().replaceAll('-', '');
  const [field, nested] = [`field${unique}`, `nested${unique}`];
  // The names reach the schema only as text, from a schema.graphql as every subgraph's do.
  const schemaFile = path.join(mkdtempSync(path.join(tmpdir(), 'roombook-schema-')), 'schema.graphql');
  writeFileSync(
    schemaFile,
    `extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@composeDirective"])
     type Query { ${field}: Thing }
     type Thing { ${nested}: String }`,
  );
  const schema = subgraphSchema(readSubgraphSchema(schemaFile), {
    Query: { [field]: () => JSON.parse(`{"${nested}":"x"}`) as unknown },
  });
  const answer = await execute({ schema, document: parse(`{ ${field} { ${nested} } }`) });
  expect(answer.errors).toBeUndefined();
  expect(isTwoByte(JSON.stringify(answer))).toBe(false);
});
