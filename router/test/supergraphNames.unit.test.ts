/**
 * The router's answers are one-byte text when their data is ASCII: the supergraph's names are put
 * in V8's table of property names as one-byte strings before a schema is built from it (see
 * keepNamesOneByte). The answer is built in a process of its own, as a router's names are new to
 * it when it starts.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { isTwoByte, printedByFreshProcess } from '../../test/support/v8Strings';

test('the probe tells two-byte text from one-byte text', () => {
  // Made at run time, so not a name some other test put in V8's table first.
  const unique = randomUUID();
  expect(isTwoByte(`rooms ${unique}`)).toBe(false);
  expect(isTwoByte(`rooms ${unique} \u0100`)).toBe(true);
});

test("an answer with the supergraph's field names and type names as keys and __typename is one-byte text", async () => {
  const printed = await printedByFreshProcess(path.join(__dirname, 'support', 'supergraphAnswerBytes.ts'));
  expect(JSON.parse(printed)).toEqual({ twoByte: false });
}, 60_000); // a new process loads the GraphQL libraries again: seconds on a busy machine
