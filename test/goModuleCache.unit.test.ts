/**
 * Go commands fall back on the local module cache when the module proxy is unreachable
 * (scripts/infra/goToolchain.ts). A stand-in `go` plays a machine without network: it fails as Go
 * does when it cannot reach proxy.golang.org, unless GOPROXY names the module cache.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { goInstall, runGo } from '../scripts/infra/goToolchain';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'roombook-go-offline-'));
const modcache = path.join(dir, 'modcache');
fs.mkdirSync(path.join(modcache, 'cache', 'download'), { recursive: true });
const go = path.join(dir, 'go');
fs.writeFileSync(
  go,
  `#!/bin/sh
if [ "$1" = env ]; then echo "${modcache}"; exit 0; fi
case "$GOPROXY" in
  file://*) echo "GOPROXY=$GOPROXY GOSUMDB=$GOSUMDB"; [ "$1" = install ] && printf '#!/bin/sh\\n' > "$GOBIN/tool"; exit 0 ;;
esac
echo 'go: example.com/tool@v1.0.0: Get "https://proxy.golang.org/example.com/tool/@v/v1.0.0.info": dial tcp: lookup proxy.golang.org: no such host' >&2
exit 1
`,
  { mode: 0o755 },
);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

it('runs a go command again from the module cache alone when the proxy is unreachable, and says so', async () => {
  const said: string[] = [];
  const output = await runGo({ go, args: ['mod', 'download'], cwd: dir }, (line) => said.push(line));
  expect(output.trim()).toBe(`GOPROXY=file://${modcache}/cache/download GOSUMDB=off`);
  expect(said).toEqual([
    `The Go module proxy is unreachable: building from the local module cache (file://${modcache}/cache/download)`,
  ]);
});

it('installs a tool from the module cache while offline', async () => {
  const destination = path.join(dir, 'bin', 'tool-v1.0.0');
  await goInstall({ go, packageAtVersion: 'example.com/tool@v1.0.0', builds: 'tool', destination });
  expect(fs.existsSync(destination)).toBe(true);
});

it("fails with Go's own message when there is no module cache to fall back on", async () => {
  fs.rmSync(path.join(modcache, 'cache'), { recursive: true });
  await expect(runGo({ go, args: ['mod', 'download'], cwd: dir })).rejects.toThrow(/no such host/);
});
