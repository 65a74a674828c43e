import {
  MAX_EPOCH_TEXT_LENGTH,
  floatSecondsText,
  fromEpochSeconds,
  isEpochSeconds,
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

  it.each([
    undefined,
    null,
    '',
    'abc',
    '12abc',
    '1e',
    'NaN',
    'Infinity',
    '0x10',
    '1,5',
    '1e400',
    '9e15',
    '1..5',
    '1.5.',
    '1e5e5',
  ])('when given %p then it is not a time', (text) => {
    expect(parseEpochSeconds(text)).toBeUndefined();
  });
});

describe('parseEpochSeconds on long texts', () => {
  it('when a float is written with up to 64 characters then it is read; beyond, it is refused unread', () => {
    const padded = `${'0'.repeat(54)}1412932000`;
    expect(padded).toHaveLength(MAX_EPOCH_TEXT_LENGTH);
    expect(parseEpochSeconds(padded)).toBe(1412932000);
    expect(parseEpochSeconds(`0${padded}`)).toBeUndefined();
    expect(parseEpochSeconds(`  ${padded}  `)).toBe(1412932000);
  });

  it('when 15,000 digits end with a letter (the request that took 0.5 s) then it is refused', () => {
    expect(parseEpochSeconds(`${'1'.repeat(15_000)}x`)).toBeUndefined();
  });
});

describe('isEpochSeconds', () => {
  it.each([
    [0, true],
    [1412932000.5, true],
    [8.64e12, true],
    [-8.64e12, true],
    [8.64e12 + 1, false],
    [1e300, false],
    [Number.NaN, false],
    [Number.POSITIVE_INFINITY, false],
  ])('when given %p then %p (a JSON number must fit a Date too)', (value, ok) => {
    expect(isEpochSeconds(value)).toBe(ok);
  });
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
