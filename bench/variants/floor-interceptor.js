'use strict';
// Ablation (not in the default set): the floor probe plus one global pass-through interceptor
// (APP_INTERCEPTOR, `next.handle()` and nothing else). Against `floor`, it prices what any global
// interceptor costs per request — Nest's interceptor chain (rxjs defer/mergeAll, AsyncResource.bind)
// with AsyncLocalStorage active — which nestjs-tracing's TracingInterceptor pays on every request.
require('./floor');
const { Injectable, Module } = require('@nestjs/common');
const { APP_INTERCEPTOR } = require('@nestjs/core');
const { main } = require('../app/app');

class PassThroughInterceptor {
  intercept(_context, next) {
    return next.handle();
  }
}
Injectable()(PassThroughInterceptor);

class PassThroughModule {}
Module({ providers: [{ provide: APP_INTERCEPTOR, useClass: PassThroughInterceptor }] })(PassThroughModule);

main({ imports: [PassThroughModule] });
