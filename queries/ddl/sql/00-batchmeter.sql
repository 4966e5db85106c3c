-- Generated from core/tables.ts by queries/ddl/writeDdlFiles.ts; do not edit. Replace s3://your-bucket/batchmeter/ with your bucket and prefix.
CREATE DATABASE IF NOT EXISTS `batchmeter`;
