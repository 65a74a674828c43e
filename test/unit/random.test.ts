import { randomInt } from '../../src/domain/random';
import { pickColor, RECEIVE_COLORS } from '../../src/domain/colors';

describe('randomInt', () => {
  it('when the source gives its extremes then both ends of the range are reached and not passed', () => {
    expect(randomInt(() => 0, 3, 7)).toBe(3);
    expect(randomInt(() => 0.999999999, 3, 7)).toBe(7);
    expect(randomInt(() => 1, 3, 7)).toBe(7);
    expect(randomInt(() => -0.1, 3, 7)).toBe(3);
  });

  it('when drawn many times then every value of the range appears', () => {
    let x = 0;
    const seen = new Set<number>();
    for (let i = 0; i < 100; i++) seen.add(randomInt(() => (x = (x + 0.137) % 1), 1, 4));
    expect([...seen].sort()).toEqual([1, 2, 3, 4]);
  });
});

describe('pickColor', () => {
  it('when the source spans [0, 1) then each of the four colours is picked', () => {
    expect([0, 0.3, 0.6, 0.9].map((r) => pickColor(() => r))).toEqual([...RECEIVE_COLORS]);
    expect(RECEIVE_COLORS).toEqual(['ffdc1a', '6bb690', 'f6591e', 'f36f4d']);
  });
});
