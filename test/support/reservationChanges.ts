import { eventually, readStream } from './streams';

/** Which reservation an event of the RESERVATIONS stream is about. */
export const reservationOf = (event: { readonly data: unknown }) =>
  (event.data as { reservationId?: string }).reservationId;

/**
 * The stream sequence a live cursor stands at. Cursors are opaque to clients; the tests know how the
 * router writes them (router/src/subscriptions/liveCursors.ts: base64url of `v1:<stream>:<sequence>:<time>`, then a signature).
 */
export const sequenceOfCursor = (cursor: string): number =>
  Number(Buffer.from(cursor.split('.')[0], 'base64url').toString().split(':')[2]);

/** Waits until the reservations stream holds these events (type, reservation id): the changes made while a client was away. */
export async function untilReservationEventsStored(
  natsUrl: string,
  expected: readonly (readonly [type: string, reservationId: string])[],
): Promise<void> {
  await eventually(
    async () => (await readStream(natsUrl, 'RESERVATIONS')).map(({ event }) => event),
    (events) =>
      expected.every(([type, id]) => events.some((event) => event.type === type && reservationOf(event) === id)),
  );
}

/**
 * Of these reservations, those changed after the stream sequence `after`, in the order of their last
 * change, each with that change's sequence: what a resume from a cursor at `after` must replay.
 */
export async function reservationChangesAfter(
  natsUrl: string,
  after: number,
  ids: readonly string[],
): Promise<{ readonly id: string; readonly sequence: number }[]> {
  const latest = new Map<string, number>();
  for (const { sequence, event } of await readStream(natsUrl, 'RESERVATIONS')) {
    const id = reservationOf(event);
    if (sequence <= after || !id || !ids.includes(id)) continue;
    latest.delete(id);
    latest.set(id, sequence);
  }
  return [...latest].map(([id, sequence]) => ({ id, sequence }));
}
