import type { AddressInfo } from 'node:net';
import { createMetrics, createServiceApp } from '../src';

/**
 * The express app every service builds on. Its answers carry no ETag: express would hash each
 * answer for one (a subgraph's GraphQL answers to the router, thousands a second under load), and
 * no caller revalidates them.
 */
describe('createServiceApp', () => {
  it('answers without an ETag, so no answer is hashed', async () => {
    const app = createServiceApp(createMetrics('etag-check'), () => true);
    // Longer than the 1,000 characters under which express sends a text as it is.
    const answer = JSON.stringify({ data: { rooms: Array.from({ length: 100 }, (_, index) => ({ id: index })) } });
    app.post('/graphql', (_req, res) => {
      res.type('application/json').send(answer);
    });
    const server = app.listen(0);
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const response = await fetch(`http://127.0.0.1:${port}/graphql`, { method: 'POST' });
      expect(response.headers.get('etag')).toBeNull();
      expect(await response.text()).toBe(answer);
      expect((await fetch(`http://127.0.0.1:${port}/health/live`)).headers.get('etag')).toBeNull();
    } finally {
      server.close();
    }
  });
});
