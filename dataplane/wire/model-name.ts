// `model` as both surfaces accept it: a non-empty string of at most MAX_MODEL_CHARS, so a name
// of megabytes is a 400 naming `model` instead of something routed, quoted and stored.
import * as v from "valibot";
import { MAX_MODEL_CHARS } from "#shared/validation/client-text.ts";

export const modelNameSchema = v.pipe(
  v.string(),
  v.minLength(1),
  v.maxLength(MAX_MODEL_CHARS, `must be at most ${MAX_MODEL_CHARS} characters`),
);
