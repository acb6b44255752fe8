// The shipping service's entry: its own process, its own SDK. Phase 1 first.
import 'nestjs-tracing/register';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { Server } from 'node:http';
import { ShippingModule } from './shipping.module';

async function main(): Promise<void> {
  process.env.OTEL_SERVICE_NAME ??= 'shipping';
  const app = await NestFactory.create(ShippingModule, { logger: ['error', 'warn', 'log'] });
  app.enableShutdownHooks();
  await app.listen(Number(process.env.PORT ?? 3001), process.env.HOST ?? '127.0.0.1');
  const address = (app.getHttpServer() as Server).address();
  new Logger('Shipping').log(`listening on ${typeof address === 'object' && address ? address.port : ''} (pid ${process.pid})`);
  // Started by the orders primary with a pipe on stdin: when that process goes, so does this one.
  if (process.env.SHIPPING_EXIT_WITH_PARENT === 'true') {
    process.stdin.on('end', () => process.kill(process.pid, 'SIGTERM')).resume();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
