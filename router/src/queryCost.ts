import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import { InvalidInput, MAX_PAGE_SIZE } from '@roombook/kernel';
import {
  GraphQLError,
  Kind,
  validate,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import { getComplexity, type ComplexityEstimator } from 'graphql-query-complexity';

/** What one operation may ask of the graph; each is named by its configuration variable in a refusal. */
export interface OperationLimits {
  readonly MAX_QUERY_ALIASES: number;
  readonly MAX_ROOT_FIELDS: number;
  readonly MAX_QUERY_FIELDS: number;
  readonly MAX_QUERY_DIRECTIVES: number;
  readonly MAX_QUERY_COST: number;
}

const DAY_MS = 86_400_000;

/**
 * The estimated work of one field: 1, plus what it selects; a page (a `first` argument) costs its
 * selection once per item it may return; a stay (`checkIn`/`checkOut`) costs one per night, because
 * availability is checked night by night. The subgraph refuses pages over MAX_PAGE_SIZE itself, so a
 * larger `first` is counted as the largest page (the client then reads the subgraph's own message).
 */
export const fieldCost: ComplexityEstimator = ({ args, childComplexity }) => {
  if (typeof args.checkIn === 'string' && typeof args.checkOut === 'string') {
    return Math.max(1, nightsBetween(args.checkIn, args.checkOut)) + childComplexity;
  }
  if ('first' in args) {
    const first = typeof args.first === 'number' ? args.first : MAX_PAGE_SIZE;
    return 1 + Math.min(Math.max(first, 1), MAX_PAGE_SIZE) * childComplexity;
  }
  return 1 + childComplexity;
};

function nightsBetween(checkIn: string, checkOut: string): number {
  const nights = Math.round((Date.parse(checkOut) - Date.parse(checkIn)) / DAY_MS);
  return Number.isFinite(nights) ? nights : 1;
}

/**
 * Refuses an operation that asks too much, before it is planned or any subgraph is called: too
 * many aliases, directives, root fields or fields (fragments counted where they are spread), or a
 * cost estimate over the limit. The refusal is BAD_USER_INPUT (HTTP 400) and names the limit.
 */
export class OperationLimiter {
  // A document's shape is judged once: the router keeps each parsed document it has seen, and only
  // the cost depends on the variables: it is kept per set of variable values, a few per operation.
  readonly #shapeVerdicts = new WeakMap<DocumentNode, Map<string, InvalidInput | null>>();
  readonly #costVerdicts = new WeakMap<DocumentNode, Map<string, InvalidInput | null>>();

  constructor(private readonly limits: OperationLimits) {}

  refusalOf(
    schema: GraphQLSchema,
    document: DocumentNode,
    variables: Record<string, unknown>,
    operationName: string | undefined,
  ): InvalidInput | undefined {
    const shape = verdictOf(this.#shapeVerdicts, document, operationName ?? '', () =>
      shapeRefusalOf(schema, document, this.limits, operationName),
    );
    if (shape) return shape;
    return verdictOf(this.#costVerdicts, document, `${operationName ?? ''}\n${JSON.stringify(variables)}`, () =>
      costRefusalOf(schema, document, this.limits, variables, operationName),
    );
  }
}

/** Verdicts kept per document and key, at most this many per document (then judged anew). */
const VERDICTS_PER_DOCUMENT = 64;

function verdictOf(
  kept: WeakMap<DocumentNode, Map<string, InvalidInput | null>>,
  document: DocumentNode,
  key: string,
  judge: () => InvalidInput | undefined,
): InvalidInput | undefined {
  let verdicts = kept.get(document);
  if (!verdicts) kept.set(document, (verdicts = new Map<string, InvalidInput | null>()));
  let verdict = verdicts.get(key);
  if (verdict === undefined) {
    verdict = judge() ?? null;
    if (verdicts.size >= VERDICTS_PER_DOCUMENT) verdicts.clear();
    verdicts.set(key, verdict);
  }
  return verdict ?? undefined;
}

/** The first limit an operation breaks, or undefined. Counting stops at the limit, so it costs at most that much. */
export function refusalOf(
  schema: GraphQLSchema,
  document: DocumentNode,
  limits: OperationLimits,
  variables: Record<string, unknown>,
  operationName?: string,
): InvalidInput | undefined {
  return (
    shapeRefusalOf(schema, document, limits, operationName) ??
    costRefusalOf(schema, document, limits, variables, operationName)
  );
}

/** Too many aliases, directives, root fields or fields: what the document alone tells. */
function shapeRefusalOf(
  schema: GraphQLSchema,
  document: DocumentNode,
  limits: OperationLimits,
  operationName: string | undefined,
): InvalidInput | undefined {
  const [shape] = validate(
    schema,
    document,
    [
      maxAliasesRule({ n: limits.MAX_QUERY_ALIASES, ...reportingAs('MAX_QUERY_ALIASES') }),
      maxDirectivesRule({ n: limits.MAX_QUERY_DIRECTIVES, ...reportingAs('MAX_QUERY_DIRECTIVES') }),
      fieldCountRule(limits, operationName),
    ],
    { maxErrors: 1 },
  );
  return shape ? new InvalidInput('query', `refused: ${shape.message}`) : undefined;
}

/** The estimated cost over the limit: pages and nights come from the variables too. */
function costRefusalOf(
  schema: GraphQLSchema,
  document: DocumentNode,
  limits: OperationLimits,
  variables: Record<string, unknown>,
  operationName: string | undefined,
): InvalidInput | undefined {
  let cost: number;
  try {
    cost = getComplexity({
      schema,
      query: document,
      variables,
      operationName,
      estimators: [fieldCost],
      // The field count already bounds the walk; the library's own guard would only get in the way.
      maxQueryNodes: Number.MAX_SAFE_INTEGER,
    });
  } catch {
    // Variables that do not fit the operation: execution refuses them before any fetch, with GraphQL's message.
    return undefined;
  }
  if (cost > limits.MAX_QUERY_COST) {
    return new InvalidInput(
      'query',
      `refused: Cost limit of ${limits.MAX_QUERY_COST} exceeded, estimated ${cost} (MAX_QUERY_COST).`,
    );
  }
  return undefined;
}

function reportingAs(limit: keyof OperationLimits) {
  return {
    exposeLimits: true,
    propagateOnRejection: false,
    onReject: [
      (context: ValidationContext | null, error: GraphQLError) =>
        context?.reportError(
          new GraphQLError(`${error.message.replace(/^Syntax Error: /, '').replace(/\.$/, '')} (${limit}).`),
        ),
    ],
  };
}

/** Root fields and all fields of the operation, each fragment counted every time it is spread. */
function fieldCountRule(limits: OperationLimits, operationName: string | undefined): ValidationRule {
  return (context) => {
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const definition of context.getDocument().definitions) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
    }
    return {
      OperationDefinition(operation) {
        if (operationName && operation.name?.value !== operationName) return;
        const roots = countFields(operation.selectionSet, fragments, limits.MAX_ROOT_FIELDS + 1, false);
        if (roots > limits.MAX_ROOT_FIELDS) {
          context.reportError(
            new GraphQLError(`Root fields limit of ${limits.MAX_ROOT_FIELDS} exceeded (MAX_ROOT_FIELDS).`),
          );
          return;
        }
        const fields = countFields(operation.selectionSet, fragments, limits.MAX_QUERY_FIELDS + 1, true);
        if (fields > limits.MAX_QUERY_FIELDS) {
          context.reportError(
            new GraphQLError(`Fields limit of ${limits.MAX_QUERY_FIELDS} exceeded (MAX_QUERY_FIELDS).`),
          );
        }
      },
    };
  };
}

/**
 * Counts fields up to `stopAt` and no further: fragments spread inside fragments can stand for
 * exponentially many fields, and counting them all would be the very work the limit prevents.
 */
function countFields(
  selectionSet: SelectionSetNode,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  stopAt: number,
  deep: boolean,
): number {
  let count = 0;
  const visit = (set: SelectionSetNode, spreading: ReadonlySet<string>): void => {
    for (const selection of set.selections) {
      if (count >= stopAt) return;
      if (selection.kind === Kind.FIELD) {
        count += 1;
        if (deep && selection.selectionSet) visit(selection.selectionSet, spreading);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        visit(selection.selectionSet, spreading);
      } else {
        const name = selection.name.value;
        const fragment = fragments.get(name);
        // A cycle is refused by GraphQL's own validation; it must not loop here meanwhile.
        if (fragment && !spreading.has(name)) visit(fragment.selectionSet, new Set(spreading).add(name));
      }
    }
  };
  visit(selectionSet, new Set());
  return count;
}
