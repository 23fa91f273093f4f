import type { z } from 'zod';
import { InvalidInput } from './errors';

/**
 * The one way a subgraph checks a mutation's input: a zod schema of the contract's rules, and its
 * first broken rule as the contract's BAD_USER_INPUT naming the field ("input.rating: must be ...").
 */
export function parseInput<T>(schema: z.ZodType<T>, input: unknown, prefix = 'input'): T {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  throw new InvalidInput([prefix, ...issue.path.map(String)].join('.'), issue.message);
}
