import { isAdmin, type Identity } from '@roombook/kernel';

/** What a policy may look at: the caller's verified claims (as its identity), nothing of the data. */
export interface PolicyCaller {
  readonly identity: Identity;
}

/** A named rule of `@policy(policies: ...)`, evaluated by the router before planning. */
export type Policy = (caller: PolicyCaller) => boolean;

/**
 * The policies the subgraphs may name. A rule that depends on the data (whose reservation) is not
 * a policy: it stays with the subgraph that owns the data (`@restricted`). A named policy, unlike
 * a list of scopes in every subgraph's SDL, changes here in one place when its meaning does.
 */
export const POLICIES: Readonly<Record<string, Policy>> = {
  /** Operators of the platform (today: holders of the ADMIN role), who run it rather than use it. */
  platformOperator: ({ identity }) => isAdmin(identity),
};

/** A supergraph naming a policy the router does not know would refuse its field to everyone: refused at start instead. */
export function assertPoliciesKnown(
  named: ReadonlySet<string>,
  policies: Readonly<Record<string, Policy>> = POLICIES,
): void {
  const unknown = [...named].filter((name) => !(name in policies));
  if (unknown.length > 0) {
    throw new Error(
      `The supergraph names @policy ${unknown.join(', ')}, which the router does not know (router/src/authorization/policies.ts)`,
    );
  }
}
