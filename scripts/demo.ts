/**
 * `npm run demo`: plays the README's story (register, subscribe, book, query, review, cancel,
 * resume, dashboard) against a running system, step by step: every ```bash block between the
 * README's story:begin and story:end markers, in order, in one bash session, printing each step's
 * title before it runs. So the README's examples are what runs, and `test/demo.e2e.test.ts` proves
 * they work. ROUTER (default http://localhost:4000) says where the router is. Needs bash, curl, jq.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..');

export interface StoryStep {
  readonly title: string;
  readonly script: string;
}

/** The README's story: each `#### <title>` with the bash block under it. */
export function storySteps(readme: string): StoryStep[] {
  const begin = readme.indexOf('<!-- story:begin');
  const end = readme.indexOf('<!-- story:end -->');
  if (begin === -1 || end === -1) throw new Error('README.md has no story:begin / story:end markers');
  const steps: StoryStep[] = [];
  let title = '';
  for (const match of readme.slice(begin, end).matchAll(/^#### (.+)$|^```bash\n([\s\S]*?)^```$/gm)) {
    if (match[1] !== undefined) title = match[1];
    else steps.push({ title, script: match[2] });
  }
  return steps;
}

/** A bash word that stands for `text` as it is (single quotes: nothing in it is expanded). */
const shellQuoted = (text: string) => `'${text.replaceAll("'", `'\\''`)}'`;

/** One bash script: stop at the first failing command, and say which step it was. */
export function storyScript(steps: readonly StoryStep[], { color = false } = {}): string {
  const heading = color ? String.raw`\033[1m== %s\033[0m` : '== %s';
  const lines = [
    'set -euo pipefail',
    // The subscriptions run in the background: they end with the story, however it ends.
    "trap 'kill $(jobs -p) 2> /dev/null || true' EXIT",
    `trap 'echo "The story failed at step $STEP." >&2' ERR`,
  ];
  for (const [index, { title, script }] of steps.entries()) {
    lines.push(`STEP=${shellQuoted(`${index + 1} of ${steps.length}`)}`);
    lines.push(`printf '\\n${heading}\\n' ${shellQuoted(title.replace(/^\d+\.\s*/, `${index + 1}. `))}`);
    lines.push(script);
  }
  return `${lines.join('\n')}\nprintf '\\nThe story ran to its end.\\n'\n`;
}

if (require.main === module) {
  const steps = storySteps(fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8'));
  const bash = spawn('bash', ['-c', storyScript(steps, { color: process.stdout.isTTY })], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  bash.once('close', (code) => {
    if (code !== 0)
      console.error(
        `\nThe story stopped (exit ${code}). Is the system running (npm start) at ${process.env.ROUTER ?? 'http://localhost:4000'}?`,
      );
    process.exit(code ?? 1);
  });
}
