import {
  diffAddressBook,
  parseAddressBook,
  repairAddressBookText,
  scanFlatObjects,
} from '../../src/domain/addressBook';
import { isValidEmail, normaliseEmail } from '../../src/domain/email';
import { constantTimeEqual } from '../../src/domain/password';
import { MAX_PHONE_INPUT_LENGTH, normalisePhone, normaliseRegId, phoneHint } from '../../src/domain/phone';
import {
  RESET_CODE_ALPHABET,
  generateResetCode,
  hashResetCode,
  normaliseResetCode,
  resetCodeMatches,
} from '../../src/domain/resetCode';

describe('email normalisation', () => {
  it('when iOS sends a + as a space then the address gets its + back', () => {
    expect(normaliseEmail('a b@x.com')).toBe('a+b@x.com');
  });

  it('when the address has case and surrounding blanks then it is trimmed and lower-cased', () => {
    expect(normaliseEmail('  Alice.B+News@Example.COM \n')).toBe('alice.b+news@example.com');
  });

  it('when two spaces stand for two plus signs then both come back', () => {
    expect(normaliseEmail('a  b@x.com')).toBe('a++b@x.com');
  });

  it.each(['a@x.com', 'a+b@mail.example.fr', '123@pictever.com'])(
    'when %s is checked then it is valid',
    (e) => {
      expect(isValidEmail(e)).toBe(true);
    },
  );

  it.each(['', 'nobody', 'a@b', '@x.com', 'a@@x.com', 'a@x.com\tb', `${'a'.repeat(250)}@x.com`])(
    'when %j is checked then it is not an email',
    (e) => expect(isValidEmail(e)).toBe(false),
  );
});

describe('phone normalisation', () => {
  const CLEAN = '0033612345678';

  it('when the number is in 00 form then it is kept', () => {
    expect(normalisePhone(CLEAN)).toBe(CLEAN);
  });

  it('when the number starts with + then it becomes 00', () => {
    expect(normalisePhone('+33612345678')).toBe(CLEAN);
  });

  it('when the number has spaces and dashes then they are removed', () => {
    expect(normalisePhone(' 0033 6-12-34 56 78 ')).toBe(CLEAN);
  });

  it.each([
    ['Android formatPhone, French dots', '00336.12.34.56.78'],
    ['Android, parentheses', '(0033)612345678'],
    ['Android, star and hash', '0033612345678*#'],
    ['Android phone field, + with dots', '+33.6.12.34.56.78'],
    ['Android phone field, slash and parentheses', '+33 (6) 12/34/56/78'],
    ['a trunk zero in parentheses, as iOS drops it', '+33 (0)6 12 34 56 78'],
    ['Android, trunk zero kept by formatPhone', '0033(0)612345678'],
    ['iOS, slash', '0033/612345678'],
    ['iOS, trailing comma', '0033612345678,'],
    ['iOS, no-break spaces', '+33\u00a06\u00a012\u00a034\u00a056\u00a078'],
    ['iOS, LRE … PDF around a + number', '\u202a+33 6 12 34 56 78\u202c'],
    ['iOS, LRM before the +', '\u200e+33612345678'],
    ['iOS, RLM and RLO/LRO marks', '\u200f\u202e\u202d+33 6 12 34 56 78'],
    ['iOS, isolates LRI … PDI', '\u2066+33 612 345 678\u2069'],
    ['iOS, FSI/RLI with the 00 form', '\u2068\u2067 0033 6 12 34 56 78\u2069'],
    ['a leading parenthesis before the +', '(+33) 6 12 34 56 78'],
  ])('when a number comes as %s (%j) then it is the 00 form', (_label, raw) => {
    expect(normalisePhone(raw)).toBe(CLEAN);
  });

  it('when a number has 4 or 20 digits then it is usable (the bounds)', () => {
    expect(normalisePhone('1234')).toBe('1234');
    expect(normalisePhone('0'.repeat(20))).toBe('0'.repeat(20));
    expect(normalisePhone(`+${'1'.repeat(18)}`)).toBe(`00${'1'.repeat(18)}`);
  });

  it.each([
    '',
    'abc',
    '(null)',
    '...',
    '\u202a\u202c',
    '12',
    '+1',
    '123',
    '0'.repeat(21),
    `+${'1'.repeat(19)}`,
    `${' '.repeat(60)}0033612345678`,
    '1'.repeat(65),
  ])('when %j is given then it is not a usable phone number', (p) => expect(normalisePhone(p)).toBeNull());

  it('when the text is longer than the bound then it is refused before any processing', () => {
    expect(normalisePhone(`${'1'.repeat(MAX_PHONE_INPUT_LENGTH)}`)).toBeNull(); // 64 digits: too many
    expect(normalisePhone(`${' '.repeat(MAX_PHONE_INPUT_LENGTH - CLEAN.length)}${CLEAN}`)).toBe(CLEAN);
    expect(normalisePhone(`${' '.repeat(MAX_PHONE_INPUT_LENGTH - CLEAN.length + 1)}${CLEAN}`)).toBeNull();
  });

  it('when a log names a number then only its last two digits show', () => {
    expect(phoneHint(CLEAN)).toBe('…78');
  });

  it('when iOS sends "(null)" or "" as reg_id then there is no token', () => {
    expect(normaliseRegId('(null)')).toBe('');
    expect(normaliseRegId('')).toBe('');
    expect(normaliseRegId(undefined)).toBe('');
    expect(normaliseRegId(' abc ')).toBe('abc');
  });
});

describe('constant-time comparison', () => {
  it('when secrets are equal, differ, or differ in length then it says so', () => {
    expect(constantTimeEqual('abc', 'abc')).toBe(true);
    expect(constantTimeEqual('abc', 'abd')).toBe(false);
    expect(constantTimeEqual('abc', 'abcd')).toBe(false);
  });
});

describe('address book parsing', () => {
  const book = (entries: object[]) => JSON.stringify(entries);

  it('when the book is a valid list then every contact comes back', () => {
    const parsed = parseAddressBook(
      book([
        { tel: '0033611111111', name: 'Ann' },
        { tel: '0044722222222', name: 'Bo' },
      ]),
    );
    expect(parsed.contacts).toEqual([
      { tel: '0033611111111', name: 'Ann' },
      { tel: '0044722222222', name: 'Bo' },
    ]);
    expect(parsed.recognised).toBe(true);
  });

  it('when the list is truncated inside the last name then the repair recovers every contact', () => {
    const text = '[{"tel":"0033611111111","name":"Ann"},{"tel":"0044722222222","name":"Bob Sm';
    expect(repairAddressBookText(text)).toBe(`${text}"}]`);
    expect(parseAddressBook(text).contacts).toEqual([
      { tel: '0033611111111', name: 'Ann' },
      { tel: '0044722222222', name: 'Bob Sm' },
    ]);
  });

  it('when the text already ends with "}] then the repair leaves it alone', () => {
    expect(repairAddressBookText('[{"tel":"1","name":"a"}]')).toBe('[{"tel":"1","name":"a"}]');
  });

  it('when the list is corrupt in the middle then every well-formed entry around it is recovered', () => {
    const text =
      '[{"tel":"0033611111111","name":"Ann"},{"tel":"0033622222222","name":"Tom "Jr""},' +
      '{"tel":"0033633333333","name":"Cy\\u00e9"},garbage{,{"tel":"0033644444444", "name" : "Di"}';
    const parsed = parseAddressBook(text);
    expect(parsed.contacts).toEqual([
      { tel: '0033611111111', name: 'Ann' },
      { tel: '0033633333333', name: 'Cyé' },
      { tel: '0033644444444', name: 'Di' },
    ]);
  });

  it('when iOS pretty-prints with escaped slashes then it parses', () => {
    const text = '[\n  {\n    "tel" : "0033611111111",\n    "name" : "A\\/B"\n  }\n]';
    expect(parseAddressBook(text).contacts).toEqual([{ tel: '0033611111111', name: 'A/B' }]);
  });

  it('when entries repeat a number then it is kept once, with the first name that is not empty', () => {
    const parsed = parseAddressBook(
      book([
        { tel: '0033611111111', name: '' },
        { tel: '0033611111111', name: 'Ann' },
        { tel: '0033611111111', name: 'Other' },
      ]),
    );
    expect(parsed.contacts).toEqual([{ tel: '0033611111111', name: 'Ann' }]);
  });

  it('when entries lack a usable number or are not objects then they are skipped', () => {
    const parsed = parseAddressBook(
      JSON.stringify([
        { name: 'no tel' },
        { tel: 'abc', name: 'x' },
        'text',
        null,
        [1],
        { tel: 33612345678, name: 5 },
      ]),
    );
    expect(parsed.contacts).toEqual([{ tel: '33612345678', name: '' }]);
  });

  it('when a name is very long then it is cut to 200 characters', () => {
    const parsed = parseAddressBook(book([{ tel: '0033611111111', name: 'n'.repeat(1000) }]));
    expect(parsed.contacts[0]!.name).toHaveLength(200);
  });

  it('when the text holds no contact at all then it is not recognised', () => {
    expect(parseAddressBook('hello').recognised).toBe(false);
    expect(parseAddressBook('{"tel":').recognised).toBe(false);
  });

  it('when the list is empty then it is a recognised empty book', () => {
    expect(parseAddressBook('[]')).toEqual({ contacts: [], objects: 0, recognised: true });
  });

  it('when an entry has an escape JSON refuses then only that entry is skipped', () => {
    expect(scanFlatObjects('{"tel":"1\\q"} {"tel":"2"}')).toEqual([{ tel: '2' }]);
  });

  it('when 5 MB of corrupt text is scanned then it finishes quickly', () => {
    const entry = '{"tel":"0033611111111","name":"Ann"},';
    const junk = '{"tel":"{"{"x":"';
    const text = `[${entry.repeat(60_000)}${junk.repeat(100_000)}`.slice(0, 5 * 1024 * 1024);
    const started = Date.now();
    const parsed = parseAddressBook(text);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(parsed.contacts).toEqual([{ tel: '0033611111111', name: 'Ann' }]);
    expect(parsed.objects).toBe(60_000);
  });

  it('when 5 MB of opening braces is scanned then it finishes quickly', () => {
    const started = Date.now();
    expect(parseAddressBook('{"'.repeat(2_500_000)).recognised).toBe(false);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

describe('address book numbers as the apps write them', () => {
  it('when tels come dotted, marked or with a +, then they are read in 00 form and kept as sent', () => {
    const text = JSON.stringify([
      { tel: '00336.11.11.11.11', name: 'Dots' },
      { tel: '\u202a+33 6 22 22 22 22\u202c', name: 'Marks' },
      { tel: '0033633333333', name: 'Clean' },
      { tel: 33644444444, name: 'Number' },
    ]);
    expect(parseAddressBook(text).contacts).toEqual([
      { tel: '0033611111111', name: 'Dots', sent: '00336.11.11.11.11' },
      { tel: '0033622222222', name: 'Marks', sent: '\u202a+33 6 22 22 22 22\u202c' },
      { tel: '0033633333333', name: 'Clean' },
      { tel: '33644444444', name: 'Number' },
    ]);
  });

  it('when the same number is uploaded written differently then the entry is replaced', () => {
    const stored = [{ tel: '0033611111111', name: 'A', sent: '00336.11.11.11.11' }];
    expect(diffAddressBook(stored, [{ tel: '0033611111111', name: 'A' }])).toEqual({
      remove: ['0033611111111'],
      add: [{ tel: '0033611111111', name: 'A' }],
    });
    expect(diffAddressBook(stored, stored)).toEqual({ remove: [], add: [] });
  });
});

describe('address book difference', () => {
  it('when a book is uploaded again with changes then only the changes are written', () => {
    const stored = [
      { tel: '1111', name: 'Same' },
      { tel: '2222', name: 'Old name' },
      { tel: '3333', name: 'Gone' },
    ];
    const uploaded = [
      { tel: '1111', name: 'Same' },
      { tel: '2222', name: 'New name' },
      { tel: '4444', name: 'New' },
    ];
    expect(diffAddressBook(stored, uploaded)).toEqual({
      remove: ['2222', '3333'],
      add: [
        { tel: '2222', name: 'New name' },
        { tel: '4444', name: 'New' },
      ],
    });
  });
});

describe('reset codes', () => {
  it('when the random source is injected then the code is made of its picks', () => {
    const picks = [0, 25, 26, 35];
    expect(generateResetCode(4, () => picks.shift()!)).toBe('AZ09');
  });

  it('when a length is configured then the code has that many characters from A-Z0-9', () => {
    let i = 0;
    const code = generateResetCode(8, (max) => i++ % max);
    expect(code).toMatch(/^[A-Z0-9]{8}$/);
    expect(RESET_CODE_ALPHABET).toHaveLength(36);
  });

  it('when the random source goes out of range then generation fails loudly', () => {
    expect(() => generateResetCode(4, () => 36)).toThrow(RangeError);
    expect(() => generateResetCode(4, () => 0.5)).toThrow(RangeError);
  });

  it('when the typed code has other case or blanks then it still matches', () => {
    const hash = hashResetCode('pepper', 'id1', 'AB12');
    expect(normaliseResetCode(' ab12 ')).toBe('AB12');
    expect(resetCodeMatches('pepper', 'id1', ' ab12 ', hash)).toBe(true);
  });

  it('when the code, its id or the pepper differ then it does not match', () => {
    const hash = hashResetCode('pepper', 'id1', 'AB12');
    expect(hash).not.toContain('AB12');
    expect(resetCodeMatches('pepper', 'id1', 'AB13', hash)).toBe(false);
    expect(resetCodeMatches('pepper', 'id2', 'AB12', hash)).toBe(false);
    expect(resetCodeMatches('other', 'id1', 'AB12', hash)).toBe(false);
    expect(resetCodeMatches('pepper', 'id1', 'AB12', 'not hex')).toBe(false);
  });
});
