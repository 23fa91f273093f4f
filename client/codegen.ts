/**
 * GraphQL Code Generator (client preset): every document the app writes with `graphql(...)` is
 * validated against the API schema the router serves (the checked-in supergraph without its
 * federation machinery) and gets its TypeScript types in src/gql/. A document that asks for a
 * field the supergraph lacks fails here, and so `npm run typecheck` (which runs this with --check).
 */
import type { CodegenConfig } from '@graphql-codegen/cli';
import { printSchema } from 'graphql';
import { routerApiSchema } from '../schema/contractGaps';

const config: CodegenConfig = {
  schema: printSchema(routerApiSchema()),
  documents: ['src/**/*.{ts,tsx}', '!src/gql/**'],
  generates: {
    './src/gql/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        scalars: { Date: 'string', DateTime: 'string' },
        strictScalars: true,
        enumsAsTypes: true,
        useTypeImports: true,
        skipTypename: false,
      },
    },
  },
};

export default config;
