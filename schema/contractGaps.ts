import { readFileSync } from 'node:fs';
import { ROUTER_SUPPORTED_SUPERGRAPH_FEATURES, Supergraph } from '@apollo/federation-internals';
import {
  buildSchema,
  isEnumType,
  isInputObjectType,
  isObjectType,
  type GraphQLField,
  type GraphQLInputField,
  type GraphQLNamedType,
  type GraphQLSchema,
} from 'graphql';
import { SUPERGRAPH_PATH } from './composition';

type Field = GraphQLField<unknown, unknown> | GraphQLInputField;

const BUILT_IN_SCALARS = new Set(['String', 'Int', 'Float', 'Boolean', 'ID']);

/**
 * The API schema the router serves: the checked-in supergraph without its federation machinery
 * (built as a router that enforces its SECURITY features, @authenticated and the like, may).
 */
export function routerApiSchema(supergraphSdl = readFileSync(SUPERGRAPH_PATH, 'utf8')): GraphQLSchema {
  return Supergraph.build(supergraphSdl, { supportedFeatures: ROUTER_SUPPORTED_SUPERGRAPH_FEATURES })
    .apiSchema()
    .toGraphQLJSSchema();
}

function fieldsOf(type: GraphQLNamedType): Record<string, Field> {
  if (isObjectType(type)) return type.getFields();
  if (isInputObjectType(type)) return type.getFields();
  return {};
}

function signature(field: Field): string {
  const args =
    'args' in field
      ? field.args.map((arg) => `${arg.name}: ${String(arg.type)} = ${JSON.stringify(arg.defaultValue)}`)
      : [];
  return `(${args.join(', ')}): ${String(field.type)}`;
}

/**
 * Every way the API falls short of a contract: a type, field, argument or enum value it lacks,
 * or a field whose arguments, defaults or type differ. Additions are welcome and not reported.
 */
export function contractGaps(contractSdl: string, api: GraphQLSchema): string[] {
  const contract = buildSchema(contractSdl);
  const gaps: string[] = [];
  const types = Object.values(contract.getTypeMap()).filter(
    (type: GraphQLNamedType) => !type.name.startsWith('__') && !BUILT_IN_SCALARS.has(type.name),
  );
  for (const type of types) {
    const ours = api.getType(type.name);
    if (!ours) {
      gaps.push(`type ${type.name} is missing`);
      continue;
    }
    if (isEnumType(type) && isEnumType(ours)) {
      const values = new Set(ours.getValues().map((value) => value.name));
      for (const { name } of type.getValues()) if (!values.has(name)) gaps.push(`${type.name}.${name} is missing`);
    }
    const ourFields: Record<string, Field | undefined> = fieldsOf(ours);
    for (const field of Object.values(fieldsOf(type))) {
      const ourField = ourFields[field.name];
      if (!ourField) gaps.push(`${type.name}.${field.name} is missing`);
      else if (signature(ourField) !== signature(field)) {
        gaps.push(`${type.name}.${field.name} is ${signature(ourField)}, the contract says ${signature(field)}`);
      }
    }
  }
  return gaps;
}
