import { addDays, today } from '@roombook/kernel';
import type { TestSystem } from './system';

/** Shared steps of the booking tests, in the words a client would use. */
export const RESERVATION_FIELDS = `id roomId guestId checkIn checkOut nights guests totalPrice { amount currency }
  status statusReason history { status reason at } createdAt updatedAt`;

export const RESERVE = `mutation($input: ReserveRoomInput!) { reserveRoom(input: $input) { ${RESERVATION_FIELDS} } }`;
export const CANCEL = `mutation($id: ID!, $reason: String) { cancelReservation(id: $id, reason: $reason) { ${RESERVATION_FIELDS} } }`;
export const RESERVATION = `query($id: ID!) { reservation(id: $id) { ${RESERVATION_FIELDS} payment { id status amount { amount currency } failureReason } } }`;

/** A date `days` from today, so tests never book the past. */
export function inDays(days: number): string {
  return addDays(today(), days);
}

export async function registerRoom(
  system: TestSystem,
  hostToken: string,
  overrides: Record<string, unknown> = {},
): Promise<string> {
  const response = await system.graphql(
    `mutation($input: RegisterRoomInput!) { registerRoom(input: $input) { id } }`,
    {
      input: {
        name: 'Studio',
        city: 'Lyon',
        capacity: 2,
        pricePerNight: { amount: 10_000, currency: 'EUR' },
        ...overrides,
      },
    },
    hostToken,
  );
  if (response.errors) throw new Error(`registerRoom failed: ${JSON.stringify(response.errors)}`);
  return response.data!.registerRoom.id as string;
}

export function stay(roomId: string, checkIn: number, checkOut: number, extra: Record<string, unknown> = {}) {
  return {
    roomId,
    checkIn: inDays(checkIn),
    checkOut: inDays(checkOut),
    guests: 1,
    paymentMethod: { token: 'tok_visa' },
    ...extra,
  };
}

export async function reservationStatus(system: TestSystem, id: string, token: string): Promise<Record<string, any>> {
  const response = await system.graphql(RESERVATION, { id }, token);
  if (response.errors) throw new Error(`reservation failed: ${JSON.stringify(response.errors)}`);
  return response.data!.reservation;
}

/**
 * Books stay after stay for a test file: each starts 3 days after the last, so none overlap in a
 * room, and each must be answered without errors.
 */
export function stayBooker(
  system: () => TestSystem,
  { firstNight, nights = 2 }: { firstNight: number; nights?: number },
) {
  let lastNight = firstNight;
  return async (roomId: string, token: string, { card = 'tok_visa', operation = RESERVE } = {}) => {
    const checkIn = (lastNight += 3);
    const response = await system().graphql(
      operation,
      { input: stay(roomId, checkIn, checkIn + nights, { paymentMethod: { token: card } }) },
      token,
    );
    expect(response.errors).toBeUndefined();
    return response.data!.reserveRoom as { id: string; status: string; updatedAt: string };
  };
}
