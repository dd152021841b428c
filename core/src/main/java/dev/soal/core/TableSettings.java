package dev.soal.core;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where the {@code soal} Iceberg catalog lives: one value for every path. The Lambda runtime reads it from its
 * environment ({@code SOAL_CATALOG}, {@code SOAL_WAREHOUSE}, set by the stack); a cluster run gets it on the
 * runner's command line ({@code --catalog}, {@code --warehouse}, see {@link RunnerArgs}).
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
            throw new IllegalArgumentException("the soal catalog (" + CATALOG_ENV + ", --catalog) must be 'glue' or a JDBC URL, but was '"
                    + catalog + "'");
        }
        if (catalog != null) {
            warehouse = warehouse(warehouse);
        }
    }

    /**
     * A warehouse location checked and ending in {@code /}: {@code s3://} and a valid bucket name; the one check
     * of the policies' {@code tables.warehouse} and of the runtimes' settings.
     */
    public static String warehouse(String location) {
        S3Uri uri;
        try {
            uri = location == null ? null : S3Uri.parse(location);
        } catch (IllegalArgumentException e) {
            uri = null;
        }
        if (uri == null || !uri.scheme().equals("s3")) {
            throw new IllegalArgumentException("the soal catalog's warehouse (" + WAREHOUSE_ENV + ", --warehouse, "
                    + "tables.warehouse) must be an s3://bucket/prefix/ location, but was '" + location + "'");
        }
        return location.endsWith("/") ? location : location + "/";
    }

    public static TableSettings none() {
        return new TableSettings(null, null);
    }

    public static TableSettings fromEnvironment(Map<String, String> env) {
        return of(env.get(CATALOG_ENV), env.get(WAREHOUSE_ENV));
    }

    /** A blank or missing catalog is none. */
    public static TableSettings of(String catalog, String warehouse) {
        return catalog == null || catalog.isBlank() ? none()
                : new TableSettings(catalog.trim(), warehouse == null ? null : warehouse.trim());
    }

    /** The Glue Data Catalog, with its tables' files under {@code warehouse}: the catalog in AWS. */
    public static TableSettings glue(String warehouse) {
        return new TableSettings(GLUE, warehouse);
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
