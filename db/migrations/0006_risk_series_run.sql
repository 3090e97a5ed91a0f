DROP INDEX "risk_metrics_series_idx";--> statement-breakpoint
CREATE INDEX "risk_metrics_series_idx" ON "risk_metrics" USING btree ("market_id","method","level","horizon_days","as_of","run_id");