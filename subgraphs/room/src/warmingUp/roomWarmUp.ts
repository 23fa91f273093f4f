import type { WarmUp } from '@roombook/kernel';

const REGISTER = `mutation($input: RegisterRoomInput!) { registerRoom(input: $input) { id name city capacity
  pricePerNight { amount currency } status hostId createdAt updatedAt } }`;
/** What reservation asks of a room its replica does not know yet (roomDirectory.ts). */
const ROOM = `query($id: ID!) { room(id: $id) { id hostId capacity pricePerNight { amount currency } status updatedAt } }`;
const ROUNDS = 3;
const ROOMS_PER_ROUND = 10;

/** Rooms registered by hosts, each then read as reservation reads a room it does not know yet. */
export function roomWarmUp(): WarmUp {
  return {
    async run(scratch, signal) {
      const host = { kind: 'user', userId: 'warmup-host', roles: ['HOST'] } as const;
      const reservation = { kind: 'service', service: 'reservation' } as const;
      for (let round = 0; round < ROUNDS && !signal.aborted; round += 1) {
        await Promise.all(
          Array.from({ length: ROOMS_PER_ROUND }, async (_, index) => {
            const input = {
              name: `Warm-up ${index}`,
              city: 'Lyon',
              capacity: 2,
              pricePerNight: { amount: 10_000, currency: 'EUR' },
            };
            const registered = await scratch.graphql<{ registerRoom: { id: string } }>(REGISTER, { input }, host);
            const id = registered.data?.registerRoom?.id;
            if (!id) throw new Error(`unexpected answer to a warm-up registerRoom: ${JSON.stringify(registered)}`);
            const read = await scratch.graphql<{ room: { id: string } | null }>(ROOM, { id }, reservation);
            if (read.data?.room?.id !== id)
              throw new Error(`unexpected answer to a warm-up room: ${JSON.stringify(read)}`);
          }),
        );
      }
    },
  };
}
