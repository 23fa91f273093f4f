import { PAYMENT_AUTHORIZATION } from '@roombook/contracts';
import type { WarmUp } from '@roombook/kernel';
import { Types } from 'mongoose';

const ROUNDS = 3;
const AUTHORIZATIONS_PER_ROUND = 20;

/**
 * Authorizations as reservation sends them during a booking: the charge with the simulated
 * provider (its ledger in the scratch database) and the payment stored settled with its event.
 * The scratch copy's provider is the one its composition builds; a real provider's adapter must
 * not be charged from here (this one only writes its ledger).
 */
export function paymentWarmUp(): WarmUp {
  return {
    async run(scratch, signal) {
      for (let round = 0; round < ROUNDS && !signal.aborted; round += 1) {
        const answers = await Promise.all(
          Array.from({ length: AUTHORIZATIONS_PER_ROUND }, (_, index) =>
            scratch.call(PAYMENT_AUTHORIZATION, {
              reservationId: new Types.ObjectId().toHexString(),
              roomId: 'warmup-room',
              guestId: `warmup-guest-${index}`,
              hostId: 'warmup-host',
              amount: { amount: 10_000 * (1 + (index % 3)), currency: 'EUR' },
              token: 'tok_visa',
            }),
          ),
        );
        const unexpected = answers.find((answer) => answer.status !== 'APPROVED');
        if (unexpected) throw new Error(`unexpected answer to a warm-up authorization: ${JSON.stringify(unexpected)}`);
      }
    },
  };
}
