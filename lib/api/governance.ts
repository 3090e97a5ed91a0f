// Schemas of the governance endpoints' inputs, shared by the route handlers and their tests.
import { z } from "zod";

/** A time as ISO-8601 or Unix seconds → Unix seconds. */
export const StatedTime = z
  .union([
    z.number().int().nonnegative(),
    z.iso.datetime({ offset: true }).transform((s) => Math.floor(Date.parse(s) / 1000)),
  ])
  .pipe(
    z
      .number()
      .int()
      .nonnegative()
      .max(2 ** 40),
  );

export const Decision = z.enum(["approve", "reject"]);
export const Comment = z.string().max(2000);

export const ReviewRequestQuery = z.object({
  decision: Decision.meta({ description: "The reviewer's decision.", example: "approve" }),
  comment: Comment.default("").meta({
    description: "The comment whose hash is signed.",
    example: "Backtests support it.",
  }),
  issuedAt: z
    .union([z.string().regex(/^\d+$/).transform(Number), z.string()])
    .pipe(StatedTime)
    .optional()
    .meta({
      description: "The stated signing time, ISO-8601 or Unix seconds; now when absent.",
      example: "1767780000",
    }),
});

export const ReviewBody = z.object({
  decision: Decision,
  comment: Comment.default(""),
  issuedAt: StatedTime,
  signature: z.string().regex(/^0x[0-9a-fA-F]{130}$/, "a 65-byte hex signature"),
});

export const ExecutionBody = z.object({
  executedAt: z.iso.datetime({ offset: true }).transform((s) => new Date(s)),
  txHash: z
    .string()
    .regex(/^0x[0-9a-fA-F]{64}$/, "a 32-byte transaction hash")
    .optional(),
  note: z.string().max(2000).optional(),
});

export const MemberBody = z.object({
  address: z.string().regex(/^0x[0-9a-fA-F]{40}$/, "an Ethereum address"),
  role: z.enum(["reviewer", "executor", "admin"]).optional(),
  name: z.string().max(100).optional(),
  remove: z.boolean().optional(),
});
