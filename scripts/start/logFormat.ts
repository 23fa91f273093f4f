import { prettyFactory } from 'pino-pretty';

/**
 * How `npm start` shows a service's log lines. The services always write pino's JSON (one object a
 * line, what log shippers read); in a terminal, outside production, npm start shows them as
 * pino-pretty does (time, level, message, the other fields on the same line). Redirected to a file
 * or a pipe, or with NODE_ENV=production, the lines pass through as JSON.
 */
export function logLineFormatter({ terminal, production }: { terminal: boolean; production: boolean }) {
  if (!terminal || production) return (line: string) => line;
  const pretty = prettyFactory({
    colorize: true,
    singleLine: true,
    translateTime: 'SYS:HH:MM:ss.l',
    // The service's name is already the line's prefix; pid and host are the same on every line.
    ignore: 'pid,hostname,name',
  });
  return (line: string) => {
    if (!line.startsWith('{')) return line;
    try {
      const entry = JSON.parse(line) as unknown;
      if (entry === null || typeof entry !== 'object' || !('level' in entry)) return line;
      return pretty(entry).trimEnd();
    } catch {
      return line;
    }
  };
}
