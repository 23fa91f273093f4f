import { spawnSync } from 'node:child_process';
import { networkInterfaces } from 'node:os';

/** A non-loopback IPv4 address of this machine, and how to take it away again. */
export interface OwnInterface {
  readonly address: string;
  /** "a veth pair made for this test" or the name of the machine's own interface. */
  readonly made: string;
  remove(): void;
}

const ip = (...args: string[]) => spawnSync('ip', args, { encoding: 'utf8' });

/**
 * Where another machine would reach this one. Made for the test when it can be (root, iproute2): a
 * network namespace and a veth pair into it, this end with an address of its own, so the test does
 * not depend on the machine having a network (a dummy link is refused on some kernels; veth is
 * not). Else the machine's own first non-loopback IPv4 interface; else it says what it needs.
 */
export function ownInterface(): OwnInterface {
  const made = makeVethPair();
  if (made) return made;
  const existing = Object.entries(networkInterfaces())
    .flatMap(([name, addresses]) => (addresses ?? []).map((address) => ({ name, ...address })))
    .find((candidate) => candidate.family === 'IPv4' && !candidate.internal);
  if (existing) return { address: existing.address, made: existing.name, remove: () => undefined };
  throw new Error(
    'This test needs an IPv4 interface other than loopback: this machine has none, and making one ' +
      '(`ip netns add`, `ip link add type veth`) needs root and iproute2.',
  );
}

function makeVethPair(): OwnInterface | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const tag = (process.pid % 60_000).toString(36);
  const namespace = `roombook-${tag}`;
  const [here, there] = [`rbk${tag}a`, `rbk${tag}b`];
  // 10.213.x.y/30, from the pid: two test runs at once do not take the same addresses.
  const subnet = `10.213.${Math.floor(process.pid / 64) % 256}.${(process.pid % 64) * 4}`;
  const base = subnet.split('.').map(Number);
  const address = [...base.slice(0, 3), base[3] + 1].join('.');
  const peer = [...base.slice(0, 3), base[3] + 2].join('.');
  const steps = [
    ['netns', 'add', namespace],
    ['link', 'add', here, 'type', 'veth', 'peer', 'name', there],
    ['link', 'set', there, 'netns', namespace],
    ['addr', 'add', `${address}/30`, 'dev', here],
    ['link', 'set', here, 'up'],
    ['-n', namespace, 'addr', 'add', `${peer}/30`, 'dev', there],
    ['-n', namespace, 'link', 'set', there, 'up'],
  ];
  const remove = () => {
    ip('link', 'del', here);
    ip('netns', 'del', namespace);
  };
  for (const step of steps) {
    if (ip(...step).status !== 0) {
      remove();
      return undefined;
    }
  }
  return { address, made: `a veth pair made for this test (${here}, ${address})`, remove };
}
