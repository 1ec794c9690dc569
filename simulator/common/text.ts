// Deterministic prose: sentences of ordinary words with the exact number of tokens asked for
// (by the counter in tokens.ts: every word is one token, every comma or full stop another).
import type { Random } from "./random.ts";

// One string rather than an array literal keeps the list compact under the formatter.
const WORDS: readonly string[] = `
  the model answer request gateway route budget latency token stream provider policy
  trace config cost signal result value system network cache window context prompt reply
  quick careful simple steady bright clear quiet useful modern large small fast slow
  early later often rarely always never because while after before under over between
  within across through around every each some many few most other such only also still
  again then here there today river mountain garden city harbor engine bridge
  letter number pattern method reason moment question surface record balance measure
  sample series detail summary change is are was were has have will can should might
  makes keeps finds takes gives shows holds moves turns builds reads writes runs sends
  checks learns follows explains returns a an of to in on for with and or but so as at by
  from into it
`
  .trim()
  .split(/\s+/);

function capitalize(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

/** Text of exactly `tokenCount` tokens (at least 1) that always ends with a full stop. */
export function generateText(random: Random, tokenCount: number): string {
  let text = "";
  let remaining = Math.max(1, tokenCount);
  let sentenceWords = 0;
  let sentenceLength = random.between(6, 14);
  while (remaining > 0) {
    const mustEnd = remaining === 1 || (sentenceWords >= sentenceLength && sentenceWords > 0);
    if (mustEnd) {
      text += ".";
      remaining--;
      sentenceWords = 0;
      sentenceLength = random.between(6, 14);
      continue;
    }
    const word = random.pick(WORDS);
    text += sentenceWords === 0 ? `${text === "" ? "" : " "}${capitalize(word)}` : ` ${word}`;
    sentenceWords++;
    remaining--;
    // A comma now and then, never where it would end a sentence or the text.
    if (
      remaining > 2 &&
      sentenceWords > 2 &&
      sentenceWords < sentenceLength - 1 &&
      random.next() < 0.08
    ) {
      text += ",";
      remaining--;
    }
  }
  return text;
}

/** A few words, for string values in generated JSON. */
export function generatePhrase(random: Random, wordCount: number): string {
  const words: string[] = [];
  for (let index = 0; index < wordCount; index++) words.push(random.pick(WORDS));
  return words.join(" ");
}
