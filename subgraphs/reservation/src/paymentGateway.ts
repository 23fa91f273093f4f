import type { Logger, ServiceClient } from '@roombook/kernel';
import type { Money } from './domain/reservation';
import CircuitBreaker from 'opossum';
import { Gauge, type Registry } from 'prom-client';

export interface AuthorizationRequest {
  readonly reservationId: string;
  readonly roomId: string;
  readonly guestId: string;
  readonly hostId: string;
  readonly amount: Money;
  readonly token: string;
}

/** UNSETTLED: no answer in time, or the circuit is open; the event path settles it later. */
export type AuthorizationOutcome =
  | { readonly status: 'APPROVED' }
  | { readonly status: 'DECLINED'; readonly reason: string }
  | { readonly status: 'UNSETTLED' };

interface AuthorizationResponse {
  paymentId: string;
  status: 'PENDING' | 'APPROVED' | 'DECLINED' | 'REFUND_PENDING' | 'REFUNDED';
  failureReason: string | null;
}

/** The synchronous leg of the saga: ask payment, with a deadline, behind a circuit breaker. */
export class PaymentGateway {
  private readonly breaker: CircuitBreaker<[AuthorizationRequest], AuthorizationResponse>;

  constructor(options: {
    client: ServiceClient;
    authorizeUrl: string;
    timeoutMs: number;
    resetTimeoutMs: number;
    registry: Registry;
    log: Logger;
  }) {
    const { client, authorizeUrl, timeoutMs, log } = options;
    this.breaker = new CircuitBreaker(
      (request: AuthorizationRequest) => client.postJson<AuthorizationResponse>(authorizeUrl, request, timeoutMs),
      {
        timeout: timeoutMs,
        errorThresholdPercentage: 50,
        volumeThreshold: 3,
        rollingCountTimeout: 30_000,
        resetTimeout: options.resetTimeoutMs,
      },
    );
    this.breaker.on('open', () => log.warn('payment circuit opened: bookings stay PENDING until payment answers'));
    this.breaker.on('close', () => log.info('payment circuit closed'));
    const breaker = this.breaker;
    new Gauge({
      name: 'payment_circuit_open',
      help: '1 while the circuit to the payment service is open',
      registers: [options.registry],
      collect() {
        this.set(breaker.opened ? 1 : 0);
      },
    });
  }

  async authorize(request: AuthorizationRequest): Promise<AuthorizationOutcome> {
    try {
      const response = await this.breaker.fire(request);
      if (response.status === 'APPROVED') return { status: 'APPROVED' };
      if (response.status === 'DECLINED') return { status: 'DECLINED', reason: response.failureReason ?? 'declined' };
      return { status: 'UNSETTLED' };
    } catch {
      return { status: 'UNSETTLED' };
    }
  }

  get circuitOpen(): boolean {
    return this.breaker.opened;
  }

  shutdown(): void {
    this.breaker.shutdown();
  }
}
