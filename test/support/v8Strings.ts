import { serialize } from 'node:v8';

/** Whether V8 holds a text as two bytes a character: the tag its serializer writes says so. */
export function isTwoByte(text: string): boolean {
  const bytes = serialize(text);
  let at = 2; // after the header
  while (bytes[at] === 0) at += 1; // padding before a two-byte text
  return bytes[at] === 'c'.charCodeAt(0);
}
