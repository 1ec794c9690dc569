// Similarity-preserving embeddings for the simulator (feature hashing): every lower-cased word
// and every character trigram of it adds a signed weight to one dimension chosen by a hash seeded
// by the model. Texts sharing words and word parts land near each other (a paraphrase scores
// high cosine), texts sharing none land near orthogonal, so semantic caching and similarity
// checks behave in tests and in `bun run dev` as they do on a real embedding model.

const WORD_WEIGHT = 1;
const TRIGRAM_WEIGHT = 0.5;

export function textEmbedding(model: string, text: string, dimensions: number): Float32Array {
  const vector = new Float32Array(dimensions);
  const add = (feature: string, weight: number) => {
    const hash = Bun.hash.xxHash32(feature, Bun.hash.xxHash32(model));
    const sign = hash & 1 ? 1 : -1;
    const slot = (hash >>> 1) % dimensions;
    vector[slot] = (vector[slot] as number) + sign * weight;
  };
  const words = text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  for (const word of words) {
    add(`w:${word}`, WORD_WEIGHT);
    const padded = `^${word}$`;
    for (let start = 0; start + 3 <= padded.length; start++)
      add(`t:${padded.slice(start, start + 3)}`, TRIGRAM_WEIGHT);
  }
  // A text without a word (punctuation, token ids): one feature of the text itself.
  if (words.length === 0) add(`x:${text}`, WORD_WEIGHT);
  let squares = 0;
  for (const value of vector) squares += value * value;
  const norm = Math.sqrt(squares) || 1;
  for (let index = 0; index < dimensions; index++) vector[index] = (vector[index] as number) / norm;
  return vector;
}
