// Column helpers every table shares.
import { timestamp } from "drizzle-orm/pg-core";

export const createdAt = () =>
  timestamp("created_at", { withTimezone: true, mode: "date" }).notNull().defaultNow();

export const timestamps = {
  created_at: createdAt(),
  updated_at: timestamp("updated_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
};

export const timestampColumn = (name: string) =>
  timestamp(name, { withTimezone: true, mode: "date" });
