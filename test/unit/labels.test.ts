import { pickRange, type ReceiveLabelRule } from '../../src/domain/catalogRules';
import { futureLabelText, receiveLabelText, teaserText } from '../../src/domain/labels';
import { SEED_RECEIVE_LABELS } from '../../src/services/catalog/seed';

const rule = (inf: number, sup: number, name: string, active = true): ReceiveLabelRule => ({
  inf,
  sup,
  label: `sent ${name}`,
  label_fr: `envoyé ${name}`,
  future_label: `in ${name}`,
  future_label_fr: `dans ${name}`,
  active,
});

const labels = [rule(100, 199, 'b'), rule(0, 99, 'a'), rule(300, 399, 'c'), rule(200, 299, 'hidden', false)];

describe('pickRange', () => {
  it('when a range contains the value then that entry is picked, whatever the stored order', () => {
    expect(pickRange(labels, 150)?.label).toBe('sent b');
    expect(pickRange(labels, 0)?.label).toBe('sent a');
    expect(pickRange(labels, 399)?.label).toBe('sent c');
  });

  it('when the value falls in a gap or an inactive range then the entry just below is used', () => {
    expect(pickRange(labels, 250)?.label).toBe('sent b');
    expect(pickRange(labels, 199.5)?.label).toBe('sent b');
  });

  it('when the value is beyond every range then the highest is used; below every range the lowest', () => {
    expect(pickRange(labels, 1e9)?.label).toBe('sent c');
    expect(pickRange(labels, -5)?.label).toBe('sent a');
  });

  it('when nothing is active then nothing is picked', () => {
    expect(pickRange([rule(0, 10, 'x', false)], 5)).toBeUndefined();
  });
});

describe('receive labels', () => {
  it('when the receiver is French then the French phrasing is used, English otherwise', () => {
    expect(receiveLabelText(labels, 150, 'fr')).toBe('envoyé b');
    expect(receiveLabelText(labels, 150, 'en')).toBe('sent b');
    expect(futureLabelText(labels, 350, 'fr')).toBe('dans c');
    expect(futureLabelText(labels, 350, 'en')).toBe('in c');
  });

  it('when there is no catalog then labels are empty strings, not undefined', () => {
    expect(receiveLabelText([], 10, 'en')).toBe('');
    expect(futureLabelText([], 10, 'fr')).toBe('');
  });

  it('when the seeded labels are used then a week reads as a week in both languages', () => {
    const seeded = SEED_RECEIVE_LABELS;
    expect(receiveLabelText(seeded, 7 * 86400, 'en')).toBe('Sent a week ago');
    expect(receiveLabelText(seeded, 7 * 86400, 'fr')).toBe('Envoyé il y a une semaine');
    expect(futureLabelText(seeded, 7 * 86400, 'en')).toBe('in a week');
    expect(futureLabelText(seeded, 365 * 86400, 'fr')).toBe('dans un an');
    expect(receiveLabelText(seeded, 0, 'en')).toBe('Sent just now');
  });

  it('when the seeded ranges are laid end to end then they cover every second without overlap', () => {
    const sorted = [...SEED_RECEIVE_LABELS].sort((a, b) => a.inf - b.inf);
    for (let i = 1; i < sorted.length; i++) expect(sorted[i]!.inf).toBe(sorted[i - 1]!.sup + 1);
  });
});

describe('teaserText', () => {
  it('when the receiver is English then the teaser reads as the contract says', () => {
    expect(teaserText('Alice', 'in a week', 'en')).toBe(
      'Alice just sent you a message. You will receive it in a week!',
    );
  });

  it('when the receiver is French then it is French, with the space before "!"', () => {
    expect(teaserText('Alice', 'dans une semaine', 'fr')).toBe(
      "Alice vient de t'envoyer un message. Tu le recevras dans une semaine !",
    );
  });
});
