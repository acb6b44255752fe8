'use strict';
// The benchmark's NestJS app, the same code for every variant: TypeORM + pg on the embedded
// PostgreSQL (DATABASE_URL), an `orders` table with 1000 rows, and two routes:
//   GET /orders/:id  one indexed lookup (Repository.findOneBy on the primary key)
//   GET /ping        no database work
// Plain CommonJS with Nest's decorators applied by hand (what tsc emits for decorators), so that
// the bench needs no build step. Variants load their tracing first and then call run().
require('reflect-metadata');
const { Controller, Get, Module, NotFoundException, Param, ParseIntPipe } = require('@nestjs/common');
const { NestFactory } = require('@nestjs/core');
const { InjectRepository, TypeOrmModule } = require('@nestjs/typeorm');
const { EntitySchema } = require('typeorm');

const Order = new EntitySchema({
  name: 'Order',
  tableName: 'orders',
  columns: {
    id: { type: Number, primary: true, generated: true },
    item: { type: 'text' },
    quantity: { type: 'integer' },
    userId: { name: 'user_id', type: 'text', nullable: true },
    createdAt: { name: 'created_at', type: 'timestamptz', createDate: true },
  },
});

function decorateMethod(target, name, ...decorators) {
  const descriptor = Object.getOwnPropertyDescriptor(target.prototype, name);
  Object.defineProperty(target.prototype, name, Reflect.decorate(decorators, target.prototype, name, descriptor));
}

class OrdersController {
  constructor(orders) {
    this.orders = orders;
  }

  async findOne(id) {
    const order = await this.orders.findOneBy({ id });
    if (!order) throw new NotFoundException(`order ${id} not found`);
    return order;
  }

  ping() {
    return { pong: true };
  }
}
decorateMethod(OrdersController, 'findOne', Get('orders/:id'));
Param('id', ParseIntPipe)(OrdersController.prototype, 'findOne', 0);
decorateMethod(OrdersController, 'ping', Get('ping'));
InjectRepository(Order)(OrdersController, undefined, 0);
Controller()(OrdersController);

class OrdersModule {}
Module({ imports: [TypeOrmModule.forFeature([Order])], controllers: [OrdersController] })(OrdersModule);

class AppModule {
  static forRoot(databaseUrl, imports = []) {
    return {
      module: AppModule,
      imports: [
        ...imports,
        TypeOrmModule.forRoot({
          type: 'postgres',
          url: databaseUrl,
          entities: [Order],
          synchronize: false,
          poolSize: 10,
          retryAttempts: 3,
        }),
        OrdersModule,
      ],
    };
  }
}
Module({})(AppModule);

/**
 * Creates and starts the app on 127.0.0.1:PORT (0: any free port) and prints
 * `BENCH_READY {"port":...,"pid":...}` for the harness.
 * @param {{ imports?: unknown[], beforeCreate?: () => unknown }} options
 */
async function run({ imports = [], beforeCreate } = {}) {
  const databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) throw new Error('DATABASE_URL is required (run.mjs sets it)');
  await beforeCreate?.();
  const app = await NestFactory.create(AppModule.forRoot(databaseUrl, imports), { logger: ['error', 'warn'] });
  app.enableShutdownHooks();
  await app.listen(Number(process.env.PORT ?? 0), '127.0.0.1');
  const { port } = app.getHttpServer().address();
  process.stdout.write(`BENCH_READY ${JSON.stringify({ port, pid: process.pid, node: process.version })}\n`);
  if (process.env.BENCH_EXIT_ON_STDIN_END === '1') {
    // Profiling: --cpu-prof writes its file only on a normal exit, not on a re-raised SIGTERM.
    process.stdin.once('end', () => {
      app.close().finally(() => process.exit(0));
    });
    process.stdin.resume();
  }
  return app;
}

function main(options) {
  run(options).catch((error) => {
    console.error(error);
    process.exit(1);
  });
}

module.exports = { run, main, AppModule, Order };
