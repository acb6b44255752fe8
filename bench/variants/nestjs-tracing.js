'use strict';
// nestjs-tracing as its README's quick start has it, with default options: phase 1 first, before
// anything loads http, @nestjs/core or pg; then TracingModule.forRoot() in the app module. The
// package is the `npm pack` tarball of this repository, installed into bench/node_modules by run.mjs.
// Service name and endpoint come from OTEL_SERVICE_NAME and OTEL_EXPORTER_OTLP_ENDPOINT.
require('nestjs-tracing/register');
const { TracingModule } = require('nestjs-tracing');
const { main } = require('../app/app');

main({ imports: [TracingModule.forRoot()] });
