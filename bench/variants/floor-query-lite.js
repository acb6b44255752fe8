'use strict';
// Probe: floor-query with the query span made without the SDK's tracer and span class — a plain
// object with the ReadableSpan fields, ended straight into the floor's BatchSpanProcessor (same
// ids, clock and export path). Read against floor-query, it shows what the SDK's per-span
// machinery (startSpan, the sampler, SpanImpl, the processor chain) costs inside a server.
const { resource, spanProcessor } = require('./floor');
const { trace, SpanKind, SpanStatusCode } = require('@opentelemetry/api');
const { hrTime, hrTimeDuration } = require('@opentelemetry/core');
const { RandomIdGenerator } = require('@opentelemetry/sdk-trace-node');
const { wrapPgQueries } = require('./floor-pg');

const ids = new RandomIdGenerator();
const scope = { name: 'bench-floor', version: undefined, schemaUrl: undefined };

class LiteSpan {
  constructor(name, parent) {
    this._spanContext = { traceId: parent.traceId, spanId: ids.generateSpanId(), traceFlags: parent.traceFlags, traceState: parent.traceState };
    this.parentSpanContext = parent;
    this.name = name;
    this.kind = SpanKind.CLIENT;
    this.startTime = hrTime();
    this.endTime = [0, 0];
    this.duration = [-1, -1];
    this.ended = false;
    this.status = { code: SpanStatusCode.UNSET };
    this.attributes = {};
    this.links = [];
    this.events = [];
    this.resource = resource;
    this.instrumentationScope = scope;
    this.droppedAttributesCount = 0;
    this.droppedEventsCount = 0;
    this.droppedLinksCount = 0;
  }
  spanContext() {
    return this._spanContext;
  }
  end() {
    this.endTime = hrTime();
    this.duration = hrTimeDuration(this.startTime, this.endTime);
    this.ended = true;
    if (spanProcessor) spanProcessor.onEnd(this);
  }
}

wrapPgQueries((parent) => new LiteSpan('query', trace.getSpan(parent).spanContext()));
