/**
 * The app's build (`npm run build -w client` → client/dist, which the router serves at /) and its
 * development server (`npm run dev:client`): hot reload on :5173, with /graphql (HTTP and
 * WebSocket), /dev/token and /app-config.json passed to a running router (ROUTER_URL, default
 * http://localhost:4000).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generatePersistedQueryManifest, type PersistedQueryManifest } from '@apollo/generate-persisted-query-manifest';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

const router = process.env.ROUTER_URL ?? 'http://localhost:4000';
const VIRTUAL_ID = 'virtual:trusted-documents';
const HERE = path.dirname(fileURLToPath(import.meta.url));
const SOURCES = path.join(HERE, 'src');

/**
 * The app's trusted documents, generated from its sources at every build: each operation as
 * Apollo Client sends it (with the __typename fields it adds), in Apollo's persisted-query
 * manifest format, by Apollo's own generator, so the ids are the ones Apollo Client's
 * persisted-queries link sends. The app imports `virtual:trusted-documents` (names and ids, no
 * bodies: the bundle stays small); the build ships the whole manifest as
 * dist/persisted-query-manifest.json, for the router's PERSISTED_DOCUMENTS_PATH.
 */
function trustedDocuments(): Plugin {
  let manifest: Promise<PersistedQueryManifest> | undefined;
  const generate = () =>
    generatePersistedQueryManifest(
      { documents: [`${SOURCES}/**/*.{ts,tsx}`, `!${SOURCES}/gql/**`] },
      path.join(HERE, 'vite.config.ts'),
    );
  return {
    name: 'roombook:trusted-documents',
    buildStart() {
      manifest = generate();
    },
    // In the development server, an edited operation gets its new id on the next page load.
    handleHotUpdate() {
      manifest = undefined;
    },
    resolveId: (id) => (id === VIRTUAL_ID ? `\0${VIRTUAL_ID}` : undefined),
    async load(id) {
      if (id !== `\0${VIRTUAL_ID}`) return undefined;
      const { operations } = await (manifest ??= generate());
      return `export default ${JSON.stringify(operations.map((operation) => ({ id: operation.id, name: operation.name })))};`;
    },
    async generateBundle() {
      this.emitFile({
        type: 'asset',
        fileName: 'persisted-query-manifest.json',
        source: `${JSON.stringify(await manifest, null, 2)}\n`,
      });
    },
  };
}

export default defineConfig({
  plugins: [react(), trustedDocuments()],
  // The router depends on React 18 (GraphiQL's browser bundle); the app and Apollo Client use this workspace's React.
  resolve: { dedupe: ['react', 'react-dom'] },
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022' },
  server: {
    port: 5173,
    proxy: {
      '/graphql': { target: router, ws: true, changeOrigin: true },
      '/dev/token': { target: router, changeOrigin: true },
      '/app-config.json': { target: router, changeOrigin: true },
    },
  },
});
