import { Module, type DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Order } from './order.entity';
import { OrdersController } from './orders.controller';
import { SHIPPING_URL, ShippingClient } from './shipping.client';

@Module({})
export class OrdersModule {
  static forRoot(shippingUrl: string): DynamicModule {
    return {
      module: OrdersModule,
      imports: [TypeOrmModule.forFeature([Order])],
      controllers: [OrdersController],
      providers: [ShippingClient, { provide: SHIPPING_URL, useValue: shippingUrl }],
    };
  }
}
