/**
 * More load than the router can serve: it executes a fixed number of operations at once, lets a
 * bounded few wait, and refuses the rest at once (503 + Retry-After) instead of letting latency
 * and memory grow; /health/live answers all the while.
 */
import { registerRoom } from '../../test/support/booking';
import { startSubgraphProxy, type SubgraphProxy } from '../../test/support/subgraphProxy';
import { startSystem, type TestSystem } from '../../test/support/system';
import { tokenFor } from '../../test/support/tokens';

let system: TestSystem;
let room: SubgraphProxy;

beforeAll(async () => {
  room = await startSubgraphProxy();
  system = await startSystem(['room'], {
    router: {
      SUBGRAPH_ROOM_URL: room.url,
      MAX_CONCURRENT_OPERATIONS: '2',
      MAX_QUEUED_OPERATIONS: '2',
      // Long enough that no queued operation times out while the subgraph is held.
      OPERATION_QUEUE_TIMEOUT_MS: '60000',
      SHED_RETRY_AFTER_SECONDS: '3',
    },
  });
  room.target = system.subgraph('room').url;
});
afterAll(async () => {
  await system.stop();
  await room.close();
});

interface Answer {
  readonly status: number;
  readonly retryAfter: string | null;
  readonly body: { data?: any; errors?: { message: string; extensions?: { code?: string } }[] };
}

async function post(query: string): Promise<Answer> {
  const response = await fetch(system.routerUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query }),
  });
  return {
    status: response.status,
    retryAfter: response.headers.get('retry-after'),
    body: (await response.json()) as Answer['body'],
  };
}

async function metric(name: string): Promise<number> {
  const text = await (await fetch(system.routerUrl.replace(/\/graphql$/, '/metrics'))).text();
  return Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text)?.[1]);
}

it('executes two at once, queues two, refuses the rest at once with 503 and Retry-After', async () => {
  const names = ['Alder', 'Birch', 'Cedar'];
  for (const name of names) await registerRoom(system, await tokenFor('hana', ['HOST']), { name, city: 'Shedham' });
  const before = room.requests;
  room.hold();

  // Ten different queries (so none is merged with another), all at once.
  const answers = Array.from({ length: 10 }, (_, index) =>
    post(`{ rooms(first: ${index + 3}, filter: { city: "Shedham" }) { totalCount edges { node { name } } } }`),
  );
  const settled: Answer[] = [];
  const sixSettled = new Promise<void>((resolve) => {
    for (const answer of answers) {
      void answer.then((each) => {
        settled.push(each);
        if (settled.length === 6) resolve();
      });
    }
  });
  try {
    await room.untilRequests(before + 2);
    // Two execute (held at the subgraph) and two wait; a third fetch reaching the subgraph would mean no bound.
    const outcome = await Promise.race([
      sixSettled.then(() => 'six refused'),
      room.untilRequests(before + 3).then(() => 'a third operation executed'),
    ]);
    expect(outcome).toBe('six refused');
    for (const each of settled) {
      expect(each.status).toBe(503);
      expect(each.retryAfter).toBe('3');
      expect(each.body.errors?.map((error) => error.extensions?.code)).toEqual(['SERVICE_UNAVAILABLE']);
    }
    // Under that load, liveness answers, and the queue holds no more than its bound.
    expect((await fetch(system.routerUrl.replace(/\/graphql$/, '/health/live'))).status).toBe(200);
    expect(await metric('router_operations_executing')).toBe(2);
    expect(await metric('router_operations_queued')).toBe(2);
  } finally {
    room.release();
  }

  const admitted = (await Promise.all(answers)).filter((each) => each.status === 200);
  expect(admitted).toHaveLength(4);
  for (const { body } of admitted) {
    expect(body.errors).toBeUndefined();
    expect(body.data.rooms.totalCount).toBe(3);
    expect(body.data.rooms.edges.map((edge: { node: { name: string } }) => edge.node.name).sort()).toEqual(names);
  }
  expect(room.requests - before).toBe(4);
  expect(await metric('router_operations_queued')).toBe(0);
});
