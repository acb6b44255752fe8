import { BadGatewayException, Inject, Injectable } from '@nestjs/common';
import type { ShippingQuote } from '../shipping/shipping.controller';

export const SHIPPING_URL = Symbol('SHIPPING_URL');

/**
 * Calls the shipping service with the global `fetch`. The call is a CLIENT span under the
 * request and carries its `traceparent`, so shipping's spans join the same trace.
 */
@Injectable()
export class ShippingClient {
  /** A slow or hung shipping service costs at most this much of our request. */
  private readonly timeoutMillis = Number(process.env.SHIPPING_TIMEOUT_MS ?? 2000);

  constructor(@Inject(SHIPPING_URL) private readonly baseUrl: string) {}

  async quote(orderId: number): Promise<ShippingQuote> {
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}/shipping/${orderId}`, { signal: AbortSignal.timeout(this.timeoutMillis) });
    } catch (error) {
      const { name, message, cause } = error as Error & { cause?: { code?: string } };
      const reason = name === 'TimeoutError' ? `no answer within ${this.timeoutMillis} ms` : (cause?.code ?? message);
      throw new BadGatewayException({ message: 'shipping service unavailable', reason });
    }
    if (!response.ok) {
      await response.arrayBuffer();
      throw new BadGatewayException({ message: 'shipping service failed', status: response.status });
    }
    return (await response.json()) as ShippingQuote;
  }
}
