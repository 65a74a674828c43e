/**
 * Every function of src/domain/ that reads text a request can carry (and the query parser
 * of src/http/form.ts) gets 200,000-character inputs crafted against regular expressions,
 * JSON and the form parser: long digit runs with a bad last character, runs of separators,
 * escapes and quotes, nested brackets, flat objects that never close.
 *
 * A guard against hours, not a speed benchmark: the work is linear, and one call on a
 * 200,000-character input takes at most about 10 ms (35 ms for the slowest, parseForm on
 * `a=1&a=1&…`, on a shared 2-core machine); each call must finish within BOUND_MS, a hundred
 * times the typical 10 ms. The float pattern this replaced took 1.3 s for 20,000 digits and
 * two minutes for 200,000.
 *
 * A last test lists every exported function of src/domain/ and fails when one is neither
 * fed here nor named as not reading request text, so a new parser cannot be missed.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { parseAddressBook, repairAddressBookText, scanFlatObjects } from '../../src/domain/addressBook';
import { parseDeliveryOption } from '../../src/domain/deliveryTime';
import { isValidEmail, normaliseEmail } from '../../src/domain/email';
import { parseForm, unquotePlus } from '../../src/domain/form';
import { teaserText } from '../../src/domain/labels';
import { emailLanguage, labelLanguage, pageLanguage } from '../../src/domain/language';
import { isObjectIdHex } from '../../src/domain/objectId';
import { constantTimeEqual } from '../../src/domain/password';
import { normalisePhone, normaliseRegId, sentNumbers } from '../../src/domain/phone';
import { addressGroup, addressTag } from '../../src/domain/clientAddress';
import { isHttpsOrLoopback, isLoopbackHost } from '../../src/domain/urls';
import {
  parseReceiver,
  parseReceiverIds,
  parseStringList,
  parseUserIdList,
} from '../../src/domain/receivers';
import { hashResetCode, normaliseResetCode, resetCodeMatches } from '../../src/domain/resetCode';
import { sendFingerprint } from '../../src/domain/sendDedup';
import { sendSizeProblem } from '../../src/domain/sendLimits';
import { isFounder } from '../../src/domain/status';
import { parseEpochSeconds } from '../../src/domain/timestamps';
import { parseQuery } from '../../src/http/form';
import { parseRequestJson, withoutNul } from '../../src/domain/requestText';

const N = 200_000;
const BOUND_MS = 1_000;

/** `unit` repeated to exactly `n` characters. */
const fill = (unit: string, n = N) => unit.repeat(Math.ceil(n / unit.length)).slice(0, n);

/** The crafted texts, each 200,000 characters (give or take a closing character). */
const INPUTS: Record<string, string> = {
  digits: fill('1'),
  'digits then x': `${fill('1', N - 1)}x`,
  'digits, a dot, digits, x': `${fill('1', N / 2)}.${fill('1', N / 2 - 2)}x`,
  'digits then e': `${fill('1', N - 1)}e`,
  'signs and dots': fill('+-.'),
  exponents: fill('1e1'),
  'spaces then x': `${fill(' ', N - 1)}x`,
  ampersands: fill('&'),
  'empty pairs': fill('a&'),
  pairs: fill('a=1&'),
  equals: fill('='),
  percent: fill('%'),
  'bad escapes': fill('%2'),
  escapes: fill('%41'),
  pluses: fill('+'),
  quotes: fill('"'),
  backslashes: fill('\\'),
  'open brackets': fill('['),
  'nested lists': `${fill('[', N / 2)}${fill(']', N / 2)}`,
  'open objects': fill('{"a":'),
  'flat objects that never close': fill(`{"a":1${' '.repeat(100)}`),
  'objects full of pairs': fill(`{${'"a" : 1 ,'.repeat(15)}"a":1${' '.repeat(99)}`),
  'a string that never ends': `{"tel":"${fill('a{', N - 8)}`,
  'at signs': fill('a@'),
  dots: fill('a.'),
  'at then dots': `a@${fill('b.', N - 3)}!`,
  'dashes and spaces': fill(' -'),
  'id prefixes': fill('id'),
  'num prefixes': fill('num1'),
  accents: fill('é'),
  'astral characters': fill('😀'),
  'nul and controls': fill('\u0000\u001f'),
  'json list of strings': `[${fill('"id",', N - 6)}"x"]`,
};

/** JSON-carrying fields get each text raw and as a value inside the JSON they expect. */
const inJson = (s: string) => [s, JSON.stringify([s]), JSON.stringify({ type: 'calendar', parameters: s })];

const RECEIVER_LIMIT = 2_000;

/** Every text reader, by the name of the export it calls. */
const PARSERS: Record<string, (s: string) => unknown> = {
  parseForm: (s) => parseForm(s),
  withoutNul: (s) => withoutNul(s),
  parseRequestJson: (s) =>
    inJson(s).map((j) => {
      try {
        return parseRequestJson(j);
      } catch {
        return undefined;
      }
    }),
  unquotePlus: (s) => unquotePlus(Buffer.from(s)),
  parseQuery: (s) => parseQuery(s),
  parseEpochSeconds: (s) => parseEpochSeconds(s),
  parseDeliveryOption: (s) => inJson(s).map(parseDeliveryOption),
  parseStringList: (s) => inJson(s).map((j) => parseStringList(j, 'f')),
  isObjectIdHex: (s) => isObjectIdHex(s),
  parseReceiver: (s) => [s, `id${s}`, `num${s}`].map(parseReceiver),
  parseReceiverIds: (s) => inJson(s).map((j) => parseReceiverIds(j, RECEIVER_LIMIT)),
  parseUserIdList: (s) => inJson(s).map((j) => parseUserIdList(j, 'contacts_to_block', 1_000)),
  parseAddressBook: (s) => [s, JSON.stringify([{ tel: s, name: s }])].map(parseAddressBook),
  scanFlatObjects: (s) => scanFlatObjects(s),
  repairAddressBookText: (s) => repairAddressBookText(s),
  normaliseEmail: (s) => normaliseEmail(s),
  isValidEmail: (s) => isValidEmail(normaliseEmail(s)) || isValidEmail(s),
  normalisePhone: (s) => normalisePhone(s),
  normaliseRegId: (s) => normaliseRegId(s),
  sentNumbers: (s) => sentNumbers([s, ...s.slice(0, 1000).split('')], 20_000),
  addressGroup: (s) => addressGroup(s),
  addressTag: (s) => addressTag(addressGroup(s)),
  isHttpsOrLoopback: (s) => [s, `https://${s}`, `http://${s}/`].map(isHttpsOrLoopback),
  isLoopbackHost: (s) => isLoopbackHost(s),
  normaliseResetCode: (s) => normaliseResetCode(s),
  hashResetCode: (s) => hashResetCode('pepper', 'id', s),
  resetCodeMatches: (s) => resetCodeMatches('pepper', 'id', s, '00'.repeat(32)),
  constantTimeEqual: (s) => constantTimeEqual(s, 'x'),
  sendSizeProblem: (s) => sendSizeProblem({ message: s, photoId: s, videoId: s, soundId: s }, 20_000),
  sendFingerprint: (s) =>
    sendFingerprint(
      {
        senderId: s,
        receivers: [{ kind: 'num', phone: s }],
        message: s,
        photoId: s,
        videoId: s,
        soundId: s,
        option: { kind: 'now' },
      },
      Buffer.alloc(32),
    ),
  teaserText: (s) => teaserText(s, s, 'fr'),
  emailLanguage: (s) => emailLanguage(s),
  labelLanguage: (s) => labelLanguage(s),
  pageLanguage: (s) => [s, `fr;q=${s}`, `${s},fr`].map(pageLanguage), // the Accept-Language header
  isFounder: (s) => isFounder(s, ['0033612345678', s.slice(0, 20)]),
};

/** Exports that never read request text, and why each is safe to leave out. */
const NOT_TEXT_READERS = new Set([
  'diffAddressBook', // compares parsed contacts (already bounded), no pattern
  'pickRange', // catalog numbers
  'pickColor', // a random draw
  'describeOption', // a parsed option
  'choiceDeliveryTime', // catalog data and dates
  'deliveryTime', // a parsed option and dates
  'settledDeliveryTime', // dates
  'reviveWithoutNul', // JSON.parse's values (parseRequestJson is fed)
  'receiveLabelText', // catalog labels and a delay
  'futureLabelText', // catalog labels and a delay
  'quotaDay', // dates
  'secondsUntilNextDay', // dates
  'exceededQuota', // numbers
  'randomInt', // numbers
  'cutPage', // delivery times
  'resendDelaySeconds', // numbers
  'generateResetCode', // a random draw
  'dedupKeys', // a hash and a date
  'dedupExpiry', // a date
  'rankForCount', // numbers
  'tierForRank', // numbers
  'tierName', // catalog data
  'statusLabel', // catalog data; its phone check is isFounder, fed above
  'isEpochSeconds', // a number
  'fromEpochSeconds', // a number
  'floatSecondsText', // a date
  'jsonFloatSeconds', // a date
  'phoneHint', // a number already normalised (at most 20 digits)
  'staysAfterDeletion', // ids, a date and a flag of a stored message
  // The JSON Schema patterns of /openapi.json: built from limits, never fed request text.
  'deliveryOptionPattern',
  'validEmailShapePattern',
  'boundedPhoneTextPattern',
  'phoneTextPattern',
  'receiverIdsPatterns',
  'userIdListPatterns',
  'jsonListCountPattern',
  'jsonListPattern',
  'matchingAll',
  'trimmedLengthPattern',
  // The operator console's arithmetic: dates, numbers and stored heartbeats.
  'peakWindow',
  'bucketPeaks',
  'bucketQuantile',
  'quantileBeyond',
  'sumIntervals',
  'workerStates',
  'platformOfProvider', // one of our provider names
  'tokenFingerprint', // hashes a device token its zod schema bounded (4,096 characters)
]);

function elapsedMs(fn: () => unknown): number {
  const start = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

describe('200,000-character adversarial inputs', () => {
  beforeAll(() => {
    // Compile every pattern and warm the JIT on small inputs first.
    for (const parse of Object.values(PARSERS)) for (const s of Object.values(INPUTS)) parse(s.slice(0, 200));
  });

  it.each(Object.keys(PARSERS))(
    'when %s reads each crafted text then every call ends within the bound',
    (name) => {
      const parse = PARSERS[name]!;
      const slow = Object.entries(INPUTS)
        .map(([input, text]) => ({ input, ms: Math.round(elapsedMs(() => parse(text))) }))
        .filter((r) => r.ms > BOUND_MS);
      expect(slow).toEqual([]);
    },
  );

  it('when the inputs are built then each is 200,000 characters (the guard tests what it says)', () => {
    for (const text of Object.values(INPUTS)) expect(Math.abs(text.length - N)).toBeLessThanOrEqual(2);
  });
});

describe('the list of text readers', () => {
  it('when src/domain exports a function then it is fed above or named as not reading request text', async () => {
    const dir = path.join(__dirname, '..', '..', 'src', 'domain');
    const exported: string[] = [];
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
      const mod = (await import(path.join(dir, file))) as Record<string, unknown>;
      for (const [name, value] of Object.entries(mod)) if (typeof value === 'function') exported.push(name);
    }
    const unclassified = exported.filter((n) => !(n in PARSERS) && !NOT_TEXT_READERS.has(n));
    expect(unclassified).toEqual([]);
    expect(exported.length).toBeGreaterThan(40);
  });
});
