// The environment variable an exported provider's credential is read from: `<NAME>_API_KEY`
// (`openai` → OPENAI_API_KEY, `my-azure` → MY_AZURE_API_KEY). Edit the file to use another.
export function providerEnvName(providerName: string): string {
  const base = providerName.toUpperCase().replace(/[^A-Z0-9]/g, "_");
  return /^[0-9]/.test(base) ? `PROVIDER_${base}_API_KEY` : `${base}_API_KEY`;
}
