/**
 * The Guild's benchmark shape (bench/gateway/guildSubgraphs.ts) through the router's executor, each
 * subgraph executed in process and its requests recorded; and the unfederated graph's answer to
 * compare with.
 */
import { composeServices } from '@apollo/composition';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { ANONYMOUS } from '@roombook/kernel';
import { execute, getOperationAST, parse, type ExecutionResult, type GraphQLSchema } from 'graphql';
import { GUILD_QUERY, GUILD_SUBGRAPHS, monolithSchema } from '../../../bench/gateway/guildSubgraphs';
import { executeIncremental, executePlan, type PlanResult } from '../../src/execution/executePlan';
import { OperationPlans } from '../../src/execution/operationPlans';
import type { RouterContext } from '../../src/gateway';
import type { SubgraphClient } from '../../src/subgraphClient';

export type Subgraphs = typeof GUILD_SUBGRAPHS;
export type Name = keyof Subgraphs;
export const NAMES = Object.keys(GUILD_SUBGRAPHS) as Name[];

export interface Sent {
  readonly subgraph: Name;
  readonly query: string;
  readonly variables: Record<string, unknown>;
}

/** The representations of each `_entities` field of a request (one, or one per batched fetch). */
export const representationLists = ({ variables }: Sent) =>
  Object.entries(variables)
    .filter(([name]) => name.startsWith('representations'))
    .map(([, list]) => list as unknown[]);

/** Turns of the event loop each subgraph takes to answer. */
export type Pace = (subgraph: Name) => number;

const turns = async (count: number) => {
  for (let turn = 0; turn < count; turn += 1) await new Promise((resolve) => setImmediate(resolve));
};

/** Each subgraph executed in process, its requests recorded, its answers as JSON text parsed. */
function inProcessClients(subgraphs: Subgraphs, sent: Sent[], pace: Pace): Map<string, SubgraphClient> {
  return new Map(
    NAMES.map((name) => {
      const schema: GraphQLSchema = buildSubgraphSchema([subgraphs[name]]);
      const client = {
        fetch: async (request: { query: string; variables: object; operationName?: string }) => {
          sent.push({ subgraph: name, query: request.query, variables: request.variables as Record<string, unknown> });
          await turns(pace(name));
          const result = await execute({
            schema,
            document: parse(request.query),
            variableValues: request.variables as Record<string, unknown>,
            operationName: request.operationName,
          });
          return JSON.parse(JSON.stringify(result)) as ExecutionResult;
        },
      };
      return [name, client as unknown as SubgraphClient];
    }),
  );
}

/** The supergraph's planner, made once (the subgraph variants of tests differ in resolvers only). */
let planner: OperationPlans | undefined;

export interface Run {
  /** The subgraphs (GUILD_SUBGRAPHS unless a test changes a resolver). */
  readonly subgraphs?: Subgraphs;
  /** GUILD_QUERY unless said. */
  readonly query?: string;
  readonly variables?: Record<string, unknown>;
  /** How many turns of the event loop each subgraph takes to answer (none unless said). */
  readonly pace?: Pace;
  /** Answered in parts (@defer): the result is the last part's, which has all of the data. */
  readonly incremental?: boolean;
}

/** One request of the query's plan (the same plan object for every run of one query). */
export async function throughTheExecutor({
  subgraphs = GUILD_SUBGRAPHS,
  query = GUILD_QUERY,
  variables = {},
  pace = () => 0,
  incremental = false,
}: Run = {}): Promise<{ result: PlanResult; sent: Sent[] }> {
  planner ??= new OperationPlans(
    composeServices(
      NAMES.map((name) => ({ name, url: `http://${name}.invalid/graphql`, typeDefs: GUILD_SUBGRAPHS[name].typeDefs })),
    ).supergraphSdl!,
  );
  const document = parse(query);
  const prepared = planner.planOf(query, document, getOperationAST(document)!);
  const sent: Sent[] = [];
  const request = {
    variables,
    coerced: variables,
    context: { identity: ANONYMOUS } satisfies RouterContext,
    shapes: prepared.shapes,
  };
  const clients = inProcessClients(subgraphs, sent, pace);
  const schemas = { api: planner.apiSchema, supergraph: planner.supergraphSchema };
  if (!incremental) return { result: await executePlan(prepared, request, clients, schemas), sent };
  const { initial, subsequent } = await executeIncremental(prepared, request, clients, schemas);
  const result = { ...initial, errors: [...initial.errors] };
  for await (const { incremental: parts } of subsequent ?? []) {
    for (const part of parts) {
      result.data = part.data;
      result.errors.push(...(part.errors ?? []));
    }
  }
  return { result, sent };
}

/**
 * The unfederated graph's answer to `query`, with `inStock` null (and its path listed) for the
 * products it says are not known, where the federated graph's inventory fails.
 */
export async function unfederated(
  inStock: (upc: string) => boolean = () => true,
  query = GUILD_QUERY,
  variables: Record<string, unknown> = {},
) {
  const { schema, rootValue } = monolithSchema();
  const result = await execute({ schema, document: parse(query), rootValue, variableValues: variables });
  if (result.errors) throw new Error(`The unfederated graph refused the query: ${result.errors[0].message}`);
  const paths: string[] = [];
  const walk = (value: unknown, path: (string | number)[]): void => {
    if (Array.isArray(value)) value.forEach((item, index) => walk(item, [...path, index]));
    else if (value && typeof value === 'object') {
      const object = value as Record<string, unknown>;
      if ('inStock' in object && typeof object.upc === 'string' && !inStock(object.upc)) {
        object.inStock = null;
        paths.push([...path, 'inStock'].join('.'));
      }
      for (const [key, item] of Object.entries(object)) walk(item, [...path, key]);
    }
  };
  walk(result.data, []);
  return { data: JSON.parse(JSON.stringify(result.data)) as unknown, paths: paths.sort() };
}
