
-- CreateEnum
CREATE TYPE "ModelRunStatus" AS ENUM ('QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED');

-- CreateTable
CREATE TABLE "users" (
    "id" SERIAL NOT NULL,
    "external_id" TEXT NOT NULL,
    "attributes" JSONB,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "users_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "items" (
    "id" SERIAL NOT NULL,
    "external_id" TEXT NOT NULL,
    "title" TEXT,
    "genres" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "tags" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "year" INTEGER,
    "metadata" JSONB,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "items_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ratings" (
    "user_id" INTEGER NOT NULL,
    "item_id" INTEGER NOT NULL,
    "value" REAL NOT NULL,
    "rated_at" TIMESTAMPTZ(3),
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ratings_pkey" PRIMARY KEY ("user_id","item_id")
);

-- CreateTable
CREATE TABLE "dataset_imports" (
    "id" SERIAL NOT NULL,
    "format" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "users_inserted" INTEGER NOT NULL DEFAULT 0,
    "items_inserted" INTEGER NOT NULL DEFAULT 0,
    "ratings_inserted" INTEGER NOT NULL DEFAULT 0,
    "ratings_updated" INTEGER NOT NULL DEFAULT 0,
    "seconds" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "dataset_imports_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "model_runs" (
    "id" SERIAL NOT NULL,
    "model" TEXT NOT NULL,
    "params" JSONB NOT NULL,
    "status" "ModelRunStatus" NOT NULL DEFAULT 'QUEUED',
    "metrics" JSONB,
    "error" TEXT,
    "data_fingerprint" TEXT,
    "artifact_uri" TEXT,
    "active" BOOLEAN NOT NULL DEFAULT false,
    "train_seconds" DOUBLE PRECISION,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMPTZ(3),
    "finished_at" TIMESTAMPTZ(3),

    CONSTRAINT "model_runs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "model_artifacts" (
    "run_id" INTEGER NOT NULL,
    "bytes" BYTEA NOT NULL,
    "sha256" TEXT NOT NULL,
    "size_bytes" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "model_artifacts_pkey" PRIMARY KEY ("run_id")
);

-- CreateIndex
CREATE UNIQUE INDEX "users_external_id_key" ON "users"("external_id");

-- CreateIndex
CREATE UNIQUE INDEX "items_external_id_key" ON "items"("external_id");

-- CreateIndex
CREATE INDEX "items_year_idx" ON "items"("year");

-- CreateIndex
CREATE INDEX "items_genres_idx" ON "items" USING GIN ("genres");

-- CreateIndex
CREATE INDEX "ratings_item_id_idx" ON "ratings"("item_id");

-- CreateIndex
CREATE INDEX "ratings_rated_at_idx" ON "ratings"("rated_at");

-- CreateIndex
CREATE INDEX "ratings_user_id_rated_at_idx" ON "ratings"("user_id", "rated_at");

-- CreateIndex
CREATE INDEX "model_runs_model_created_at_idx" ON "model_runs"("model", "created_at");

-- AddForeignKey
ALTER TABLE "ratings" ADD CONSTRAINT "ratings_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ratings" ADD CONSTRAINT "ratings_item_id_fkey" FOREIGN KEY ("item_id") REFERENCES "items"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "model_artifacts" ADD CONSTRAINT "model_artifacts_run_id_fkey" FOREIGN KEY ("run_id") REFERENCES "model_runs"("id") ON DELETE CASCADE ON UPDATE CASCADE;


-- At most one active (served) run per model. Prisma's schema language has no partial
-- indexes, so this index lives only here and prisma migrate diff will offer to drop it. Keep it.
-- (No semicolons in comments: the WASM engine's adapter splits scripts on them.)
CREATE UNIQUE INDEX "model_runs_one_active_per_model" ON "model_runs"("model") WHERE "active";
