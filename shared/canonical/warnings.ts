// What converters return: a value and what they had to drop to produce it (DESIGN §4).
export interface ConversionWarning {
  /** e.g. "unsupported-field", "unsupported-content", "lossy-conversion". */
  type: string;
  /** The field or content that was dropped or changed, e.g. "seed" or "tool-result.image". */
  subject: string;
  message: string;
}

export interface Converted<T> {
  value: T;
  warnings: ConversionWarning[];
}

export function dropped(subject: string, target: string): ConversionWarning {
  return {
    type: "unsupported-field",
    subject,
    message: `${subject} is not supported by ${target}; dropped`,
  };
}
