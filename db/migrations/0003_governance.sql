CREATE TABLE "executions" (
	"id" serial PRIMARY KEY NOT NULL,
	"proposal_id" integer NOT NULL,
	"executed_by" text NOT NULL,
	"executed_at" timestamp with time zone NOT NULL,
	"tx_hash" text,
	"note" text,
	"recorded_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "executions_proposal_id_unique" UNIQUE("proposal_id")
);
--> statement-breakpoint
CREATE TABLE "siwe_nonces" (
	"nonce" text PRIMARY KEY NOT NULL,
	"issued_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"used_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "reviews" ALTER COLUMN "signature" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "committee_members" ADD COLUMN "valid_from" timestamp with time zone DEFAULT now() NOT NULL;--> statement-breakpoint
ALTER TABLE "committee_members" ADD COLUMN "valid_until" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "committee_members" ADD COLUMN "removed_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "parameter_values" ADD COLUMN "execution_id" integer;--> statement-breakpoint
ALTER TABLE "proposals" ADD COLUMN "payload" jsonb;--> statement-breakpoint
ALTER TABLE "proposals" ADD COLUMN "payload_hash" text;--> statement-breakpoint
ALTER TABLE "proposals" ADD COLUMN "quorum" integer DEFAULT 2 NOT NULL;--> statement-breakpoint
ALTER TABLE "proposals" ADD COLUMN "reaffirmed_by" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "reviews" ADD COLUMN "payload_hash" text NOT NULL;--> statement-breakpoint
ALTER TABLE "reviews" ADD COLUMN "comment_hash" text NOT NULL;--> statement-breakpoint
ALTER TABLE "reviews" ADD COLUMN "chain_id" integer NOT NULL;--> statement-breakpoint
ALTER TABLE "reviews" ADD COLUMN "issued_at" timestamp with time zone NOT NULL;--> statement-breakpoint
ALTER TABLE "executions" ADD CONSTRAINT "executions_proposal_id_proposals_id_fk" FOREIGN KEY ("proposal_id") REFERENCES "public"."proposals"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "reviews_proposal_member_uq" ON "reviews" USING btree ("proposal_id","member_address");