'use strict';
// nestjs-otel 7.x README, "Setup" steps 2 and 3.1: import the tracing file first, start the SDK
// before NestFactory.create, and OpenTelemetryModule.forRoot() (its defaults: no metrics) in the
// app module.
const otelSDK = require('./nestjs-otel.tracing');
const { OpenTelemetryModule } = require('nestjs-otel');
const { main } = require('../app/app');

main({ imports: [OpenTelemetryModule.forRoot()], beforeCreate: () => otelSDK.start() });
