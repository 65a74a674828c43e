import { addressGroup, addressTag } from '../../src/domain/clientAddress';

describe('addressGroup (the client address the rate limits count)', () => {
  it.each([
    ['192.0.2.7', '192.0.2.7'],
    [' 192.0.2.7 ', '192.0.2.7'],
    ['::ffff:192.0.2.7', '192.0.2.7'],
    ['::FFFF:c000:0207', '192.0.2.7'],
    ['0:0:0:0:0:ffff:192.0.2.7', '192.0.2.7'],
  ])('when the client is IPv4 (%j) then it counts alone, as %j', (given, group) => {
    expect(addressGroup(given)).toBe(group);
  });

  it.each([
    ['2001:db8:aa:1::1', '2001:db8:aa:1::/64'],
    ['2001:0db8:00aa:0001:ffff:ffff:ffff:fffe', '2001:db8:aa:1::/64'],
    ['2001:DB8:AA:1:1234::9', '2001:db8:aa:1::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['2001:db8:aa:1::1%eth0', '2001:db8:aa:1::/64'],
    ['fe80::1', 'fe80:0:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
    ['64:ff9b::192.0.2.7', '64:ff9b:0:0::/64'],
  ])('when the client is IPv6 (%j) then its /64 counts, as %j', (given, group) => {
    expect(addressGroup(given)).toBe(group);
  });

  it('when two addresses differ only in the last 64 bits then they are one client; in the /64, two', () => {
    expect(addressGroup('2a01:e0a:1:2:aaaa::1')).toBe(addressGroup('2a01:e0a:1:2:bbbb:cccc:dddd:eeee'));
    expect(addressGroup('2a01:e0a:1:2::1')).not.toBe(addressGroup('2a01:e0a:1:3::1'));
  });

  it.each([
    'unknown',
    'not an address',
    '1:2:3',
    '1::2::3',
    '1:2:3:4:5:6:7:8:9',
    '12345::1',
    'g::1',
    '1:2:3:4:5:6:7::8:9',
    '::ffff:999.1.1.1.1',
    '1.2.3.4.5',
    'x'.repeat(200),
  ])('when the text is not an address (%j) then it is kept as given, trimmed and lower-cased', (given) => {
    expect(addressGroup(given)).toBe(given.trim().toLowerCase());
  });

  it('when a session keeps its login place then only a hash of the group is kept', () => {
    const tag = addressTag('2001:db8:aa:1::/64');
    expect(tag).toMatch(/^[0-9a-f]{32}$/);
    expect(tag).toBe(addressTag('2001:db8:aa:1::/64'));
    expect(tag).not.toBe(addressTag('2001:db8:aa:2::/64'));
  });
});
