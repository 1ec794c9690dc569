import { pgEnum, pgTable, text, uniqueIndex } from "drizzle-orm/pg-core";
import { timestamps } from "./columns.ts";
import { orgs } from "./orgs.ts";

export const memberRole = pgEnum("member_role", ["owner", "admin", "developer", "viewer"]);

export const members = pgTable(
  "members",
  {
    id: text("id").primaryKey(),
    org_id: text("org_id")
      .notNull()
      .references(() => orgs.id, { onDelete: "cascade" }),
    email: text("email").notNull(),
    name: text("name"),
    role: memberRole("role").notNull(),
    /** argon2id (Bun.password) of the dashboard sign-in password an owner set; null: none. */
    password_hash: text("password_hash"),
    ...timestamps,
  },
  (table) => [uniqueIndex("members_org_email_unique").on(table.org_id, table.email)],
);

export type MemberRow = typeof members.$inferSelect;
export type MemberRole = MemberRow["role"];
