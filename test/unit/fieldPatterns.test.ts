/**
 * The JSON Schema patterns of the OpenAPI description against the rules they describe
 * (src/domain). Where a pattern is meant to be exact, the rule and the pattern must agree on
 * every generated text, taken or refused; where it describes the unescaped forms only, every
 * text it matches must be taken. Patterns are compiled with the `u` flag: code points, as
 * JSON Schema tools read them.
 */
import fc from 'fast-check';
import { ADDRESS_BOOK_OBJECT_PATTERN, parseAddressBook } from '../../src/domain/addressBook';
import { deliveryOptionPattern, parseDeliveryOption } from '../../src/domain/deliveryTime';
import { isValidEmail, normaliseEmail, validEmailShapePattern } from '../../src/domain/email';
import { boundedPhoneTextPattern, normalisePhone, phoneTextPattern } from '../../src/domain/phone';
import {
  parseReceiverIds,
  parseUserIdList,
  receiverIdsPatterns,
  userIdListPatterns,
} from '../../src/domain/receivers';
import { JSON_LIST_TEXT_PATTERN, trimmedLengthPattern } from '../../src/domain/textPatterns';
import { parseEpochSeconds } from '../../src/domain/timestamps';

const re = (pattern: string) => new RegExp(pattern, 'u');
const matchesAll = (patterns: string[]) => (text: string) => patterns.every((p) => re(p).test(text));

/** Texts over a small alphabet where the rules' edges are: blanks JS trims and some it does not. */
const textOver = (chars: string[], maxLength = 24) =>
  fc.string({ unit: fc.constantFrom(...chars), maxLength });
const BLANKS = [' ', '\t', '\n', '\u00a0', '\u2028', '\ufeff', '\u3000'];
const NOT_BLANKS = ['\u0085', '\u200b', '\u180e']; // trim keeps them (\s of other engines may not)

const runs = { numRuns: 2000 };

describe('trimmedLengthPattern', () => {
  it.each([0, 1] as const)('agrees with trim().length for min %i', (min) => {
    const pattern = re(trimmedLengthPattern(min, 5));
    fc.assert(
      fc.property(textOver([...BLANKS, ...NOT_BLANKS, 'a', 'é'], 12), (text) => {
        const length = text.trim().length;
        expect(pattern.test(text)).toBe(length >= min && length <= 5);
      }),
      runs,
    );
  });
});

describe('the signup email patterns', () => {
  const accepted = matchesAll([trimmedLengthPattern(1, 254), validEmailShapePattern()]);
  const rule = (text: string) => text.trim().length >= 1 && isValidEmail(normaliseEmail(text));

  it('agree with normaliseEmail then isValidEmail', () => {
    fc.assert(
      fc.property(textOver([...BLANKS, ...NOT_BLANKS, 'a', 'B', '@', '.', '+', 'é']), (text) => {
        expect(accepted(text)).toBe(rule(text));
      }),
      runs,
    );
  });

  it('count the length once trimmed', () => {
    const long = `${'a'.repeat(240)}@example.com`;
    expect(accepted(`  ${long}  `)).toBe(true);
    expect(accepted(`a${long}`)).toBe(rule(`a${long}`));
    expect(accepted(`${'a'.repeat(300)}@example.com`)).toBe(false);
  });
});

describe('the phone_number patterns', () => {
  const accepted = matchesAll([`^${phoneTextPattern()}$`, trimmedLengthPattern(1, 64)]);
  const rule = (text: string) => text.trim() !== '' && normalisePhone(text.trim()) !== null;

  it('agree with normalisePhone', () => {
    const chars = ['0', '1', '7', '0', '1', '7', '+', '(', ')', '.', '-', ' ', '\u00a0', '\u202a', 'x'];
    fc.assert(
      fc.property(textOver(chars, 30), (text) => expect(accepted(text)).toBe(rule(text))),
      runs,
    );
  });

  it('agree on the digit counts at both ends', () => {
    const digits = (n: number) => '1'.repeat(n);
    for (const n of [1, 2, 3, 4, 17, 18, 19, 20, 21]) {
      for (const text of [
        digits(n),
        `+${digits(n)}`,
        `(${digits(n)}`,
        `+(0)${digits(n)}`,
        `0(0)${digits(n)}`,
      ]) {
        expect([text, accepted(text)]).toEqual([text, rule(text)]);
      }
    }
  });

  it('agree on the app forms and the 64-character limit', () => {
    for (const text of ['00336.12.34.56.78', '+33 (0)6 12 34 56 78', '(0)123', '+12', '\u202a+33 6\u202c']) {
      expect(accepted(text)).toBe(true);
    }
    const padded = `0033612345678${' '.repeat(51)}x`;
    expect(accepted(padded)).toBe(rule(padded));
    expect(accepted(`${padded}y`)).toBe(false);
  });

  it('in the bounded form inside JSON, only match usable numbers of at most 64 characters', () => {
    const bounded = re(`^${boundedPhoneTextPattern('"\\\\\\u0000-\\u001f')}$`);
    for (const n of [2, 3, 18, 19, 20, 21]) {
      for (const text of [`+${'1'.repeat(n)}`, '1'.repeat(n), `ab${'1-'.repeat(n)}`]) {
        expect([text, bounded.test(text)]).toEqual([
          text,
          normalisePhone(text) !== null && text.length <= 64,
        ]);
      }
    }
    fc.assert(
      fc.property(fc.stringMatching(bounded), (text) => {
        expect(text.length).toBeLessThanOrEqual(64);
        expect(normalisePhone(text)).not.toBeNull();
        expect(text).not.toMatch(/["\\]/);
      }),
      runs,
    );
  });
});

describe('the JSON list patterns', () => {
  const [receivers, receiverCount] = receiverIdsPatterns(3);
  const [users, userCount] = userIdListPatterns(3);

  it('match only receiver lists parseReceiverIds takes, 1 to max entries', () => {
    fc.assert(
      fc.property(fc.stringMatching(re(receivers)), (text) => {
        const parsed = parseReceiverIds(text, 3);
        expect(parsed.ok).toBe(re(receiverCount).test(text));
      }),
      runs,
    );
  });

  it('match the receiver lists the apps send', () => {
    const android = '["id5f0c0ffee0ddba11c0ffee00","num0033612345678"]';
    const ios = '[\n  "num+33 6 12 34 56 78",\n  "id5F0C0FFEE0DDBA11C0FFEE00"\n]';
    for (const text of [android, ios]) expect(matchesAll([receivers, receiverCount])(text)).toBe(true);
    expect(matchesAll([receivers, receiverCount])('[]')).toBe(false);
    expect(matchesAll([receivers, receiverCount])('["num1","num2","num3","num4"]')).toBe(false);
  });

  it('match only user id lists parseUserIdList takes, 0 to max ids', () => {
    fc.assert(
      fc.property(fc.stringMatching(re(users)), (text) => {
        expect(parseUserIdList(text, 'f', 3).ok).toBe(re(userCount).test(text));
      }),
      runs,
    );
    expect(matchesAll([users, userCount])('[]')).toBe(true);
  });

  it('JSON_LIST_TEXT_PATTERN matches only JSON lists, and every list of shallow values', () => {
    fc.assert(
      fc.property(fc.stringMatching(re(JSON_LIST_TEXT_PATTERN)), (text) => {
        expect(Array.isArray(JSON.parse(text.trim()))).toBe(true);
      }),
      runs,
    );
    const scalar = fc.oneof(
      fc.string(),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.boolean(),
      fc.constant(null),
    );
    const shallow = fc.oneof(scalar, fc.array(scalar), fc.dictionary(fc.string(), scalar));
    fc.assert(
      fc.property(fc.array(shallow), fc.boolean(), (list, pretty) => {
        expect(re(JSON_LIST_TEXT_PATTERN).test(JSON.stringify(list, null, pretty ? 2 : undefined))).toBe(
          true,
        );
      }),
      runs,
    );
  });
});

describe('deliveryOptionPattern', () => {
  it('matches only options parseDeliveryOption takes', () => {
    fc.assert(
      fc.property(fc.stringMatching(re(deliveryOptionPattern())), (text) => {
        expect(parseDeliveryOption(text)).toMatchObject({ ok: true });
      }),
      runs,
    );
  });

  it('matches the options the apps send', () => {
    const pattern = re(deliveryOptionPattern());
    for (const text of [
      '',
      '{"type":"53b95c02edb08c3d6885041f","parameters":"","timezone":"Europe/Paris"}',
      '{\n  "type" : "calendar",\n  "parameters" : "1924992000",\n  "time_zone" : "Europe/Paris"\n}',
      '{"type":"calendar","parameters":"now"}',
      '{"type":"resend"}',
    ]) {
      expect(pattern.test(text)).toBe(true);
    }
  });
});

describe('ADDRESS_BOOK_OBJECT_PATTERN', () => {
  it('matches only texts whose flat object the tolerant parser finds', () => {
    fc.assert(
      fc.property(fc.stringMatching(re(ADDRESS_BOOK_OBJECT_PATTERN)), (text) => {
        expect(parseAddressBook(text).recognised).toBe(true);
      }),
      runs,
    );
  });
});

describe('receive_all ts, described as a JSON number', () => {
  it('takes every number form a client prints within the bounds', () => {
    fc.assert(
      fc.property(fc.double({ min: -8.64e12, max: 8.64e12, noNaN: true }), (value) => {
        for (const text of [String(value), value.toExponential(), value.toExponential().toUpperCase()]) {
          expect(parseEpochSeconds(text)).toBe(Number(text));
        }
      }),
      runs,
    );
  });
});

describe('every pattern on long adversarial texts', () => {
  // Tools matching the description (schemathesis, client validators) run these patterns on
  // whatever they hold: each must refuse or take a 200,000-character text built to make
  // overlapping quantifiers backtrack, in a bounded number of steps. A pattern that
  // backtracks exponentially never returns (matching is synchronous, so it stalls the run
  // rather than failing one test); one that is quadratic takes minutes, past the timeout.
  const N = 200_000;
  const texts = {
    'dotted labels before @': `${'a.'.repeat(N / 2)}@`,
    'dotted domain then a bad character': `a@${'a.'.repeat(N / 2)}!`,
    'unterminated list of strings': `[${'"x",'.repeat(N / 4)}`,
    'unterminated list of numbers': `[${'1,'.repeat(N / 2)}`,
    'unterminated object': `{${'"a":1,'.repeat(Math.floor(N / 6))}!`,
    'blanks then a bad character': `${' '.repeat(N)}\u0000`,
    'digits then a bad character': `${'0'.repeat(N)}x`,
    'a long id then a bad character': `["id${'a'.repeat(N)}!`,
  };
  const patterns: Record<string, string[]> = {
    email: [validEmailShapePattern()],
    phone: [`^${phoneTextPattern()}$`, boundedPhoneTextPattern()],
    receiverIds: receiverIdsPatterns(100),
    userIdList: userIdListPatterns(100),
    jsonList: [JSON_LIST_TEXT_PATTERN],
    addressBookObject: [ADDRESS_BOOK_OBJECT_PATTERN],
    deliveryOption: [deliveryOptionPattern()],
    trimmedLength: [trimmedLengthPattern(1, 100)],
  };
  for (const [name, list] of Object.entries(patterns)) {
    // The check is that matching ends, not how fast: some of
    // these texts hold a match (an unanchored pattern, a bound checked by its companion).
    it(`when ${name} is matched against each long text then the match ends`, () => {
      for (const pattern of list) {
        for (const text of Object.values(texts)) expect(() => re(pattern).test(text)).not.toThrow();
      }
    }, 10_000);
  }
});
