import {
  GraphQLError,
  Kind,
  getNamedType,
  isAbstractType,
  isCompositeType,
  isEnumType,
  isInterfaceType,
  isListType,
  isNonNullType,
  isObjectType,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLObjectType,
  type GraphQLOutputType,
  type GraphQLSchema,
  type SelectionSetNode,
  type SelectionNode,
  type InlineFragmentNode,
  type FragmentSpreadNode,
  type DocumentNode,
  type OperationDefinitionNode,
  type ValueNode,
} from 'graphql';
import { conditionVariables, skipped } from './conditions';

/** How one response key of an object is completed: worked out once per operation and runtime type. */
export interface FieldShape {
  readonly key: string;
  /** `removed`: a field authorization took out of the operation, answered null without asking anyone. */
  readonly kind: 'typename' | 'introspection' | 'value' | 'removed';
  /** Every node of the operation answered under this key (merged, as GraphQL merges them). */
  readonly nodes: readonly FieldNode[];
  readonly type: GraphQLOutputType;
  /** The type's wrappers (non-null, list), unrolled once so that answers are completed without asking the schema. */
  readonly completion: Completion;
  readonly sub: SelectionShape | undefined;
  /** The enum's values, checked in answers (an @inaccessible value must not reach the client). */
  readonly enumValues: ReadonlySet<string> | undefined;
}

/** A position of a field's type: whether it is non-null, and for a list, how its items are completed. */
export interface Completion {
  readonly nonNull: boolean;
  readonly item: Completion | undefined;
}

function completionOf(type: GraphQLOutputType): Completion {
  if (isNonNullType(type)) return { nonNull: true, item: completionOf(type.ofType as GraphQLOutputType).item };
  return { nonNull: false, item: isListType(type) ? completionOf(type.ofType) : undefined };
}

/** The fields answered for objects of one runtime type at one position. */
export interface RuntimeFields {
  readonly type: GraphQLCompositeType;
  /** An object type: what `__typename` answers (an abstract runtime type cannot answer it). */
  readonly isObject: boolean;
  readonly fields: readonly FieldShape[];
}

interface ShapeContext {
  readonly schema: GraphQLSchema;
  readonly fragments: ReadonlyMap<string, FragmentDefinitionNode>;
  /** The values of the variables @skip and @include read: shapes are built per set of those values. */
  readonly conditions: Readonly<Record<string, unknown>>;
  readonly removed: ReadonlySet<FieldNode>;
  /** @defer fragments left out (their fields are delivered in a later part). */
  readonly deferred: ReadonlySet<SelectionNode>;
}

/** A fragment of the operation with an active @defer: where it sits, and its label. */
export interface DeferredFragment {
  readonly node: InlineFragmentNode | FragmentSpreadNode;
  readonly label: string | undefined;
  /** The response names of the fields above it. */
  readonly fieldPath: readonly string[];
}

/**
 * The response shapes of one operation: one per set of @skip/@include values (and of fields
 * authorization removed), each built once and kept.
 */
export class OperationShapes {
  readonly fragments: ReadonlyMap<string, FragmentDefinitionNode>;
  readonly rootType: GraphQLObjectType;
  readonly #conditionVariables: readonly string[];
  readonly #shapes = new Map<string, SelectionShape>();

  constructor(
    private readonly schema: GraphQLSchema,
    document: DocumentNode,
    readonly operation: OperationDefinitionNode,
  ) {
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const definition of document.definitions) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
    }
    this.fragments = fragments;
    const rootType = schema.getRootType(operation.operation);
    if (!rootType) throw new Error(`The schema has no ${operation.operation} type`);
    this.rootType = rootType;
    this.#conditionVariables = conditionVariables(document);
  }

  /**
   * The shape for these (coerced) variables, these fields removed by authorization, and these
   * @defer fragments left out (an incremental answer's parts).
   */
  shapeFor(
    variables: Readonly<Record<string, unknown>>,
    removed: ReadonlySet<FieldNode> = NONE,
    deferred: ReadonlySet<SelectionNode> = NONE,
  ): SelectionShape {
    const conditions: Record<string, unknown> = {};
    let key = '';
    for (const name of this.#conditionVariables) {
      conditions[name] = variables[name];
      key += variables[name] === true ? '1' : '0';
    }
    // A removed field is told by its place in the document (the document is kept, so are its nodes).
    if (removed.size) key += `|${[...removed].map((node) => node.loc?.start ?? -1).join(',')}`;
    if (deferred.size) key += `|d${[...deferred].map((node) => node.loc?.start ?? -1).join(',')}`;
    let shape = this.#shapes.get(key);
    if (!shape) {
      shape = new SelectionShape(
        { schema: this.schema, fragments: this.fragments, conditions, removed, deferred },
        this.rootType,
        [this.operation.selectionSet],
      );
      this.#shapes.set(key, shape);
    }
    return shape;
  }

  /** The fragments with an active @defer (not @defer(if: false), nor @skip-ped), in document order. */
  deferredFragments(variables: Readonly<Record<string, unknown>>): DeferredFragment[] {
    const found: DeferredFragment[] = [];
    const visit = (selectionSet: SelectionSetNode, fieldPath: readonly string[]) => {
      for (const selection of selectionSet.selections) {
        if (skipped(selection, variables)) continue;
        if (selection.kind === Kind.FIELD) {
          if (selection.selectionSet)
            visit(selection.selectionSet, [...fieldPath, selection.alias?.value ?? selection.name.value]);
          continue;
        }
        const defer = selection.directives?.find((directive) => directive.name.value === 'defer');
        if (defer && deferActive(defer.arguments, variables)) {
          const label = defer.arguments?.find((argument) => argument.name.value === 'label')?.value;
          found.push({ node: selection, label: label?.kind === Kind.STRING ? label.value : undefined, fieldPath });
        }
        const selections =
          selection.kind === Kind.INLINE_FRAGMENT
            ? selection.selectionSet
            : this.fragments.get(selection.name.value)?.selectionSet;
        if (selections) visit(selections, fieldPath);
      }
    };
    visit(this.operation.selectionSet, []);
    return found;
  }
}

function deferActive(
  args: readonly { readonly name: { readonly value: string }; readonly value: ValueNode }[] | undefined,
  variables: Readonly<Record<string, unknown>>,
): boolean {
  const condition = args?.find((argument) => argument.name.value === 'if')?.value;
  if (!condition) return true;
  if (condition.kind === Kind.VARIABLE) return variables[condition.name.value] !== false;
  return !(condition.kind === Kind.BOOLEAN && !condition.value);
}

const NONE: ReadonlySet<never> = new Set();
const NULLABLE: Completion = { nonNull: false, item: undefined };

/**
 * The selections of one composite position of the operation, and, per runtime type met there, the
 * fields to answer in order (fragments applied, @skip/@include decided, keys merged). Built lazily
 * and kept with the plan, so each request only walks the data.
 */
export class SelectionShape {
  readonly #byType = new Map<string, readonly FieldShape[]>();
  /** By the __typename an answer gives: its type's fields here, or null for a name that is no composite type. */
  readonly #byTypename = new Map<string, RuntimeFields | null>();
  #own: RuntimeFields | undefined;

  constructor(
    private readonly context: ShapeContext,
    readonly type: GraphQLCompositeType,
    private readonly selectionSets: readonly SelectionSetNode[],
  ) {}

  /** The fields of an object answered here whose __typename is `typename` (kept per name); null: not a composite type. */
  fieldsFor(typename: unknown): RuntimeFields | null {
    if (typeof typename !== 'string' || typename === this.type.name) return this.ownFields();
    let runtime = this.#byTypename.get(typename);
    if (runtime === undefined) {
      const type = this.context.schema.getType(typename);
      runtime = type && isCompositeType(type) ? this.#runtimeFields(type) : null;
      this.#byTypename.set(typename, runtime);
    }
    return runtime;
  }

  /** The fields of an object answered here as this position's own type (the root, or no __typename). */
  ownFields(): RuntimeFields {
    return (this.#own ??= this.#runtimeFields(this.type));
  }

  #runtimeFields(type: GraphQLCompositeType): RuntimeFields {
    return { type, isObject: isObjectType(type), fields: this.fieldsOf(type) };
  }

  fieldsOf(runtime: GraphQLCompositeType): readonly FieldShape[] {
    let fields = this.#byType.get(runtime.name);
    if (!fields) {
      fields = this.#collect(runtime);
      this.#byType.set(runtime.name, fields);
    }
    return fields;
  }

  #collect(runtime: GraphQLCompositeType): FieldShape[] {
    const grouped = new Map<string, FieldNode[]>();
    const visit = (selectionSet: SelectionSetNode) => {
      for (const selection of selectionSet.selections) {
        if (skipped(selection, this.context.conditions) || this.context.deferred.has(selection)) continue;
        if (selection.kind === Kind.FIELD) {
          const key = selection.alias?.value ?? selection.name.value;
          const nodes = grouped.get(key);
          if (nodes) nodes.push(selection);
          else grouped.set(key, [selection]);
        } else if (selection.kind === Kind.INLINE_FRAGMENT) {
          const condition = selection.typeCondition?.name.value;
          if (!condition || this.#applies(condition, runtime)) visit(selection.selectionSet);
        } else {
          const fragment = this.context.fragments.get(selection.name.value);
          if (fragment && this.#applies(fragment.typeCondition.name.value, runtime)) visit(fragment.selectionSet);
        }
      }
    };
    for (const selectionSet of this.selectionSets) visit(selectionSet);
    return [...grouped].map(([key, nodes]) => this.#fieldShape(key, nodes, runtime));
  }

  #applies(condition: string, runtime: GraphQLCompositeType): boolean {
    if (condition === runtime.name) return true;
    const type = this.context.schema.getType(condition);
    if (!type || !isAbstractType(type)) return false;
    return (isObjectType(runtime) || isInterfaceType(runtime)) && this.context.schema.isSubType(type, runtime);
  }

  #fieldShape(key: string, nodes: FieldNode[], runtime: GraphQLCompositeType): FieldShape {
    const name = nodes[0].name.value;
    const removed = nodes.some((node) => this.context.removed.has(node));
    if (name === '__typename') {
      return {
        key,
        kind: 'typename',
        nodes,
        type: runtime as GraphQLOutputType,
        completion: NULLABLE,
        sub: undefined,
        enumValues: undefined,
      };
    }
    if (name === '__schema' || name === '__type') {
      return {
        key,
        kind: 'introspection',
        nodes,
        type: runtime as GraphQLOutputType,
        completion: NULLABLE,
        sub: undefined,
        enumValues: undefined,
      };
    }
    if (!('getFields' in runtime)) throw new GraphQLError(`Cannot query field "${name}" on union "${runtime.name}"`);
    const definition = runtime.getFields()[name];
    if (!definition) throw new GraphQLError(`Cannot query field "${name}" on type "${runtime.name}"`);
    const named = getNamedType(definition.type);
    const sub = isCompositeType(named)
      ? new SelectionShape(
          this.context,
          named,
          nodes.flatMap((node) => (node.selectionSet ? [node.selectionSet] : [])),
        )
      : undefined;
    const enumValues = isEnumType(named) ? new Set(named.getValues().map((value) => value.name)) : undefined;
    return {
      key,
      kind: removed ? 'removed' : 'value',
      nodes,
      type: definition.type,
      completion: completionOf(definition.type),
      sub,
      enumValues,
    };
  }
}

/** A non-null position that must be null: its parent becomes null (or the parent's parent...). */
const INVALID: unique symbol = Symbol('invalid');

export type Introspect = (field: FieldShape) => unknown;

/**
 * Walks the data the fetches merged, as the operation asks for it: the client's fields only, in
 * the operation's order, `__typename` answered, nulls propagated up to the nearest nullable
 * position. What is wrong with the data itself (a null where the schema says non-null that no
 * fetch error explains) is reported in `problems`.
 */
export function shapeResponse(
  shape: SelectionShape,
  data: Record<string, unknown>,
  introspect: Introspect,
  problems: GraphQLError[],
): Record<string, unknown> | null {
  const path: (string | number)[] = [];

  const object = (at: SelectionShape, input: Record<string, unknown>, root: boolean): unknown => {
    const runtime = root ? at.ownFields() : at.fieldsFor(input.__typename);
    if (!runtime) {
      problems.push(new GraphQLError(`Invalid __typename found for object at ${describe(path)}.`, { path: [...path] }));
      return null;
    }
    const output: Record<string, unknown> = {};
    for (const field of runtime.fields) {
      if (field.kind === 'typename') {
        if (!runtime.isObject) return INVALID;
        output[field.key] = runtime.type.name;
        continue;
      }
      if (field.kind === 'removed') {
        // Its error is authorization's; a non-null one nulls its parent, as any field error would.
        if (field.completion.nonNull) return INVALID;
        output[field.key] = null;
        continue;
      }
      if (field.kind === 'introspection') {
        output[field.key] = introspect(field);
        continue;
      }
      path.push(field.key);
      const completed = value(field, field.completion, Object.hasOwn(input, field.key) ? input[field.key] : undefined);
      path.pop();
      if (completed === INVALID) return INVALID;
      output[field.key] = completed;
    }
    return output;
  };

  /** INVALID: null where the type says non-null (the nearest nullable position above becomes null). */
  const value = (field: FieldShape, completion: Completion, input: unknown): unknown => {
    if (input === null || input === undefined) {
      if (!completion.nonNull) return null;
      problems.push(
        new GraphQLError(`Cannot return null for non-nullable field ${describe(path)}.`, { path: [...path] }),
      );
      return INVALID;
    }
    let completed: unknown;
    if (completion.item) {
      completed = Array.isArray(input) ? list(field, completion.item, input) : null;
    } else if (field.sub) {
      completed = typeof input === 'object' ? object(field.sub, input as Record<string, unknown>, false) : null;
      if (completed === INVALID) completed = null;
    } else if (field.enumValues && !field.enumValues.has(input as string)) {
      problems.push(new GraphQLError(`Invalid value found for field ${describe(path)}.`, { path: [...path] }));
      completed = null;
    } else {
      return input;
    }
    return completed === null && completion.nonNull ? INVALID : completed;
  };

  /** A list's items; null when one of them is an invalid null. */
  const list = (field: FieldShape, item: Completion, input: readonly unknown[]): unknown[] | null => {
    const items = new Array<unknown>(input.length);
    for (let index = 0; index < input.length; index += 1) {
      path.push(index);
      const completed = value(field, item, input[index]);
      path.pop();
      if (completed === INVALID) return null;
      items[index] = completed;
    }
    return items;
  };

  const root = object(shape, data, true);
  return root === INVALID ? null : (root as Record<string, unknown> | null);
}

function describe(path: readonly (string | number)[]): string {
  return path.length ? path.join('.') : '(root)';
}
