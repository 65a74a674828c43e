import type { SendChoiceRule } from '../../src/domain/catalogRules';
import {
  choiceDeliveryTime,
  deliveryTime,
  describeOption,
  parseDeliveryOption,
  RANDOM_DELAY,
} from '../../src/domain/deliveryTime';

const now = new Date(Date.UTC(2025, 0, 15, 12, 0, 0));
const at = (seconds: number) => new Date(now.getTime() + seconds * 1000);
const choice = (over: Partial<SendChoiceRule>): SendChoiceRule => ({
  id: '53b95c02edb08c3d6885041f',
  order_id: 1,
  send_label: 'x',
  send_label_fr: 'x',
  active: true,
  time_delay: 0,
  time_absolute: false,
  time_random: false,
  ...over,
});

describe('parseDeliveryOption', () => {
  it('when the field is missing or empty then it means now', () => {
    expect(parseDeliveryOption(undefined)).toEqual({ ok: true, value: { kind: 'now' } });
    expect(parseDeliveryOption('  ')).toEqual({ ok: true, value: { kind: 'now' } });
  });

  it('when iOS pretty-prints a send-choice key then the key is read, lower-cased', () => {
    const text =
      '{\n  "type" : "53B95C02EDB08C3D6885041F",\n  "parameters" : "",\n  "timezone" : "Europe\\/Paris"\n}';
    expect(parseDeliveryOption(text)).toEqual({
      ok: true,
      value: { kind: 'choice', key: '53b95c02edb08c3d6885041f' },
    });
  });

  it.each([
    ['{"type":"calendar","parameters":"1418000000"}', { kind: 'calendar', at: 1418000000 }],
    ['{"type":"calendar","parameters":1418000000.5}', { kind: 'calendar', at: 1418000000.5 }],
    ['{"type":"calendar","parameters":"1.418E9","time_zone":"GMT"}', { kind: 'calendar', at: 1418000000 }],
    ['{"type":"calendar","parameters":"now"}', { kind: 'now' }],
    ['{"type":"resend"}', { kind: 'resend' }],
    ['{"type":"resend","parameters":"whatever"}', { kind: 'resend' }],
  ])('when given %s then it is understood', (text, value) => {
    expect(parseDeliveryOption(text)).toEqual({ ok: true, value });
  });

  it.each([
    'not json',
    '[]',
    '"calendar"',
    'null',
    '{}',
    '{"type":3}',
    '{"type":"later"}',
    '{"type":"53b95c02edb08c3d6885041"}',
    '{"type":"calendar"}',
    '{"type":"calendar","parameters":""}',
    '{"type":"calendar","parameters":"tomorrow"}',
    '{"type":"calendar","parameters":null}',
    '{"type":"calendar","parameters":[1]}',
    // Past what a Date holds: as a number the text checks do not apply, so it is bounded too.
    '{"type":"calendar","parameters":1e300}',
    '{"type":"calendar","parameters":"1e300"}',
    `{"type":"calendar","parameters":"${'9'.repeat(100)}"}`,
  ])('when given %s then it is refused with a reason', (text) => {
    const parsed = parseDeliveryOption(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toMatch(/\w/);
  });
});

describe('deliveryTime', () => {
  it('when the option is now then delivery is now', () => {
    expect(deliveryTime({ kind: 'now' }, undefined, now, Math.random)).toEqual(now);
  });

  it('when a calendar time is in the future then it is the delivery time', () => {
    expect(
      deliveryTime({ kind: 'calendar', at: now.getTime() / 1000 + 3600.5 }, undefined, now, Math.random),
    ).toEqual(at(3600.5));
  });

  it('when a calendar time is in the past then delivery is now, not a time no window would cover', () => {
    expect(deliveryTime({ kind: 'calendar', at: 1000 }, undefined, now, Math.random)).toEqual(now);
  });

  it('when the legacy resend type is used then the delay is the original draw, 5,259,487 to 25,000,000 s', () => {
    expect(deliveryTime({ kind: 'resend' }, undefined, now, () => 0)).toEqual(at(RANDOM_DELAY.min));
    expect(deliveryTime({ kind: 'resend' }, undefined, now, () => 0.9999999999)).toEqual(
      at(RANDOM_DELAY.max),
    );
    expect(RANDOM_DELAY).toEqual({ min: 5_259_487, max: 25_000_000 });
  });

  it('when a relative choice is used then its delay is added to now', () => {
    expect(
      deliveryTime({ kind: 'choice', key: 'k' }, choice({ time_delay: 86400 }), now, Math.random),
    ).toEqual(at(86400));
  });

  it('when an absolute choice is used then its date is the delivery time, or now once past', () => {
    const future = now.getTime() / 1000 + 1000;
    expect(choiceDeliveryTime(choice({ time_absolute: true, time_delay: future }), now, Math.random)).toEqual(
      at(1000),
    );
    expect(choiceDeliveryTime(choice({ time_absolute: true, time_delay: 1000 }), now, Math.random)).toEqual(
      now,
    );
  });

  it('when a random choice is used then its own bounds apply, else the original draw', () => {
    expect(choiceDeliveryTime(choice({ time_random: true }), now, () => 0)).toEqual(at(RANDOM_DELAY.min));
    const bounded = choice({ time_random: true, random_min: 10, random_max: 20 });
    expect(choiceDeliveryTime(bounded, now, () => 0)).toEqual(at(10));
    expect(choiceDeliveryTime(bounded, now, () => 0.99999)).toEqual(at(20));
  });

  it('when a choice option comes without its choice then it is a programming error', () => {
    expect(() => deliveryTime({ kind: 'choice', key: 'k' }, undefined, now, Math.random)).toThrow();
  });
});

describe('describeOption', () => {
  it('when two options are the same then their descriptions are equal, else they differ', () => {
    expect(describeOption({ kind: 'calendar', at: 5 })).toBe('calendar:5');
    expect(describeOption({ kind: 'choice', key: 'ab' })).toBe('choice:ab');
    expect(describeOption({ kind: 'now' })).not.toBe(describeOption({ kind: 'resend' }));
  });
});
