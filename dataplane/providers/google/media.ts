// Canonical media sources → Gemini's inlineData / fileData. Gemini wants a MIME type with every
// URL it fetches; it is guessed from the URL's extension. Files API and gs:// URIs need none.
import type { MediaSource } from "#shared/canonical/content.ts";
import type { ConversionWarning } from "#shared/canonical/warnings.ts";
import type { GeminiPart } from "./wire-request.ts";

const MIME_BY_EXTENSION: Record<string, string> = {
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  webp: "image/webp",
  gif: "image/gif",
  heic: "image/heic",
  heif: "image/heif",
  pdf: "application/pdf",
  txt: "text/plain",
  md: "text/markdown",
  html: "text/html",
  csv: "text/csv",
  mp3: "audio/mpeg",
  wav: "audio/wav",
  mp4: "video/mp4",
};

export function guessMimeType(url: string): string | undefined {
  let path = url;
  try {
    path = new URL(url).pathname;
  } catch {
    // Not a URL; guess from the string as it is.
  }
  const extension = /\.([A-Za-z0-9]+)$/.exec(path)?.[1]?.toLowerCase();
  return extension ? MIME_BY_EXTENSION[extension] : undefined;
}

const GOOGLE_FILE_URI = /^(gs:\/\/|https:\/\/generativelanguage\.googleapis\.com\/)/;

export function mediaPart(
  source: MediaSource,
  subject: string,
  warnings: ConversionWarning[],
): GeminiPart {
  if (source.kind === "base64") {
    return { inlineData: { mimeType: source.mediaType, data: source.data } };
  }
  if (source.kind === "file") return { fileData: { fileUri: source.fileId } };
  const dataUrl = /^data:([^;,]+);base64,(.*)$/s.exec(source.url);
  if (dataUrl)
    return { inlineData: { mimeType: dataUrl[1] as string, data: dataUrl[2] as string } };
  const mimeType = guessMimeType(source.url);
  if (mimeType) return { fileData: { mimeType, fileUri: source.url } };
  if (!GOOGLE_FILE_URI.test(source.url)) {
    warnings.push({
      type: "lossy-conversion",
      subject,
      message: `no media type could be guessed from the URL of ${subject}; sent without one, Gemini may refuse it`,
    });
  }
  return { fileData: { fileUri: source.url } };
}
