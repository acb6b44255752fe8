import { Logger, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { Server } from 'node:http';
import { AppModule } from './app.module';

/** Creates and starts the orders app on PORT (default 3000). Loaded only after `register`. */
export async function bootstrap(databaseUrl: string): Promise<INestApplication> {
  const port = Number(process.env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`PORT="${process.env.PORT}" is not a TCP port: set a number from 0 to 65535.`);
  }
  const app = await NestFactory.create<INestApplication<Server>>(AppModule.forRoot({ databaseUrl }));
  // SIGTERM/SIGINT: finish requests in flight, then TracingModule flushes the spans, then exit.
  app.enableShutdownHooks();
  // Loopback unless told otherwise: a container sets HOST=0.0.0.0 on purpose.
  await app.listen(port, process.env.HOST ?? '127.0.0.1');
  const address = app.getHttpServer().address();
  new Logger('Orders').log(`listening on ${typeof address === 'object' && address ? address.port : port} (pid ${process.pid})`);
  return app;
}
