import { Module } from '@nestjs/common';
import { TracingModule } from 'nestjs-tracing';
import { ShippingController } from './shipping.controller';

/** A second service with its own `service.name` (set by its launcher): one trace spans both. */
@Module({
  imports: [TracingModule.forRoot({ excludedUrls: ['^/healthz$'] })],
  controllers: [ShippingController],
})
export class ShippingModule {}
