export * from '../../sample/demo/otlp-receiver';
