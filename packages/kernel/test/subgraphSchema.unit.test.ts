/**
 * A subgraph's answers are one-byte text when their data is ASCII: its schema's names are put in
 * V8's table of property names as one-byte strings before the schema is built (subgraphSchema).
 * The answer is built in a process of its own, as a subgraph's names are new to it when it starts.
 */
import path from 'node:path';
import { printedByFreshProcess } from '../../../test/support/v8Strings';

test("a subgraph's answer, keyed by its schema's field names, is one-byte text", async () => {
  const printed = await printedByFreshProcess(path.join(__dirname, 'support', 'subgraphAnswerBytes.ts'));
  expect(JSON.parse(printed)).toEqual({ errors: [], twoByte: false });
}, 60_000); // a new process loads the GraphQL libraries again: seconds on a busy machine
