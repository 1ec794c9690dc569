// The answers a batch plane's log keeps in files of their own (docs/batches-and-files.md,
// "Restarts"): an answer too large to travel beside its request-log row in one bus message is
// written to `<log directory>/answers/<request id>` before the row, read by the lookup after a
// crash on this node (wal-directory.ts writeAheadAnswer), moved with a dead writer's segments,
// and deleted once its line is recorded or the log stops cleanly. Nothing here goes over the bus.
import {
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmdirSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";

const ANSWERS_DIRECTORY = "answers";
/** Request ids a file may be named after (the gateway's own ids; anything else is not kept). */
const ANSWER_FILE_NAME = /^[A-Za-z0-9_-]{1,128}$/;

/** Writes `answer` as request `requestId`'s (throws as the file system does); false: not kept. */
export function keepAnswer(directory: string, requestId: string, answer: string): boolean {
  if (!ANSWER_FILE_NAME.test(requestId)) return false;
  mkdirSync(join(directory, ANSWERS_DIRECTORY), { recursive: true });
  writeFileSync(join(directory, ANSWERS_DIRECTORY, requestId), answer);
  return true;
}

/** Request `requestId`'s kept answer in `directory`, or null when none is. */
export function readAnswer(directory: string, requestId: string): string | null {
  if (!ANSWER_FILE_NAME.test(requestId)) return null;
  try {
    return readFileSync(join(directory, ANSWERS_DIRECTORY, requestId), "utf8");
  } catch {
    return null;
  }
}

export function forgetAnswer(directory: string, requestId: string): void {
  if (!ANSWER_FILE_NAME.test(requestId)) return;
  rmSync(join(directory, ANSWERS_DIRECTORY, requestId), { force: true });
}

/** Every answer kept in `directory` deleted. */
export function forgetAnswers(directory: string): void {
  rmSync(join(directory, ANSWERS_DIRECTORY), { recursive: true, force: true });
}

export function holdsAnswers(directory: string): boolean {
  try {
    return readdirSync(join(directory, ANSWERS_DIRECTORY)).length > 0;
  } catch {
    return false;
  }
}

/** The answers kept beside `other`'s rows, moved with them (and their directory removed). */
export function moveAnswers(other: string, into: string): void {
  const from = join(other, ANSWERS_DIRECTORY);
  let names: string[];
  try {
    names = readdirSync(from);
  } catch {
    return; // none kept
  }
  mkdirSync(join(into, ANSWERS_DIRECTORY), { recursive: true });
  for (const name of names) renameSync(join(from, name), join(into, ANSWERS_DIRECTORY, name));
  try {
    rmdirSync(from);
  } catch {
    // a file written meanwhile: left where it is
  }
}
