import { Module, type DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { TracingModule, type TracingModuleOptions } from 'nestjs-tracing';
import { AuthModule } from './auth/auth.module';
import { EndUserHook } from './auth/end-user.hook';
import { HealthModule } from './health/health.module';
import { Order } from './orders/order.entity';
import { OrdersModule } from './orders/orders.module';

export interface AppModuleOptions {
  databaseUrl: string;
  /** Where the shipping service answers. @default SHIPPING_URL, else http://127.0.0.1:3001 */
  shippingUrl?: string;
  /** Extra TracingModule options (tests use them); the rest comes from OTEL_* variables. */
  tracing?: TracingModuleOptions;
}

@Module({})
export class AppModule {
  static forRoot({ databaseUrl, shippingUrl, tracing }: AppModuleOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [
        // Service name, excluded probes, exporter endpoint: from OTEL_* (see sample.defaults.ts).
        TracingModule.forRoot({ requestHook: EndUserHook, ...tracing }),
        TypeOrmModule.forRoot({
          type: 'postgres',
          url: databaseUrl,
          entities: [Order],
          // The schema is created once, by the primary (database/schema.ts), not by each worker.
          synchronize: false,
          poolSize: 10,
          retryAttempts: 3,
        }),
        AuthModule,
        OrdersModule.forRoot(shippingUrl ?? process.env.SHIPPING_URL ?? 'http://127.0.0.1:3001'),
        HealthModule,
      ],
    };
  }
}
