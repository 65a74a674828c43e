import { safeEqual } from '../../src/http/operator';

describe('safeEqual', () => {
  it('when strings are equal then true; when they differ in content or length then false', () => {
    expect(safeEqual('abc', 'abc')).toBe(true);
    expect(safeEqual('abc', 'abd')).toBe(false);
    expect(safeEqual('abc', 'abcd')).toBe(false);
    expect(safeEqual('', 'a')).toBe(false);
  });
});
