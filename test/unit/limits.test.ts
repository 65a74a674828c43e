/**
 * The pure parts of the size and quota rules (README "Limits"): send sizes, the UTC day of
 * a quota and which quota a total goes over, and where /receive_all cuts a page.
 */
import { exceededQuota, quotaDay, secondsUntilNextDay, type QuotaAmounts } from '../../src/domain/quota';
import { cutPage } from '../../src/domain/receivePage';
import { MAX_MEDIA_ID_BYTES, sendSizeProblem } from '../../src/domain/sendLimits';

const content = (over: Partial<Parameters<typeof sendSizeProblem>[0]> = {}) => ({
  message: 'hello',
  photoId: '',
  videoId: '',
  soundId: '',
  ...over,
});

describe('sendSizeProblem', () => {
  it('when the text is at most the limit in UTF-16 units then it passes; one more is refused', () => {
    expect(sendSizeProblem(content({ message: 'x'.repeat(20) }), 20)).toBeUndefined();
    expect(sendSizeProblem(content({ message: 'x'.repeat(21) }), 20)).toBe(
      'message too long: at most 20 characters',
    );
    // An emoji is two units, as Android's String and iOS's NSString count it.
    expect(sendSizeProblem(content({ message: '😀'.repeat(10) }), 20)).toBeUndefined();
    expect(sendSizeProblem(content({ message: `${'😀'.repeat(10)}x` }), 20)).toMatch(/too long/);
  });

  it('when a media id is at most 1,024 UTF-8 bytes then it passes; one byte more is refused', () => {
    expect(sendSizeProblem(content({ photoId: 'k'.repeat(MAX_MEDIA_ID_BYTES) }), 20)).toBeUndefined();
    expect(sendSizeProblem(content({ photoId: 'k'.repeat(MAX_MEDIA_ID_BYTES + 1) }), 20)).toBe(
      'photo_id too long: at most 1024 bytes',
    );
    // 342 × 'é' is 684 bytes: fine; 513 × 'é' is 1,026 bytes though only 513 characters.
    expect(sendSizeProblem(content({ videoId: 'é'.repeat(342) }), 20)).toBeUndefined();
    expect(sendSizeProblem(content({ videoId: 'é'.repeat(513) }), 20)).toBe(
      'video_id too long: at most 1024 bytes',
    );
    expect(sendSizeProblem(content({ soundId: '日'.repeat(342) }), 20)).toMatch(/^sound_id too long/);
  });
});

describe('quota days', () => {
  it('when a time is given then its quota day is the UTC day, and Retry-After runs to UTC midnight', () => {
    const t = new Date(Date.UTC(2025, 8, 1, 23, 59, 30));
    expect(quotaDay(t)).toBe(Math.floor(t.getTime() / 86_400_000));
    expect(quotaDay(new Date(Date.UTC(2025, 8, 2, 0, 0, 0)))).toBe(quotaDay(t) + 1);
    expect(secondsUntilNextDay(t)).toBe(30);
    expect(secondsUntilNextDay(new Date(Date.UTC(2025, 8, 2, 0, 0, 0)))).toBe(86_400);
    expect(secondsUntilNextDay(new Date(Date.UTC(2025, 8, 1, 23, 59, 59, 999)))).toBe(1);
  });

  const amounts = (a: Partial<QuotaAmounts>): QuotaAmounts => ({ messages: 0, pushes: 0, lookups: 0, ...a });

  it.each([
    [{ messages: 5 }, { messages: 10 }, undefined],
    [{ messages: 5 }, { messages: 11 }, 'messages'],
    [{ messages: 5, pushes: 6 }, { messages: 10, pushes: 11 }, 'pushes'],
    [{ lookups: 1 }, { messages: 99, lookups: 3 }, undefined], // over on messages, but this uses none
    [{ lookups: 1 }, { lookups: 1_000 }, undefined], // lookups: 0 is no quota
  ])('when a request uses %j and the day totals %j then the quota exceeded is %p', (used, total, kind) => {
    const limits = amounts({ messages: 10, pushes: 10, lookups: 0 });
    expect(exceededQuota(amounts(used), amounts(total), limits)).toBe(kind);
  });
});

describe('cutPage', () => {
  it('when the window holds at most max messages then all of them are answered', () => {
    expect(cutPage([1, 2, 3], 3)).toEqual({ kind: 'all' });
    expect(cutPage([], 3)).toEqual({ kind: 'all' });
  });

  it('when more are there then the page ends before the time of the first one left out', () => {
    expect(cutPage([1, 2, 3, 4], 3)).toEqual({ kind: 'before', count: 3, next: 4 });
    // 3 is shared across the boundary: both 3s go to the next page, none is split off.
    expect(cutPage([1, 2, 3, 3], 3)).toEqual({ kind: 'before', count: 2, next: 3 });
    expect(cutPage([1, 3, 3, 3], 3)).toEqual({ kind: 'before', count: 1, next: 3 });
  });

  it('when more than max share the first time then the page is that instant', () => {
    expect(cutPage([5, 5, 5, 5], 3)).toEqual({ kind: 'instant', at: 5 });
  });
});
