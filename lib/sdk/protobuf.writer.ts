/**
 * A protobuf writer for one export request at a time: a single pass into one Buffer, with no
 * allocation per string, id or nested message.
 * Nested messages reserve one length byte and move their body when the length needs more.
 *
 * Finished requests are lent, not given: the transport holds each until its call completes, then
 * `release` hands the buffer back for a later request. A new buffer per export would be garbage
 * that only a mark-compact frees: @grpc/grpc-js keeps a reference to the request from objects
 * that outlive the call in the old generation, so scavenges keep every export's bytes
 * (bench/export-retention.mjs; bench/README.md "Where the memory goes").
 */
export class ProtobufWriter {
  private buf: Buffer = newBuffer(INITIAL_BYTES);
  pos = 0;
  /** Buffers of finished requests that have not come back (weakly: one never released is simply collected). */
  private readonly lent = new WeakSet<ArrayBufferLike>();
  /** Returned buffers, ready for the next requests. */
  private readonly spare: Buffer[] = [];

  /**
   * What was written, as a view of a buffer that is not written again until `release(view)`;
   * the next request goes into a spare buffer, or a new one sized after this request.
   */
  finish(): Uint8Array {
    const out = this.buf.subarray(0, this.pos);
    this.lent.add(this.buf.buffer);
    this.buf = this.spare.pop() ?? newBuffer(Math.max(INITIAL_BYTES, Math.ceil(this.pos * 1.25)));
    this.pos = 0;
    return out;
  }

  /**
   * The transport is done with a request `finish` returned: its buffer may be written again.
   * Anything else (a view released twice, bytes from elsewhere) is ignored.
   */
  release(view: Uint8Array): void {
    if (!this.lent.delete(view.buffer)) return;
    // Two cover the one export a BatchSpanProcessor runs at a time; an outsized one (a batch of
    // huge attributes) is left to the collector rather than held for good.
    if (this.spare.length < MAX_SPARE_BUFFERS && view.buffer.byteLength <= MAX_SPARE_BYTES) {
      this.spare.push(Buffer.from(view.buffer, 0, view.buffer.byteLength));
    }
  }

  /** Discards a request that failed half-way. */
  reset(): void {
    this.pos = 0;
  }

  tag(field: number, wireType: number): void {
    this.varint((field << 3) | wireType);
  }

  /** Non-negative integers up to 2^53 (lengths, counts, tags, enum values). */
  varint(value: number): void {
    this.reserve(10);
    const buf = this.buf;
    if (value < 0x80) {
      buf[this.pos++] = value;
      return;
    }
    while (value > 0x7f) {
      buf[this.pos++] = (value % 0x80) | 0x80;
      value = Math.floor(value / 0x80);
    }
    buf[this.pos++] = value;
  }

  /** An int64 in two's complement, as protobuf encodes negative varints (always 10 bytes). */
  int64(value: number): void {
    if (value >= 0) return this.varint(value);
    const abs = -value;
    let low = ~(abs >>> 0) >>> 0;
    let high = ~Math.floor(abs / 0x100000000) >>> 0;
    low = (low + 1) >>> 0;
    if (low === 0) high = (high + 1) >>> 0;
    this.reserve(10);
    while (high > 0 || low > 0x7f) {
      this.buf[this.pos++] = (low & 0x7f) | 0x80;
      low = ((low >>> 7) | (high << 25)) >>> 0;
      high >>>= 7;
    }
    this.buf[this.pos++] = low;
  }

  fixed32(value: number): void {
    this.reserve(4);
    this.buf.writeUInt32LE(value >>> 0, this.pos);
    this.pos += 4;
  }

  fixed64(low: number, high: number): void {
    this.reserve(8);
    this.buf.writeUInt32LE(low >>> 0, this.pos);
    this.buf.writeUInt32LE(high >>> 0, this.pos + 4);
    this.pos += 8;
  }

  double(value: number): void {
    this.reserve(8);
    this.buf.writeDoubleLE(value, this.pos);
    this.pos += 8;
  }

  string(value: string): void {
    const length = value.length;
    // Short strings are mostly ASCII (names, keys, methods, addresses): copied by a plain loop,
    // cheaper than a call into the native encoder. Up to 42 UTF-16 units cannot exceed 127 UTF-8
    // bytes, so one length byte, filled in afterwards, always fits.
    if (length < 43) {
      this.reserve(1 + length * 3);
      const buf = this.buf;
      const start = this.pos + 1;
      for (let i = 0; i < length; i++) {
        const code = value.charCodeAt(i);
        if (code > 0x7f) {
          const written = buf.write(value, start, 'utf8');
          buf[this.pos] = written;
          this.pos = start + written;
          return;
        }
        buf[start + i] = code;
      }
      buf[this.pos] = length;
      this.pos = start + length;
      return;
    }
    const bytes = Buffer.byteLength(value, 'utf8');
    this.varint(bytes);
    this.reserve(bytes);
    this.pos += this.buf.write(value, this.pos, bytes, 'utf8');
  }

  bytes(value: Uint8Array): void {
    this.varint(value.length);
    this.reserve(value.length);
    this.buf.set(value, this.pos);
    this.pos += value.length;
  }

  /** A trace or span id (lowercase or uppercase hex) as protobuf bytes, decoded into the buffer. */
  hexBytes(hex: string): void {
    const length = hex.length >>> 1;
    this.reserve(1 + length);
    const buf = this.buf;
    buf[this.pos++] = length;
    for (let i = 0; i < length; i++) buf[this.pos++] = (HEX[hex.charCodeAt(2 * i)] << 4) | HEX[hex.charCodeAt(2 * i + 1)];
  }

  /** A copy of the bytes written since `start`, to be replayed with `raw`. */
  copyFrom(start: number): Buffer {
    return Buffer.from(this.buf.subarray(start, this.pos));
  }

  /** Bytes encoded once and reused (a cached key field). */
  raw(encoded: Buffer): void {
    const length = encoded.length;
    this.reserve(length);
    const buf = this.buf;
    buf.set(encoded, this.pos);
    this.pos += length;
  }

  /** Starts a length-delimited field; pass the result to `end`. */
  begin(): number {
    this.reserve(1);
    return this.pos++;
  }

  end(start: number): void {
    const length = this.pos - start - 1;
    if (length < 0x80) {
      this.buf[start] = length;
      return;
    }
    const size = varintSize(length);
    this.reserve(size - 1);
    this.buf.copyWithin(start + size, start + 1, this.pos);
    this.pos += size - 1;
    let at = start;
    let value = length;
    while (value > 0x7f) {
      this.buf[at++] = (value & 0x7f) | 0x80;
      value >>>= 7;
    }
    this.buf[at] = value;
  }

  private reserve(bytes: number): void {
    if (this.pos + bytes <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + bytes) size *= 2;
    const grown = newBuffer(size);
    this.buf.copy(grown, 0, 0, this.pos);
    this.buf = grown;
  }
}

const INITIAL_BYTES = 64 * 1024;
const MAX_SPARE_BUFFERS = 2;
/** A batch of 512 spans with the conventions' attributes is ~200 KB. */
const MAX_SPARE_BYTES = 4 * 1024 * 1024;

/**
 * A buffer of its own: `allocUnsafe` may hand out a slice of Node's shared pool (when an app
 * raises `Buffer.poolSize`), which must never be lent and written again.
 */
function newBuffer(size: number): Buffer {
  return Buffer.allocUnsafeSlow(size);
}

/** Hex digit values by character code ('0'-'9', 'a'-'f', 'A'-'F'; the SDK's ids are lowercase). */
const HEX = new Uint8Array(128);
for (let i = 0; i < 10; i++) HEX[48 + i] = i;
for (let i = 0; i < 6; i++) HEX[97 + i] = HEX[65 + i] = 10 + i;

function varintSize(value: number): number {
  let size = 1;
  while (value > 0x7f) {
    value >>>= 7;
    size += 1;
  }
  return size;
}
