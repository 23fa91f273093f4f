import { readFile } from 'node:fs/promises';
import { z } from 'zod';

/** Apollo's persisted-query manifest, as `@apollo/generate-persisted-query-manifest` writes it. */
const manifestSchema = z.object({
  format: z.literal('apollo-persisted-query-manifest'),
  version: z.literal(1),
  operations: z.array(
    z.object({
      id: z.string().min(1),
      name: z.string().optional(),
      type: z.enum(['query', 'mutation', 'subscription']).optional(),
      body: z.string().min(1),
    }),
  ),
});

/** The trusted operations of one manifest: by id, and by exact text for clients that send the text alone. */
export interface PersistedQueryManifest {
  readonly byId: ReadonlyMap<string, string>;
  readonly bodies: ReadonlySet<string>;
}

/** Reads and checks a manifest; a file that is not one throws, naming the file and what is wrong. */
export async function readPersistedQueryManifest(path: string): Promise<PersistedQueryManifest> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new Error(`Cannot read the trusted documents manifest ${path}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) {
    throw new Error(
      `${path} is not an Apollo persisted-query manifest: ${parsed.error.issues
        .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
        .join('; ')}`,
    );
  }
  const { operations } = parsed.data;
  return {
    byId: new Map(operations.map((operation) => [operation.id, operation.body])),
    bodies: new Set(operations.map((operation) => operation.body)),
  };
}
