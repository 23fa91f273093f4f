import { Kind, visit, type DocumentNode, type SelectionNode, type ValueNode } from 'graphql';

/** The variables an operation's @skip and @include read: the only variables its response shape depends on. */
export function conditionVariables(document: DocumentNode): string[] {
  const names = new Set<string>();
  visit(document, {
    Directive(directive) {
      if (directive.name.value !== 'skip' && directive.name.value !== 'include') return;
      for (const argument of directive.arguments ?? []) {
        if (argument.value.kind === Kind.VARIABLE) names.add(argument.value.name.value);
      }
    },
  });
  return [...names];
}

/** Whether @skip or @include leave this selection out, given the (coerced) variable values. */
export function skipped(selection: SelectionNode, variables: Readonly<Record<string, unknown>>): boolean {
  if (!selection.directives?.length) return false;
  for (const directive of selection.directives) {
    const name = directive.name.value;
    if (name !== 'skip' && name !== 'include') continue;
    const condition = directive.arguments?.find((argument) => argument.name.value === 'if');
    if (!condition) continue;
    const value = valueOf(condition.value, variables);
    if (name === 'skip' ? value === true : value !== true) return true;
  }
  return false;
}

function valueOf(node: ValueNode, variables: Readonly<Record<string, unknown>>): unknown {
  if (node.kind === Kind.VARIABLE) return variables[node.name.value];
  return node.kind === Kind.BOOLEAN ? node.value : undefined;
}
