import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { AddressInfo } from 'node:net';

export interface TestApp {
  app: INestApplication;
  url: string;
  close(): Promise<void>;
}

/** Boots a real Nest app (Express) on a loopback port, optionally configured before init. */
export async function startTestApp(
  module: unknown,
  configure: (app: INestApplication) => void = () => {},
): Promise<TestApp> {
  const app = await NestFactory.create(module as never, { logger: ['error', 'warn'] });
  configure(app);
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  return { app, url: `http://127.0.0.1:${port}`, close: () => app.close() };
}

export function databaseUrl(): string {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) throw new Error('TEST_DATABASE_URL is not set: run the tests through jest (globalSetup starts PostgreSQL)');
  return url;
}
