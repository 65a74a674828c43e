import {
  floatSecondsText,
  fromEpochSeconds,
  jsonFloatSeconds,
  parseEpochSeconds,
} from '../../src/domain/timestamps';

describe('parseEpochSeconds', () => {
  it.each([
    ['1412932000', 1412932000],
    ['1418000000.123456', 1418000000.123456],
    ['1.418000000123E9', 1418000000.123],
    ['1.418e9', 1418000000],
    [' 1412932000 ', 1412932000],
    ['0', 0],
    ['.5', 0.5],
    ['7.', 7],
    ['-1', -1],
  ])('when given %p then it reads %p', (text, value) => {
    expect(parseEpochSeconds(text)).toBeCloseTo(value, 6);
  });

  it.each([undefined, null, '', 'abc', '12abc', '1e', 'NaN', 'Infinity', '0x10', '1,5', '1e400', '9e15'])(
    'when given %p then it is not a time',
    (text) => {
      expect(parseEpochSeconds(text)).toBeUndefined();
    },
  );
});

describe('float seconds out', () => {
  it('when a time is written for an item then it is whole seconds with ".0", like Python str(float)', () => {
    expect(floatSecondsText(new Date(1425470000000))).toBe('1425470000.0');
    expect(floatSecondsText(new Date(1425470000999))).toBe('1425470000.0');
  });

  it('when now is written as ts then it is a float literal even on a whole second', () => {
    expect(jsonFloatSeconds(new Date(1425470000000))).toBe('1425470000.0');
    expect(jsonFloatSeconds(new Date(1425470000123))).toBe('1425470000.123');
    expect(JSON.parse(jsonFloatSeconds(new Date(1425470000123)))).toBe(1425470000.123);
  });

  it('when seconds have a fraction then the Date keeps milliseconds', () => {
    expect(fromEpochSeconds(1418000000.123456).getTime()).toBe(1418000000123);
  });
});
