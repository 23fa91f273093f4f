/**
 * Run by subgraphSchema.unit.test.ts in a process of its own: prints whether a subgraph's answer,
 * keyed by the names of its schema.graphql, is two-byte text.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execute, parse } from 'graphql';
import { readSubgraphSchema, subgraphSchema } from '../../src/graphql/subgraphSchema';
import { isTwoByte } from '../../../../test/support/v8Strings';

async function main(): Promise<void> {
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
  process.stdout.write(JSON.stringify({ errors: answer.errors ?? [], twoByte: isTwoByte(JSON.stringify(answer)) }));
}

void main();
