import { Supergraph, operationFromDocument, type Schema } from '@apollo/federation-internals';
import { QueryPlanner } from '@apollo/query-planner';
import { SpanStatusCode } from '@opentelemetry/api';
import type { DocumentNode, GraphQLSchema, OperationDefinitionNode } from 'graphql';
import { LRUCache } from 'lru-cache';
import { tracer } from './executePlan';
import { PreparedPlan } from './preparedPlan';

/** Plans kept: each is a few kB; an application has tens to hundreds of operations. */
const MAX_PLANS = 2_000;

/**
 * @apollo/gateway's query planner over the supergraph, with plans prepared for the router's own
 * executor and kept per document text and operation name. The document is the one to execute
 * (after authorization removed what the caller may not read), so callers with different rights
 * get different plans.
 */
export class OperationPlans {
  readonly supergraphSchema: GraphQLSchema;
  readonly #planner: QueryPlanner;
  readonly #apiSchema: Schema;
  readonly #plans = new LRUCache<string, PreparedPlan>({ max: MAX_PLANS });

  /** The API schema, with the @defer directive the planner plans (validation must know it). */
  readonly apiSchema: GraphQLSchema;

  constructor(supergraphSdl: string) {
    const supergraph = Supergraph.build(supergraphSdl);
    this.supergraphSchema = supergraph.schema.toGraphQLJSSchema();
    this.#apiSchema = supergraph.apiSchema();
    this.apiSchema = this.#apiSchema.toGraphQLJSSchema({ includeDefer: true });
    this.#planner = new QueryPlanner(supergraph, { incrementalDelivery: { enableDefer: true } });
  }

  /** The plan of `operation` in `document`, whose text is `documentText`. */
  planOf(documentText: string, document: DocumentNode, operation: OperationDefinitionNode): PreparedPlan {
    const operationName = operation.name?.value;
    const key = `${operationName ?? ''}\n${documentText}`;
    let prepared = this.#plans.get(key);
    if (prepared) return prepared;
    prepared = tracer.startActiveSpan(
      'gateway.plan',
      operationName ? { attributes: { 'graphql.operation.name': operationName } } : {},
      (span) => {
        try {
          const plan = this.#planner.buildQueryPlan(
            operationFromDocument(this.#apiSchema, document, { operationName }),
          );
          return new PreparedPlan(plan, document, operation, this.apiSchema, this.supergraphSchema);
        } catch (error) {
          span.setStatus({ code: SpanStatusCode.ERROR });
          throw error;
        } finally {
          span.end();
        }
      },
    );
    this.#plans.set(key, prepared);
    return prepared;
  }
}
