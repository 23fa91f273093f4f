import {
  PAYMENT_AUTHORIZATION,
  type PaymentAuthorizationRequest,
  type PaymentAuthorizationResponse,
} from '@roombook/contracts';
import type { Logger, ServiceClient } from '@roombook/kernel';
import CircuitBreaker from 'opossum';
import { Gauge, type Registry } from 'prom-client';

/** UNSETTLED: no answer in time, or the circuit is open; the event path settles it later. */
export type AuthorizationOutcome =
  | { readonly status: 'APPROVED' }
  | { readonly status: 'DECLINED'; readonly reason: string }
  | { readonly status: 'UNSETTLED' };

/** The synchronous leg of the saga: ask payment, with a deadline, behind a circuit breaker. */
export class PaymentGateway {
  private readonly breaker: CircuitBreaker<[PaymentAuthorizationRequest], PaymentAuthorizationResponse>;

  constructor(options: {
    client: ServiceClient;
    /** The payment service's base URL. */
    paymentUrl: string;
    timeoutMs: number;
    resetTimeoutMs: number;
    registry: Registry;
    log: Logger;
  }) {
    const { client, paymentUrl, timeoutMs, log } = options;
    this.breaker = new CircuitBreaker(
      (request: PaymentAuthorizationRequest) => client.call(paymentUrl, PAYMENT_AUTHORIZATION, request, timeoutMs),
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

  async authorize(request: PaymentAuthorizationRequest): Promise<AuthorizationOutcome> {
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
