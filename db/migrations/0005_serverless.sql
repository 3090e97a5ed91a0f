ALTER TABLE "price_history" ADD COLUMN "source_kind" text DEFAULT 'replay' NOT NULL;--> statement-breakpoint
UPDATE "price_history" SET "source_kind" = 'live' WHERE "source" LIKE 'deribit-perpetual%';--> statement-breakpoint
ALTER TABLE "price_history" DROP CONSTRAINT "price_history_market_id_day_pk";--> statement-breakpoint
ALTER TABLE "price_history" ADD CONSTRAINT "price_history_market_id_source_kind_day_pk" PRIMARY KEY("market_id","source_kind","day");--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "source" text;--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "markets" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "lease_expires_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "snapshots" ADD COLUMN "source_kind" text DEFAULT 'replay' NOT NULL;--> statement-breakpoint
UPDATE "snapshots" SET "source_kind" = CASE WHEN "source" = 'deribit' THEN 'live' WHEN "source" LIKE 'simulator%' THEN 'simulator' ELSE 'replay' END;--> statement-breakpoint
ALTER TABLE "surfaces" ADD COLUMN "history_summary" jsonb GENERATED ALWAYS AS ((diagnostics - 'representation' - 'covariance') #- '{regime,runIds}') STORED;--> statement-breakpoint
UPDATE "runs" SET "markets" = sub.m FROM (SELECT "run_id", jsonb_agg("market_id" ORDER BY "market_id") AS m FROM "run_markets" GROUP BY "run_id") sub WHERE sub."run_id" = "runs"."id";--> statement-breakpoint
ALTER TABLE "risk_metrics" ADD COLUMN "as_of" timestamp with time zone;--> statement-breakpoint
UPDATE "risk_metrics" SET "as_of" = r."as_of" FROM "runs" r WHERE r."id" = "risk_metrics"."run_id";--> statement-breakpoint
ALTER TABLE "risk_metrics" ALTER COLUMN "as_of" SET NOT NULL;--> statement-breakpoint
DROP INDEX "snapshots_market_hash_uq";--> statement-breakpoint
CREATE UNIQUE INDEX "snapshots_market_hash_uq" ON "snapshots" USING btree ("market_id","source_kind","content_hash");--> statement-breakpoint
DROP INDEX "runs_as_of_idx";--> statement-breakpoint
CREATE INDEX "runs_as_of_id_idx" ON "runs" USING btree ("as_of","id");--> statement-breakpoint
CREATE INDEX "runs_running_lease_idx" ON "runs" USING btree ("lease_expires_at") WHERE status = 'running';--> statement-breakpoint
CREATE INDEX "snapshots_market_captured_idx" ON "snapshots" USING btree ("market_id","captured_at");--> statement-breakpoint
CREATE INDEX "risk_metrics_series_idx" ON "risk_metrics" USING btree ("market_id","method","level","horizon_days","as_of");
