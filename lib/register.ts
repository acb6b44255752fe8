/**
 * Phase 1 of the two-phase start. Load it before anything else:
 *
 *   import 'nestjs-tracing/register'; // first line of main.ts
 *   // or: node --require nestjs-tracing/register dist/main.js
 *
 * OpenTelemetry instrumentations patch a module only when it is required after their hook exists,
 * so this file must run before `http`, `@nestjs/core` or `pg` are loaded. It imports nothing from
 * `@nestjs/*` and starts no exporter; `TracingModule` (phase 2) does that in `onModuleInit`.
 */
import { registerInstrumentations } from './sdk/instrumentations';

registerInstrumentations();
