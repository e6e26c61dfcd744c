import { GrowingJsonArray } from './growing-json-array';

const parse = (array: GrowingJsonArray): unknown => JSON.parse(`{${Buffer.concat(array.chunks()).toString('utf8')}}`);

describe('GrowingJsonArray', () => {
  it('encodes a member with the items it starts with, or none', () => {
    expect(parse(new GrowingJsonArray('alice', ['1', '{"a":"b"}']))).toEqual({ alice: [1, { a: 'b' }] });
    expect(parse(new GrowingJsonArray('key with "quotes"', []))).toEqual({ 'key with "quotes"': [] });
  });

  it('stays valid JSON through many pushes that outgrow its buffer, multi-byte text included', () => {
    const array = new GrowingJsonArray('bob', []);
    const expected: unknown[] = [];
    for (let i = 0; i < 500; i += 1) {
      const item = { n: i, text: `zürich ✓ ${'x'.repeat(i % 37)}` };
      array.push(JSON.stringify(item));
      expected.push(item);
    }
    expect(parse(array)).toEqual({ bob: expected });
  });

  it('never changes bytes it has handed out, so that a write in flight can keep using them', () => {
    const array = new GrowingJsonArray('carol', ['"first"']);
    const [handedOut] = array.chunks();
    const snapshot = Buffer.from(handedOut);
    for (let i = 0; i < 100; i += 1) array.push(JSON.stringify(`item ${i}`));
    expect(handedOut.equals(snapshot)).toBe(true);
    expect(parse(array)).toEqual({ carol: ['first', ...Array.from({ length: 100 }, (_, i) => `item ${i}`)] });
  });
});
