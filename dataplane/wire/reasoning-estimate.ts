// Reasoning tokens for vendors that count thinking inside their output tokens without saying how
// much of it there was (Anthropic, Bedrock's Converse, Cohere): estimated from the thinking text
// the answer returned or streamed, at four characters a token as the gateway's other estimates,
// and never above the output count, of which it is a part (so cost is not counted twice).

/** Characters a token, for every estimate the gateway makes from text. */
const CHARACTERS_PER_TOKEN = 4;

export function estimatedReasoningTokens(thinkingCharacters: number, outputTokens: number): number {
  return Math.min(Math.ceil(thinkingCharacters / CHARACTERS_PER_TOKEN), outputTokens);
}
