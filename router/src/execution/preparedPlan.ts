import {
  getResponseName,
  type FetchDataRewrite,
  type FetchNode,
  type PlanNode,
  type QueryPlan,
  type QueryPlanSelectionNode,
  type ResponsePath,
} from '@apollo/query-planner';
import {
  OperationTypeNode,
  isAbstractType,
  isInterfaceType,
  type DocumentNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import { deepMerge, type Data } from './deepMerge';
import { planBatches, type BatchMember, type BatchPlan } from './fetchBatches';
import { OperationShapes } from './responseShape';

/** One fetch of a plan, with what it needs from the data already fetched compiled to a function. */
export interface PreparedFetch {
  readonly serviceName: string;
  readonly operation: string;
  readonly operationName: string | undefined;
  readonly mutation: boolean;
  readonly variableUsages: readonly string[];
  /** The representation of one entity (its keys and required fields), or null when it has not all of them. */
  readonly representation: ((entity: Data) => Data | null) | undefined;
  readonly inputRewrites: FetchDataRewrite[] | undefined;
  readonly outputRewrites: FetchDataRewrite[] | undefined;
  /** Set when it goes to its subgraph with other entity fetches of the plan (planBatches). */
  readonly batch: BatchMember | undefined;
}

export interface DeferredStep {
  /** Where the deferred fragment sits in the response; its label, if the client gave one. */
  readonly path: ResponsePath;
  readonly label: string | undefined;
  readonly step: Step | undefined;
  /** The operation's selections this part delivers (a fragment of the operation: its own shape). */
  readonly subselection: string | undefined;
  readonly dependsOn: readonly string[];
}

export type Step =
  | { readonly kind: 'Sequence' | 'Parallel'; readonly steps: readonly Step[] }
  | { readonly kind: 'Flatten'; readonly path: ResponsePath; readonly step: Step }
  | { readonly kind: 'Fetch'; readonly fetch: PreparedFetch; readonly id: string | undefined }
  | { readonly kind: 'Condition'; readonly variable: string; readonly then?: Step; readonly otherwise?: Step }
  | { readonly kind: 'Defer'; readonly primary: Step | undefined; readonly deferred: readonly DeferredStep[] };

/**
 * A query plan made ready to run many times: fetches with their representation builders, and the
 * operation's response shapes. Nothing here depends on a request.
 */
export class PreparedPlan {
  readonly step: Step | undefined;
  readonly hasDefer: boolean;
  /** Its groups of entity fetches sent together; undefined when each is sent alone. */
  readonly batches: BatchPlan | undefined;
  /** The response shapes of the planned operation (an operation narrowed by authorization is shaped as sent). */
  readonly shapes: OperationShapes;

  constructor(
    readonly plan: QueryPlan,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    apiSchema: GraphQLSchema,
    supergraphSchema: GraphQLSchema,
  ) {
    this.shapes = new OperationShapes(apiSchema, document, operation);
    let hasDefer = false;
    const fetches: Mutable<PreparedFetch>[] = [];
    const prepare = (node: PlanNode): Step => {
      switch (node.kind) {
        case 'Sequence':
        case 'Parallel':
          return { kind: node.kind, steps: node.nodes.map(prepare) };
        case 'Flatten':
          return { kind: 'Flatten', path: node.path, step: prepare(node.node) };
        case 'Fetch': {
          const fetch = prepareFetch(node, supergraphSchema);
          fetches.push(fetch);
          return { kind: 'Fetch', fetch, id: node.id };
        }
        case 'Condition':
          return {
            kind: 'Condition',
            variable: node.condition,
            ...(node.ifClause ? { then: prepare(node.ifClause) } : {}),
            ...(node.elseClause ? { otherwise: prepare(node.elseClause) } : {}),
          };
        case 'Defer':
          hasDefer = true;
          return {
            kind: 'Defer',
            primary: node.primary.node ? prepare(node.primary.node) : undefined,
            deferred: node.deferred.map((deferred) => ({
              path: deferred.queryPath,
              label: deferred.label,
              step: deferred.node ? prepare(deferred.node) : undefined,
              subselection: deferred.subselection,
              dependsOn: deferred.depends.map((dependency) => dependency.id),
            })),
          };
      }
    };
    if (plan.node?.kind === 'Subscription') throw new Error('Subscriptions are served by the live layer');
    this.step = plan.node ? prepare(plan.node) : undefined;
    this.hasDefer = hasDefer;
    const batches = this.step && planBatches(this.step);
    for (const fetch of fetches) fetch.batch = batches?.members.get(fetch);
    this.batches = batches?.plan;
  }
}

type Mutable<T> = { -readonly [Key in keyof T]: T[Key] };

/** A fetch made ready to run; whether it goes with others is decided once the whole plan is seen. */
function prepareFetch(node: FetchNode, schema: GraphQLSchema): Mutable<PreparedFetch> {
  return {
    serviceName: node.serviceName,
    operation: node.operation,
    operationName: node.operationName,
    mutation: node.operationKind === OperationTypeNode.MUTATION,
    variableUsages: node.variableUsages ?? [],
    representation: node.requires ? selector(node.requires, schema) : undefined,
    inputRewrites: node.inputRewrites,
    outputRewrites: node.outputRewrites,
    batch: undefined,
  };
}

type Selector = (source: Data) => Data | null;

/**
 * What a fetch sends of each entity, as a function: its fields by response name, and its type
 * conditions as sets of the type names they match (in the supergraph: @inaccessible types too).
 */
function selector(selections: readonly QueryPlanSelectionNode[], schema: GraphQLSchema): Selector {
  const parts = selections.map((selection) => {
    if (selection.kind === 'Field') {
      const field = selection;
      return {
        kind: 'field' as const,
        key: getResponseName(field),
        sub: field.selections ? selector(field.selections, schema) : undefined,
      };
    }
    const condition = selection.typeCondition;
    return {
      kind: 'fragment' as const,
      matches: condition ? typesMatching(schema, condition) : undefined,
      sub: selector(selection.selections, schema),
    };
  });
  return (source) => {
    const result: Data = {};
    for (const part of parts) {
      if (part.kind === 'field') {
        const value = Object.hasOwn(source, part.key) ? source[part.key] : undefined;
        // Missing: fetching it failed and its entity was nulled; this entity cannot be represented.
        if (value === undefined) return null;
        const { sub } = part;
        if (Array.isArray(value)) {
          result[part.key] = sub ? value.map((item) => (item === null ? null : sub(item as Data))) : value;
        } else if (sub) {
          result[part.key] = value === null ? null : sub(value as Data);
        } else {
          result[part.key] = value;
        }
      } else if (part.matches && part.matches.has(source.__typename as string)) {
        deepMerge(result, part.sub(source));
      }
    }
    return result;
  };
}

function typesMatching(schema: GraphQLSchema, condition: string): ReadonlySet<string> {
  const type = schema.getType(condition);
  const names = new Set([condition]);
  if (type && isAbstractType(type)) {
    for (const possible of schema.getPossibleTypes(type)) names.add(possible.name);
    if (isInterfaceType(type))
      for (const implementation of schema.getImplementations(type).interfaces) names.add(implementation.name);
  }
  return names;
}
