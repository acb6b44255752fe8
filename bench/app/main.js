'use strict';
// The app with nothing in front of it: the `untraced` variant, and the entry that `sdk-node-auto`
// (--require @opentelemetry/auto-instrumentations-node/register) and `floor`
// (--require ./variants/floor.js) preload their tracing into.
require('./app').main();
