import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { isDuplicateKeyError } from '@roombook/kernel';
import type { Connection } from 'mongoose';
import type { Money } from '@roombook/contracts';
import type { Charge, ChargeResult, PaymentProvider, Refund, RefundResult } from './paymentProvider';

/** The card token the simulated provider declines (runtime.md, "Payment provider"). */
export const DECLINED_CARD_TOKEN = 'tok_declined';
export const PROVIDER_LEDGER_COLLECTION = 'provider_ledger';

/** What the simulated provider remembers of each call; the card token is not part of it. */
export type LedgerEntry =
  | {
      readonly _id: `charge:${string}`;
      readonly kind: 'charge';
      readonly idempotencyKey: string;
      readonly amount: Money;
      readonly result: ChargeResult;
      readonly recordedAt: Date;
    }
  | {
      readonly _id: `refund:${string}`;
      readonly kind: 'refund';
      readonly idempotencyKey: string;
      readonly chargeId: string;
      readonly amount: Money;
      readonly result: RefundResult;
      readonly recordedAt: Date;
    };

/**
 * The built-in provider: decides by card token and keeps its own ledger, keyed by idempotency
 * key, so a repeated call returns the first result and money moves at most once. The ledger is
 * the provider's side of the world, which tests count to prove a charge happened exactly once.
 */
export class SimulatedProvider implements PaymentProvider {
  constructor(
    private readonly database: Connection,
    private readonly latencyMs: number,
  ) {}

  async charge({ idempotencyKey, amount, token }: Charge): Promise<ChargeResult> {
    await sleep(this.latencyMs);
    const result: ChargeResult =
      token === DECLINED_CARD_TOKEN
        ? { outcome: 'declined', reason: 'card declined' }
        : { outcome: 'approved', chargeId: `ch_${randomBytes(12).toString('hex')}` };
    const entry = await this.record({
      _id: `charge:${idempotencyKey}`,
      kind: 'charge',
      idempotencyKey,
      amount,
      result,
      recordedAt: new Date(),
    });
    return entry.result;
  }

  async refund({ idempotencyKey, chargeId, amount }: Refund): Promise<RefundResult> {
    await sleep(this.latencyMs);
    const entry = await this.record({
      _id: `refund:${idempotencyKey}`,
      kind: 'refund',
      idempotencyKey,
      chargeId,
      amount,
      result: { refundId: `re_${randomBytes(12).toString('hex')}` },
      recordedAt: new Date(),
    });
    return entry.result;
  }

  private get ledger() {
    return this.database.collection<LedgerEntry>(PROVIDER_LEDGER_COLLECTION);
  }

  /** First writer wins: a call that races or repeats an earlier one gets the recorded entry back. */
  private async record<Entry extends LedgerEntry>(entry: Entry): Promise<Entry> {
    try {
      await this.ledger.insertOne(entry);
      return entry;
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
      // The _id prefix fixes the kind, so the stored entry has the same shape as ours.
      const first = (await this.ledger.findOne({ _id: entry._id })) as Entry | null;
      if (!first) throw error;
      return first;
    }
  }
}
