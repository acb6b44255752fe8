import {
  Body,
  Controller,
  Get,
  HttpCode,
  NotFoundException,
  Param,
  ParseIntPipe,
  Post,
  Req,
  ValidationPipe,
} from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { RequireUser, type AuthenticatedRequest } from '../auth/bearer-auth.guard';
import { CreateOrderDto } from './create-order.dto';
import type { ShippingQuote } from '../shipping/shipping.controller';
import { Order } from './order.entity';
import { ShippingClient } from './shipping.client';

@Controller('orders')
export class OrdersController {
  constructor(
    @InjectRepository(Order) private readonly orders: Repository<Order>,
    private readonly shippingClient: ShippingClient,
  ) {}

  @Get()
  list(): Promise<Order[]> {
    return this.orders.find({ order: { id: 'ASC' }, take: 50 });
  }

  @Get(':id')
  async findOne(@Param('id', ParseIntPipe) id: number): Promise<Order> {
    const order = await this.orders.findOneBy({ id });
    if (!order) throw new NotFoundException(`order ${id} not found`);
    return order;
  }

  /** The order's shipping quote, from the shipping service: one trace across both. */
  @Get(':id/shipping')
  async shipping(@Param('id', ParseIntPipe) id: number): Promise<ShippingQuote & { item: string }> {
    const order = await this.findOne(id);
    return { ...(await this.shippingClient.quote(order.id)), item: order.item };
  }

  @Post()
  @HttpCode(201)
  @RequireUser()
  create(
    @Body(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true })) body: CreateOrderDto,
    @Req() request: AuthenticatedRequest,
  ): Promise<Order> {
    // The guard guarantees a user on @RequireUser routes.
    const userId = request.user!.id;
    return this.orders.save(this.orders.create({ item: body.item, quantity: body.quantity, userId }));
  }
}
