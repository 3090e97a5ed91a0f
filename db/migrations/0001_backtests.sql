CREATE TABLE "backtests" (
	"id" serial PRIMARY KEY NOT NULL,
	"run_id" integer NOT NULL,
	"market_id" text NOT NULL,
	"method" text NOT NULL,
	"level" double precision NOT NULL,
	"estimation_window" integer NOT NULL,
	"days" integer NOT NULL,
	"tested_from" date NOT NULL,
	"tested_to" date NOT NULL,
	"exceptions" integer NOT NULL,
	"expected" double precision NOT NULL,
	"kupiec_p_value" double precision NOT NULL,
	"christoffersen_ind_p_value" double precision NOT NULL,
	"christoffersen_cc_p_value" double precision NOT NULL,
	"zone" text NOT NULL,
	"plus_factor" double precision NOT NULL,
	"z2" double precision NOT NULL,
	"z2_p_value" double precision NOT NULL,
	"details" jsonb NOT NULL
);
--> statement-breakpoint
ALTER TABLE "backtests" ADD CONSTRAINT "backtests_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "backtests_uq" ON "backtests" USING btree ("run_id","market_id","method","level");--> statement-breakpoint
CREATE INDEX "backtests_market_idx" ON "backtests" USING btree ("market_id");