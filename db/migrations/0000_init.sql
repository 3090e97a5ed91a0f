CREATE TABLE "audit_events" (
	"seq" bigserial PRIMARY KEY NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"actor" text NOT NULL,
	"kind" text NOT NULL,
	"entity" text NOT NULL,
	"payload" jsonb NOT NULL,
	"prev_hash" text NOT NULL,
	"hash" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "committee_members" (
	"address" text PRIMARY KEY NOT NULL,
	"display_name" text NOT NULL,
	"role" text NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"added_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "markets" (
	"id" text PRIMARY KEY NOT NULL,
	"venue" text NOT NULL,
	"underlying" text NOT NULL,
	"quote_currency" text DEFAULT 'USD' NOT NULL,
	"config" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "option_quotes" (
	"snapshot_id" integer NOT NULL,
	"instrument" text NOT NULL,
	"expiry" timestamp with time zone NOT NULL,
	"strike" double precision NOT NULL,
	"option_type" text NOT NULL,
	"bid" double precision,
	"ask" double precision,
	"mark" double precision,
	"mark_iv" double precision,
	"forward" double precision NOT NULL,
	"open_interest" double precision,
	CONSTRAINT "option_quotes_snapshot_id_instrument_pk" PRIMARY KEY("snapshot_id","instrument")
);
--> statement-breakpoint
CREATE TABLE "parameter_values" (
	"id" serial PRIMARY KEY NOT NULL,
	"parameter_id" integer NOT NULL,
	"value" double precision NOT NULL,
	"effective_at" timestamp with time zone NOT NULL,
	"source" text NOT NULL,
	"proposal_id" integer
);
--> statement-breakpoint
CREATE TABLE "parameters" (
	"id" serial PRIMARY KEY NOT NULL,
	"market_id" text NOT NULL,
	"name" text NOT NULL,
	"unit" text NOT NULL,
	"min_value" double precision NOT NULL,
	"max_value" double precision NOT NULL,
	"policy" jsonb NOT NULL,
	"description" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "price_history" (
	"market_id" text NOT NULL,
	"day" date NOT NULL,
	"price" double precision NOT NULL,
	"source" text NOT NULL,
	CONSTRAINT "price_history_market_id_day_pk" PRIMARY KEY("market_id","day")
);
--> statement-breakpoint
CREATE TABLE "proposal_changes" (
	"proposal_id" integer NOT NULL,
	"parameter_id" integer NOT NULL,
	"current_value" double precision NOT NULL,
	"target_value" double precision NOT NULL,
	"proposed_value" double precision NOT NULL,
	"guardrail_trace" jsonb NOT NULL,
	CONSTRAINT "proposal_changes_proposal_id_parameter_id_pk" PRIMARY KEY("proposal_id","parameter_id")
);
--> statement-breakpoint
CREATE TABLE "proposals" (
	"id" serial PRIMARY KEY NOT NULL,
	"run_id" integer NOT NULL,
	"market_id" text NOT NULL,
	"status" text NOT NULL,
	"rationale" text NOT NULL,
	"evidence" jsonb NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"decided_at" timestamp with time zone,
	"superseded_by" integer
);
--> statement-breakpoint
CREATE TABLE "reviews" (
	"id" serial PRIMARY KEY NOT NULL,
	"proposal_id" integer NOT NULL,
	"member_address" text NOT NULL,
	"decision" text NOT NULL,
	"comment" text DEFAULT '' NOT NULL,
	"signature" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "risk_metrics" (
	"id" serial PRIMARY KEY NOT NULL,
	"run_id" integer NOT NULL,
	"market_id" text NOT NULL,
	"method" text NOT NULL,
	"level" double precision NOT NULL,
	"horizon_days" integer NOT NULL,
	"var" double precision NOT NULL,
	"es" double precision NOT NULL,
	"sample_size" integer NOT NULL,
	"window_from" date NOT NULL,
	"window_to" date NOT NULL,
	"details" jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "run_markets" (
	"run_id" integer NOT NULL,
	"market_id" text NOT NULL,
	"status" text NOT NULL,
	"reason" text,
	"snapshot_id" integer,
	"quotes_used" integer DEFAULT 0 NOT NULL,
	"quotes_dropped" integer DEFAULT 0 NOT NULL,
	"input_hash" text,
	CONSTRAINT "run_markets_run_id_market_id_pk" PRIMARY KEY("run_id","market_id")
);
--> statement-breakpoint
CREATE TABLE "run_stages" (
	"id" serial PRIMARY KEY NOT NULL,
	"run_id" integer NOT NULL,
	"market_id" text NOT NULL,
	"stage" text NOT NULL,
	"seq" integer NOT NULL,
	"status" text NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"duration_ms" double precision NOT NULL,
	"summary" jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "runs" (
	"id" serial PRIMARY KEY NOT NULL,
	"run_key" text NOT NULL,
	"job" text NOT NULL,
	"slot" timestamp with time zone NOT NULL,
	"as_of" timestamp with time zone NOT NULL,
	"trigger" text NOT NULL,
	"status" text NOT NULL,
	"reason" text,
	"input_hash" text,
	"code_version" text NOT NULL,
	"config_hash" text NOT NULL,
	"config" jsonb NOT NULL,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "snapshots" (
	"id" serial PRIMARY KEY NOT NULL,
	"market_id" text NOT NULL,
	"source" text NOT NULL,
	"captured_at" timestamp with time zone NOT NULL,
	"index_price" double precision NOT NULL,
	"content_hash" text NOT NULL,
	"quality" jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "surface_slices" (
	"surface_id" integer NOT NULL,
	"expiry" timestamp with time zone NOT NULL,
	"t" double precision NOT NULL,
	"forward" double precision NOT NULL,
	"atm_vol" double precision,
	"params" jsonb NOT NULL,
	"quotes_used" integer NOT NULL,
	"diagnostics" jsonb NOT NULL,
	CONSTRAINT "surface_slices_surface_id_expiry_pk" PRIMARY KEY("surface_id","expiry")
);
--> statement-breakpoint
CREATE TABLE "surfaces" (
	"id" serial PRIMARY KEY NOT NULL,
	"run_id" integer NOT NULL,
	"market_id" text NOT NULL,
	"model" text NOT NULL,
	"as_of" timestamp with time zone NOT NULL,
	"diagnostics" jsonb NOT NULL
);
--> statement-breakpoint
ALTER TABLE "option_quotes" ADD CONSTRAINT "option_quotes_snapshot_id_snapshots_id_fk" FOREIGN KEY ("snapshot_id") REFERENCES "public"."snapshots"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "parameter_values" ADD CONSTRAINT "parameter_values_parameter_id_parameters_id_fk" FOREIGN KEY ("parameter_id") REFERENCES "public"."parameters"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "parameters" ADD CONSTRAINT "parameters_market_id_markets_id_fk" FOREIGN KEY ("market_id") REFERENCES "public"."markets"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "price_history" ADD CONSTRAINT "price_history_market_id_markets_id_fk" FOREIGN KEY ("market_id") REFERENCES "public"."markets"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "proposal_changes" ADD CONSTRAINT "proposal_changes_proposal_id_proposals_id_fk" FOREIGN KEY ("proposal_id") REFERENCES "public"."proposals"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "proposal_changes" ADD CONSTRAINT "proposal_changes_parameter_id_parameters_id_fk" FOREIGN KEY ("parameter_id") REFERENCES "public"."parameters"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "proposals" ADD CONSTRAINT "proposals_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reviews" ADD CONSTRAINT "reviews_proposal_id_proposals_id_fk" FOREIGN KEY ("proposal_id") REFERENCES "public"."proposals"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reviews" ADD CONSTRAINT "reviews_member_address_committee_members_address_fk" FOREIGN KEY ("member_address") REFERENCES "public"."committee_members"("address") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "risk_metrics" ADD CONSTRAINT "risk_metrics_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "run_markets" ADD CONSTRAINT "run_markets_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "run_markets" ADD CONSTRAINT "run_markets_market_id_markets_id_fk" FOREIGN KEY ("market_id") REFERENCES "public"."markets"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "run_markets" ADD CONSTRAINT "run_markets_snapshot_id_snapshots_id_fk" FOREIGN KEY ("snapshot_id") REFERENCES "public"."snapshots"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "run_stages" ADD CONSTRAINT "run_stages_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "snapshots" ADD CONSTRAINT "snapshots_market_id_markets_id_fk" FOREIGN KEY ("market_id") REFERENCES "public"."markets"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "surface_slices" ADD CONSTRAINT "surface_slices_surface_id_surfaces_id_fk" FOREIGN KEY ("surface_id") REFERENCES "public"."surfaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "surfaces" ADD CONSTRAINT "surfaces_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "parameter_values_param_idx" ON "parameter_values" USING btree ("parameter_id","effective_at");--> statement-breakpoint
CREATE UNIQUE INDEX "parameters_market_name_uq" ON "parameters" USING btree ("market_id","name");--> statement-breakpoint
CREATE INDEX "proposals_status_idx" ON "proposals" USING btree ("status");--> statement-breakpoint
CREATE INDEX "proposals_market_idx" ON "proposals" USING btree ("market_id");--> statement-breakpoint
CREATE INDEX "reviews_proposal_idx" ON "reviews" USING btree ("proposal_id");--> statement-breakpoint
CREATE UNIQUE INDEX "risk_metrics_uq" ON "risk_metrics" USING btree ("run_id","market_id","method","level","horizon_days");--> statement-breakpoint
CREATE INDEX "risk_metrics_market_idx" ON "risk_metrics" USING btree ("market_id","method");--> statement-breakpoint
CREATE INDEX "run_stages_run_idx" ON "run_stages" USING btree ("run_id");--> statement-breakpoint
CREATE UNIQUE INDEX "runs_run_key_uq" ON "runs" USING btree ("run_key");--> statement-breakpoint
CREATE INDEX "runs_as_of_idx" ON "runs" USING btree ("as_of");--> statement-breakpoint
CREATE UNIQUE INDEX "snapshots_market_hash_uq" ON "snapshots" USING btree ("market_id","content_hash");--> statement-breakpoint
CREATE UNIQUE INDEX "surfaces_run_market_model_uq" ON "surfaces" USING btree ("run_id","market_id","model");