package dev.soal.adapters.tables;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where the {@code soal} Iceberg catalog lives, as every runtime reads it from its environment (one place
 * for the Lambda runtime, the standalone cluster's driver, and the clusters in AWS).
 *
 * @param catalog   {@code glue} (the Glue Data Catalog, in AWS) or the JDBC URL of a catalog database whose
 *                  commits are atomic across processes (the embedded default's H2 server); null: no catalog
 * @param warehouse where the tables' files go, {@code s3://bucket/warehouse/}
 */
public record TableSettings(String catalog, String warehouse) {
    public static final String CATALOG_ENV = "SOAL_CATALOG";
    public static final String WAREHOUSE_ENV = "SOAL_WAREHOUSE";
    public static final String GLUE = "glue";

    public TableSettings {
        if (catalog != null && !catalog.equals(GLUE) && !catalog.startsWith("jdbc:")) {
            throw new IllegalArgumentException(CATALOG_ENV + " must be 'glue' or a JDBC URL, but was '" + catalog + "'");
        }
        if (catalog != null && (warehouse == null || !warehouse.startsWith("s3://"))) {
            throw new IllegalArgumentException(WAREHOUSE_ENV + " must be an s3:// location for the soal catalog, but was '" + warehouse + "'");
        }
    }

    public static TableSettings none() {
        return new TableSettings(null, null);
    }

    public static TableSettings fromEnvironment(Map<String, String> env) {
        String catalog = env.get(CATALOG_ENV);
        return catalog == null || catalog.isBlank() ? none() : new TableSettings(catalog.trim(), env.get(WAREHOUSE_ENV));
    }

    public Map<String, String> toEnvironment() {
        Map<String, String> env = new LinkedHashMap<>();
        if (catalog != null) {
            env.put(CATALOG_ENV, catalog);
            env.put(WAREHOUSE_ENV, warehouse);
        }
        return env;
    }
}
