ALTER TABLE "option_quotes" ADD COLUMN "quoted_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "run_markets" ADD COLUMN "quality" jsonb;--> statement-breakpoint
ALTER TABLE "snapshots" ADD COLUMN "extras" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "snapshots" DROP COLUMN "quality";