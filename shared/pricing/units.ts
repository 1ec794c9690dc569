// Price units: people write USD per million tokens; the catalog, snapshots and cost code use USD
// per token.

/**
 * USD per million tokens → USD per token, by shifting the decimal exponent rather than dividing,
 * so $0.15 / M becomes exactly `1.5e-7` (not `1.4999999999999999e-7`).
 */
export function perMillionToPerToken(usdPerMillion: number): number {
  const [mantissa, exponent] = usdPerMillion.toExponential().split("e");
  return Number(`${mantissa}e${Number(exponent) - 6}`);
}

/** USD per token → USD per million tokens, the same way (for display). */
export function perTokenToPerMillion(usdPerToken: number): number {
  const [mantissa, exponent] = usdPerToken.toExponential().split("e");
  return Number(`${mantissa}e${Number(exponent) + 6}`);
}
