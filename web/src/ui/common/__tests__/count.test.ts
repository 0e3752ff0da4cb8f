import { describe, expect, it } from 'vitest';
import { agree, count } from '../count.ts';

describe('count', () => {
  it('says one thing in the singular and every other number in the plural', () => {
    expect(count(1, 'photo')).toBe('1 photo');
    expect(count(0, 'photo')).toBe('0 photos');
    expect(count(2, 'member')).toBe('2 members');
    expect(count(3, 'device')).toBe('3 devices');
    expect(count(1, 'home')).toBe('1 home');
  });
  it('takes an irregular plural', () => {
    expect(count(2, 'person', 'people')).toBe('2 people');
    expect(count(1, 'person', 'people')).toBe('1 person');
  });
  it('groups thousands as the family reads them', () => {
    expect(count(100000, 'photo')).toBe('100,000 photos');
  });
  it('makes the verb agree', () => {
    expect(`${count(1, 'photo')} ${agree(1, 'exists', 'exist')}`).toBe('1 photo exists');
    expect(`${count(4, 'photo')} ${agree(4, 'exists', 'exist')}`).toBe('4 photos exist');
  });
});
