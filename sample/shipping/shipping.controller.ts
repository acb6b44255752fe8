import { Controller, Get, Param, ParseIntPipe } from '@nestjs/common';

export interface ShippingQuote {
  orderId: number;
  carrier: string;
  priceCents: number;
  etaDays: number;
}

/** The shipping team's API, reduced to one quote route. */
@Controller('shipping')
export class ShippingController {
  @Get(':id')
  quote(@Param('id', ParseIntPipe) id: number): ShippingQuote {
    // Deterministic, so the demo and the tests can check the body that comes back through orders.
    return { orderId: id, carrier: id % 2 === 0 ? 'DHL' : 'UPS', priceCents: 499 + (id % 5) * 100, etaDays: 2 + (id % 3) };
  }
}
