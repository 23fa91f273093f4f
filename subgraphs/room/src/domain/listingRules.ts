import { moneySchema, type Money } from '@roombook/contracts';
import { InvalidInput, parseInput } from '@roombook/kernel/domain';
import { z } from 'zod';

/** The host-editable part of a room, after the contract's rules (api.graphql, RegisterRoomInput). */
export interface RoomListing {
  readonly name: string;
  readonly description: string | null;
  readonly city: string;
  readonly capacity: number;
  readonly pricePerNight: Money;
  readonly amenities: readonly string[];
}

export type RoomListingChanges = Partial<RoomListing>;

const name = z
  .string()
  .trim()
  .min(1, 'must be 1..120 characters after trimming')
  .max(120, 'must be 1..120 characters after trimming');
const description = z.string().max(2000, 'must be at most 2000 characters').nullable();
const city = z
  .string()
  .trim()
  .min(1, 'must be 1..80 characters after trimming')
  .max(80, 'must be 1..80 characters after trimming');
const capacity = z
  .number()
  .int('must be a whole number')
  .min(1, 'must be between 1 and 50')
  .max(50, 'must be between 1 and 50');
const amenity = z.string().trim().min(1, 'must be 1..40 characters').max(40, 'must be 1..40 characters');
const amenities = z.array(amenity).max(50, 'must have at most 50 entries');

const registration = z.object({
  name,
  description: description.optional().transform((value) => value ?? null),
  city,
  capacity,
  pricePerNight: moneySchema,
  amenities: amenities.nullish().transform((value) => value ?? []),
});

const notNull = 'cannot be null';
const update = z.object({
  name: name.optional(),
  description: description.optional(),
  city: city.optional(),
  capacity: capacity.optional(),
  pricePerNight: moneySchema.optional(),
  amenities: amenities.optional(),
});

export function parseRegistration(input: unknown): RoomListing {
  return parseInput(registration, input);
}

export function parseUpdate(input: unknown): RoomListingChanges {
  // GraphQL passes an explicit null for "name: null"; only description may be cleared.
  const record = (input ?? {}) as Record<string, unknown>;
  for (const field of ['name', 'city', 'capacity', 'pricePerNight', 'amenities']) {
    if (record[field] === null) throw new InvalidInput(`input.${field}`, notNull);
  }
  const parsed = parseInput(update, input);
  return Object.fromEntries(Object.entries(parsed).filter(([, value]) => value !== undefined));
}
