import { constantTimeEqual } from '../../src/domain/password';

describe('constantTimeEqual (the operator token check)', () => {
  it('when strings are equal then true; when they differ in content or length then false', () => {
    expect(constantTimeEqual('abc', 'abc')).toBe(true);
    expect(constantTimeEqual('abc', 'abd')).toBe(false);
    expect(constantTimeEqual('abc', 'abcd')).toBe(false);
    expect(constantTimeEqual('', 'a')).toBe(false);
  });
});
