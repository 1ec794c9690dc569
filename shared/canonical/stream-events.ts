// Canonical stream events, named noun-then-verb. `index` is the content block's position in the
// final message, so writers that need explicit block boundaries (Anthropic's
// content_block_start/stop) can open a block at its first event and close it when the next index
// starts or the message ends.
import type { SignatureOrigin } from "./content.ts";
import type { CanonicalUsage, StopReason } from "./response.ts";

export type CanonicalStreamEvent =
  | { type: "message-start"; id: string; model: string }
  | { type: "text-delta"; index: number; text: string }
  | { type: "text-signature"; index: number; signature: string; origin?: SignatureOrigin }
  | { type: "thinking-delta"; index: number; text: string }
  | { type: "signature-delta"; index: number; signature: string; origin?: SignatureOrigin }
  | { type: "redacted-thinking"; index: number; data: string; origin?: SignatureOrigin }
  | {
      type: "tool-call-start";
      index: number;
      id: string;
      name: string;
      signature?: string;
      origin?: SignatureOrigin;
    }
  | { type: "tool-call-delta"; index: number; argumentsDelta: string }
  | { type: "tool-call-end"; index: number }
  /** Usage so far; later events carry larger or equal counts and replace earlier ones field by field. */
  | { type: "usage"; usage: Partial<CanonicalUsage> }
  | { type: "message-end"; stopReason: StopReason; stopSequence?: string }
  /** The upstream failed after the stream started; the writer ends the stream with an error event. */
  | { type: "error"; code: string; message: string };
