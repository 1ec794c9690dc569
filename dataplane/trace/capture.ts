// Prompt and response capture for the request log, only for projects that enable
// `capture_content`, after the project's redaction (built-in detectors and its own patterns).
// Compiled once per project settings object, so a snapshot swap picks up changes.

export interface CapturedContent {
  prompt: string;
  response: string | null;
}

interface Redactor {
  capture: boolean;
  apply: (text: string) => string;
}

/** The built-in detectors a project may turn on (controlplane/modules/projects/model.ts). */
const BUILTIN: Record<string, RegExp> = {
  email: /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g,
  phone: /(?<![\w.])\+?\d[\d ().-]{7,}\d(?![\w.])/g,
  credit_card: /\b(?:\d[ -]?){13,19}\b/g,
  ip_address: /\b(?:\d{1,3}\.){3}\d{1,3}\b|\b(?:[0-9a-f]{1,4}:){7}[0-9a-f]{1,4}\b/gi,
  api_key: /\b(?:sk|mlx_sk|mlx_mk|sk-ant|AKIA|ASIA|AIza|xai|gsk)[-_A-Za-z0-9]{10,}\b/g,
};

const redactors = new WeakMap<object, Redactor>();

function redactorFor(settings: Record<string, unknown>): Redactor {
  let redactor = redactors.get(settings);
  if (redactor) return redactor;
  const redaction = (settings.redaction ?? {}) as {
    enabled?: boolean;
    builtin?: string[];
    patterns?: string[];
    replacement?: string;
  };
  const patterns: RegExp[] = [];
  if (redaction.enabled) {
    for (const name of redaction.builtin ?? []) {
      const pattern = BUILTIN[name];
      if (pattern) patterns.push(pattern);
    }
    for (const source of redaction.patterns ?? []) {
      try {
        patterns.push(new RegExp(source, "g"));
      } catch {
        // Refused at save time; an unreadable one here is skipped, not fatal.
      }
    }
  }
  const replacement = redaction.replacement ?? "[REDACTED]";
  redactor = {
    capture: settings.capture_content === true,
    apply: (text) => patterns.reduce((value, pattern) => value.replace(pattern, replacement), text),
  };
  redactors.set(settings, redactor);
  return redactor;
}

/** Null when the project does not capture content. */
/** Whether a project with these settings captures prompts and answers. */
export function capturesContent(settings: Record<string, unknown> | undefined): boolean {
  return settings !== undefined && redactorFor(settings).capture;
}

export function captureContent(
  settings: Record<string, unknown> | undefined,
  prompt: unknown,
  response: string | null,
): CapturedContent | null {
  if (!settings) return null;
  const redactor = redactorFor(settings);
  if (!redactor.capture) return null;
  return {
    prompt: redactor.apply(JSON.stringify(prompt)),
    response: response === null ? null : redactor.apply(response),
  };
}
