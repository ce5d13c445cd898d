import { randomInt } from 'node:crypto';

const letters = 'ABCDEFGHJKLMNPQRSTUVWXYZ'; // no I or O: card numbers are read aloud and typed

/** A card number from the program's pattern: `#` a digit, `A` a letter, anything else as is. */
export function generateCardId(pattern: string, random: (max: number) => number = randomInt): string {
  let out = '';
  for (const char of pattern) {
    if (char === '#') out += String(random(10));
    else if (char === 'A') out += letters[random(letters.length)];
    else out += char;
  }
  return out;
}
