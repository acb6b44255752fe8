import { ProtobufWriter } from '../../lib/sdk/protobuf.writer';

/** One request: `count` copies of a string field, so the bytes say which request they are. */
function request(writer: ProtobufWriter, text: string, count = 1000): Uint8Array {
  for (let i = 0; i < count; i++) {
    writer.tag(1, 2);
    writer.string(text);
  }
  return writer.finish();
}

const decodeFirst = (bytes: Uint8Array): string => Buffer.from(bytes.subarray(2, 2 + bytes[1])).toString();

/**
 * Finished requests are lent to the transport: their bytes stay as written until released, and
 * only a released buffer is written again.
 */
describe('ProtobufWriter buffers', () => {
  const poolSize = Buffer.poolSize;
  afterEach(() => {
    Buffer.poolSize = poolSize;
  });

  it('never writes into a request that has not been released, however many follow', () => {
    const writer = new ProtobufWriter();
    const first = request(writer, 'first request');
    const copy = Buffer.from(first);
    for (let i = 0; i < 10; i++) request(writer, `later request ${i}`, 5000);
    expect(Buffer.from(first).equals(copy)).toBe(true);
  });

  it('reuses a released buffer for a later request instead of allocating one', () => {
    const writer = new ProtobufWriter();
    const a = request(writer, 'a');
    const b = request(writer, 'b'); // written in the buffer allocated when `a` finished
    writer.release(a);
    const c = request(writer, 'c'); // the buffer allocated when `b` finished
    const d = request(writer, 'd'); // `a`'s buffer, given back
    expect(d.buffer).toBe(a.buffer);
    expect(new Set([a.buffer, b.buffer, c.buffer]).size).toBe(3);
    expect([b, c, d].map(decodeFirst)).toEqual(['b', 'c', 'd']);
  });

  it('ignores a second release of the same request and bytes it never lent', () => {
    const writer = new ProtobufWriter();
    const a = request(writer, 'a');
    writer.release(a);
    writer.release(a);
    writer.release(Buffer.alloc(100_000));
    request(writer, 'b');
    const c = request(writer, 'c'); // `a`'s buffer
    const d = request(writer, 'd'); // a new one: `a` came back once, not twice
    expect(c.buffer).toBe(a.buffer);
    expect(d.buffer).not.toBe(c.buffer);
    expect(decodeFirst(c)).toBe('c');
  });

  it('does not keep an outsized buffer for later requests', () => {
    const writer = new ProtobufWriter();
    const huge = request(writer, 'h'.repeat(4000), 1200); // ~4.8 MB: its buffer grew to 8 MB
    writer.release(huge);
    request(writer, 'a');
    const next = request(writer, 'b');
    expect(next.buffer).not.toBe(huge.buffer);
    expect(decodeFirst(next)).toBe('b');
  });

  it('keeps its buffers out of Node\'s shared pool, even when an app raises Buffer.poolSize', () => {
    Buffer.poolSize = 16 * 1024 * 1024;
    const writer = new ProtobufWriter();
    request(writer, 'grow', 20_000); // past the first buffer: the next ones are allocated now
    const lent = request(writer, 'lent');
    const pooled = Buffer.allocUnsafe(16);
    expect(lent.buffer).not.toBe(pooled.buffer);
    expect(lent.byteOffset).toBe(0);
  });
});
