import { logLineFormatter } from '../scripts/start/logFormat';

const line = JSON.stringify({
  level: 40,
  time: Date.parse('2026-12-06T10:00:00Z'),
  pid: 1,
  name: 'room',
  msg: 'slow',
  ms: 812,
});
// Colours aside: what a person reads.
const ESC = String.fromCharCode(27);
const plain = (text: string) => text.replaceAll(new RegExp(`${ESC}\\[\\d+m`, 'g'), '');

it("shows a service's pino line readably in a terminal: time, level, message and the other fields on one line", () => {
  const shown = plain(logLineFormatter({ terminal: true, production: false })(line));
  expect(shown).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] WARN: slow \{"ms":812\}$/);
});

it('passes JSON through when not in a terminal, and in production', () => {
  expect(logLineFormatter({ terminal: false, production: false })(line)).toBe(line);
  expect(logLineFormatter({ terminal: true, production: true })(line)).toBe(line);
});

it('leaves a line that is not pino JSON as it is (a stack trace, a message of npm start)', () => {
  const format = logLineFormatter({ terminal: true, production: false });
  expect(format('    at main (router/src/main.ts:12:3)')).toBe('    at main (router/src/main.ts:12:3)');
  expect(format('{"not":"a log line"}')).toBe('{"not":"a log line"}');
});
