// Type-aware linting; import-x keeps every workspace honest about the packages it uses.
import js from '@eslint/js';
import importX from 'eslint-plugin-import-x';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';
import { existsSync, readdirSync } from 'node:fs';

/** Every workspace folder (root, kernel, each subgraph, router): a package may use only what it declares. */
const WORKSPACES = [
  '.',
  './router',
  './client',
  ...readdirSync('packages').map((name) => `./packages/${name}`),
  ...readdirSync('subgraphs').map((name) => `./subgraphs/${name}`),
].filter((dir) => existsSync(`${dir}/package.json`));

/** Domain code is pure rules: nothing that loads a database driver, Apollo, GraphQL, HTTP or NATS. */
const INFRASTRUCTURE_IMPORTS = [
  { group: ['mongoose', 'mongodb', 'graphql', 'express', '@apollo/*', '@nats-io/*', 'opossum', 'pino', 'prom-client'] },
  {
    regex: '^@roombook/kernel$',
    message: 'Domain code imports @roombook/kernel/domain, which loads no infrastructure.',
  },
];

/**
 * The shared vocabulary (Money, the statuses, calendar dates) is declared once, in packages/contracts;
 * a second declaration elsewhere drifts from it. The client speaks the GraphQL schema's generated types.
 */
const VOCABULARY = '/^(Money|CalendarDate|RoomStatus|ReservationStatus|PaymentStatus)$/';
const ONE_VOCABULARY = [
  ...['TSInterfaceDeclaration', 'TSTypeAliasDeclaration', 'VariableDeclarator'].map((node) => ({
    selector: `${node}[id.name=${VOCABULARY}]`,
    message: 'Declared once in packages/contracts: import it from @roombook/contracts.',
  })),
  {
    selector: "Literal[regex.pattern='^\\\\d{4}-\\\\d{2}-\\\\d{2}$']",
    message: 'Calendar dates: CALENDAR_DATE_PATTERN or calendarDate from @roombook/contracts.',
  },
  {
    selector:
      "TSUnionType:has(TSLiteralType > Literal[value='REFUND_PENDING']), TSUnionType:has(TSLiteralType > Literal[value='CANCELLATION_REQUESTED']), TSUnionType:has(TSLiteralType > Literal[value='REMOVED']):has(TSLiteralType > Literal[value='ACTIVE'])",
    message: 'A status union: use RoomStatus, ReservationStatus or PaymentStatus from @roombook/contracts.',
  },
];

export default tseslint.config(
  { ignores: ['node_modules/', '.data/', 'coverage/', 'dist/', '**/*.js', '**/*.mjs', 'client/src/gql/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { 'import-x': importX },
    rules: {
      'import-x/no-extraneous-dependencies': [
        'error',
        {
          // The client app is built, not installed: its packages are devDependencies (client/package.json).
          devDependencies: [
            '**/test/**',
            '**/*.test.ts',
            'scripts/**',
            'bench/**',
            'schema/**',
            'client/**',
            'jest.config.ts',
          ],
          packageDir: WORKSPACES,
        },
      ],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-console': ['error', { allow: ['error'] }],
    },
  },
  {
    files: ['**/test/**', '**/*.test.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      // Test doubles of async ports (event handlers, probes) often have nothing to await.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    files: ['subgraphs/*/src/domain/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: INFRASTRUCTURE_IMPORTS }] },
  },
  {
    files: [
      'packages/kernel/**/*.ts',
      'subgraphs/**/*.ts',
      'router/**/*.ts',
      'bench/**/*.ts',
      'scripts/**/*.ts',
      'test/**/*.ts',
    ],
    rules: { 'no-restricted-syntax': ['error', ...ONE_VOCABULARY] },
  },
  { files: ['scripts/**', 'bench/**'], rules: { 'no-console': 'off' } },
  {
    // The tools (npm start, the build, the server launcher) are what the tests test: test/ imports
    // scripts/, never the other way round, and the tests of scripts/ live in test/.
    files: ['scripts/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: '^(\\.\\./)+test/', message: 'scripts/ must not import test/ (test/ imports scripts/).' },
          ],
        },
      ],
    },
  },
  {
    files: ['scripts/**/*.test.ts'],
    rules: {
      'no-restricted-syntax': ['error', { selector: 'Program', message: 'Tests of scripts/ live in test/.' }],
    },
  },
  { files: ['client/src/**/*.{ts,tsx}'], ...reactHooks.configs.flat.recommended },
);
