/**
 * The router's answers are one-byte text when their data is ASCII: the supergraph's names are put
 * in V8's table of property names as one-byte strings before a schema is built from it (see
 * keepNamesOneByte). Each test's names are new to the process, as a router's are when it starts.
 */
import { randomUUID } from 'node:crypto';
import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';
import { OperationPlans } from '../src/execution/operationPlans';
import { isTwoByte } from '../../test/support/v8Strings';
import { keepNamesOneByte } from '@roombook/kernel';

/**
 * A supergraph whose query field and type have names never used in this process: composed with
 * others, then renamed in the text (composing would have used the new names as property names).
 */
function supergraphOfNewNames(): { sdl: string; field: string; type: string } {
  const unique = randomUUID().replaceAll('-', '');
  const [field, type] = [`field${unique}`, `Type${unique}`];
  const { supergraphSdl } = composeServices([
    {
      name: 'rooms',
      url: 'http://rooms.invalid/graphql',
      typeDefs: parse('type Query { renamedField: RenamedType } type RenamedType { id: ID }'),
    },
  ]);
  return { sdl: supergraphSdl!.replaceAll('renamedField', field).replaceAll('RenamedType', type), field, type };
}

test('the probe tells two-byte text from one-byte text', () => {
  expect(isTwoByte('rooms')).toBe(false);
  expect(isTwoByte('rooms\u0100')).toBe(true);
});

test("an answer with the supergraph's field names and type names as keys and __typename is one-byte text", () => {
  const { sdl, field, type } = supergraphOfNewNames();
  keepNamesOneByte(sdl);
  const plans = new OperationPlans(sdl);
  // As the router answers: a subgraph's answer parsed, the planned API schema's type name as __typename.
  const answer = { data: JSON.parse(`{"${field}":{"id":"1"}}`) as Record<string, { __typename?: string }> };
  answer.data[field].__typename = plans.apiSchema.getType(type)!.name;
  expect(isTwoByte(JSON.stringify(answer))).toBe(false);
});
