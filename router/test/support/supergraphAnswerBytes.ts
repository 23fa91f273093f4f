/**
 * Run by supergraphNames.unit.test.ts in a process of its own: prints whether an answer keyed by
 * a supergraph's names, built as the router builds it, is two-byte text.
 */
import { randomUUID } from 'node:crypto';
import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';
import { keepNamesOneByte } from '@roombook/kernel';
import { OperationPlans } from '../../src/execution/operationPlans';
import { isTwoByte } from '../../../test/support/v8Strings';

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

const { sdl, field, type } = supergraphOfNewNames();
keepNamesOneByte(sdl);
const plans = new OperationPlans(sdl);
// As the router answers: a subgraph's answer parsed, the planned API schema's type name as __typename.
const answer = { data: JSON.parse(`{"${field}":{"id":"1"}}`) as Record<string, { __typename?: string }> };
answer.data[field].__typename = plans.apiSchema.getType(type)!.name;
process.stdout.write(JSON.stringify({ twoByte: isTwoByte(JSON.stringify(answer)) }));
